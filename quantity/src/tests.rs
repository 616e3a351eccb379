use proptest::prelude::*;

use super::*;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn canonical(s: &str) -> String {
    q(s).to_string()
}

#[test]
fn canonical_forms_are_the_api_servers() {
    // The examples of resource.Quantity's documentation and tests.
    for (input, out) in [
        ("1.5", "1500m"),
        ("1.5Gi", "1536Mi"),
        ("0.5Ki", "512"),
        ("1Ki", "1Ki"),
        ("1024", "1024"),
        ("1024Ki", "1Mi"),
        ("1000", "1k"),
        ("1000m", "1"),
        ("0.1", "100m"),
        ("100m", "100m"),
        ("250m", "250m"),
        ("0", "0"),
        ("0Gi", "0"),
        ("-1", "-1"),
        ("+2", "2"),
        ("1e3", "1e3"),
        ("1.5e3", "1500"),
        ("1E", "1E"),
        ("1E3", "1e3"),
        ("12e6", "12e6"),
        ("1.5e-3", "1500e-6"),
        ("5.", "5"),
        (".5", "500m"),
        ("0.0000000001", "1n"),
        ("1.0000000001", "1000000001n"),
        ("1536Mi", "1536Mi"),
        ("2Gi", "2Gi"),
        ("1G", "1G"),
        ("1.5G", "1500M"),
        ("1Ti", "1Ti"),
        ("7Ei", "7Ei"),
        ("1Pi", "1Pi"),
        ("007", "7"),
        ("  3  ", "3"),
    ] {
        assert_eq!(canonical(input), out, "{input}");
    }
}

#[test]
fn values_are_exact() {
    assert_eq!(q("250m").to_scaled_ceil(3), 250);
    assert_eq!(q("1.5").to_scaled_ceil(3), 1500);
    assert_eq!(q("2Gi").to_scaled_ceil(0), 2 << 30);
    assert_eq!(q("1.5").to_scaled_ceil(0), 2, "whole units round up");
    assert_eq!(q("0.0001").to_scaled_ceil(3), 1, "millis round up");
    assert_eq!(q("1n").to_scaled_ceil(0), 1);
    assert_eq!(q("1Ki"), q("1024"), "equal values compare equal");
    assert!(q("999m") < q("1"));
    assert!(q("1Gi") > q("1G"));
    assert_eq!(
        Quantity::from_scaled(1500, 3, Format::DecimalSI).to_string(),
        "1500m"
    );
    assert_eq!(
        Quantity::from_units(3 << 30, Format::BinarySI).to_string(),
        "3Gi"
    );
    assert_eq!(
        Quantity::from_units(1500, Format::BinarySI).to_string(),
        "1500"
    );
}

#[test]
fn bad_text_is_refused_with_a_reason() {
    for bad in [
        "lots", "1.2.3", "1e", "1e+", "1ee3", "Gi", "1 Gi", "1gi", "1KiB", "1.5.Mi", "--1", "+-1",
        ".", "-", "1m5", "0x10", "١",
    ] {
        assert_eq!(Quantity::parse(bad), Err(ParseError::Syntax), "{bad:?}");
    }
    assert_eq!(Quantity::parse(""), Err(ParseError::Empty));
    assert_eq!(Quantity::parse("   "), Err(ParseError::Empty));
    for big in [
        "9223372036854775808",
        "9Ei",
        "1e19",
        "1e1001",
        "9".repeat(40).as_str(),
    ] {
        assert_eq!(Quantity::parse(big), Err(ParseError::TooLarge), "{big}");
    }
    assert_eq!(canonical("9223372036854775807"), "9223372036854775807");
}

#[test]
fn the_f64_view_matches_the_old_one() {
    assert_eq!(parse("250m"), Some(0.25));
    assert_eq!(parse("2"), Some(2.0));
    assert_eq!(parse("128Mi"), Some(134_217_728.0));
    assert_eq!(parse("2e3"), Some(2000.0));
    assert_eq!(parse("-1"), None, "negative quantities are not amounts");
    assert_eq!(parse("lots"), None);
    assert_eq!(format("cpu", 0.25), "250m");
    assert_eq!(format("requests.cpu", 2.0), "2");
    assert_eq!(format("memory", 134_217_728.0), "128Mi");
    assert_eq!(format("requests.memory", 1e9), "1000000000");
    assert_eq!(format("pods", 3.0), "3");
    assert_eq!(format("pods", 1000.0), "1k");
}

fn any_format() -> impl Strategy<Value = Format> {
    prop_oneof![
        Just(Format::BinarySI),
        Just(Format::DecimalSI),
        Just(Format::DecimalExponent)
    ]
}

/// Texts of the grammar: sign, digits with an optional point, a suffix.
fn quantity_text() -> impl Strategy<Value = String> {
    let suffix = prop_oneof![
        prop::sample::select(vec![
            "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"
        ])
        .prop_map(str::to_owned),
        (-12i32..12).prop_map(|e| format!("e{e}")),
    ];
    (
        prop::sample::select(vec!["", "+", "-"]),
        "[0-9]{1,6}",
        prop::option::of("[0-9]{0,6}"),
        suffix,
    )
        .prop_map(|(sign, whole, frac, suffix)| match frac {
            Some(frac) => format!("{sign}{whole}.{frac}{suffix}"),
            None => format!("{sign}{whole}{suffix}"),
        })
}

/// The value of a grammar text, computed apart from the parser in
/// floating point, and how far from it an exact reading may be.
fn exact(text: &str) -> (f64, f64) {
    let value: f64 = {
        let (num, mult) = [
            ("Ki", 1024f64),
            ("Mi", 1024f64.powi(2)),
            ("Gi", 1024f64.powi(3)),
            ("Ti", 1024f64.powi(4)),
            ("Pi", 1024f64.powi(5)),
            ("Ei", 1024f64.powi(6)),
        ]
        .iter()
        .find_map(|(s, m)| text.strip_suffix(s).map(|n| (n, *m)))
        .or_else(|| {
            text.split_once('e')
                .map(|(n, e)| (n, 10f64.powi(e.parse().unwrap())))
        })
        .or_else(|| {
            [
                ("n", 1e-9),
                ("u", 1e-6),
                ("m", 1e-3),
                ("k", 1e3),
                ("M", 1e6),
                ("G", 1e9),
                ("T", 1e12),
                ("P", 1e15),
                ("E", 1e18),
            ]
            .iter()
            .find_map(|(s, m)| text.strip_suffix(s).map(|n| (n, *m)))
        })
        .unwrap_or((text, 1.0));
        num.parse::<f64>().unwrap() * mult
    };
    (value, value.abs() * 1e-12 + 1e-9)
}

/// Reads a grammar text, or `None` when its value is too large to be one.
fn read(text: &str) -> Option<Quantity> {
    let value = exact(text).0;
    match Quantity::parse(text) {
        Err(ParseError::TooLarge) if value.abs() > 0.99 * MAX_UNITS as f64 => None,
        other => Some(other.unwrap_or_else(|e| panic!("{text}: {e}"))),
    }
}

proptest! {
    // Failures are reported, not written into the source tree.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_reading_gives_the_same_value(
        nanos in -(MAX_UNITS * NANO)..(MAX_UNITS * NANO),
        format in any_format(),
    ) {
        let a = Quantity { nanos, format };
        let text = a.to_string();
        let b = Quantity::parse(&text).unwrap();
        prop_assert_eq!(b, a, "{}", text);
        // Canonical: reading and printing again changes nothing.
        prop_assert_eq!(b.to_string(), text);
    }

    #[test]
    fn whole_units_print_with_the_largest_suffix(units in 0i128..(1 << 50), k in 0u32..4) {
        let bytes = units << (10 * k);
        let text = Quantity::from_units(bytes, Format::BinarySI).to_string();
        prop_assert!(!text.contains('.'), "{}", text);
        let (digits, suffix): (String, String) = text.chars().partition(|c| c.is_ascii_digit());
        let mantissa: i128 = digits.parse().unwrap();
        if bytes >= 1024 && suffix != "Ei" {
            prop_assert!(mantissa % 1024 != 0, "{} could use a larger suffix", text);
        }
    }

    #[test]
    fn grammar_texts_parse_to_their_value(text in quantity_text()) {
        let Some(parsed) = read(&text) else { return Ok(()) };
        let (value, tolerance) = exact(&text);
        prop_assert!(
            (parsed.as_f64() - value).abs() <= tolerance,
            "{} read as {} ({}), expected {}", text, parsed, parsed.as_f64(), value
        );
        // Rounding to nano-units is away from zero and by less than one.
        prop_assert!((parsed.as_f64() - value).abs() <= 1e-9 + value.abs() * 1e-12);
    }

    #[test]
    fn order_follows_value(a in quantity_text(), b in quantity_text()) {
        let (Some(qa), Some(qb)) = (read(&a), read(&b)) else { return Ok(()) };
        let (va, vb) = (exact(&a).0, exact(&b).0);
        if (va - vb).abs() > (va.abs() + vb.abs()) * 1e-9 + 2e-9 {
            prop_assert_eq!(qa < qb, va < vb, "{} vs {}", a, b);
        }
    }

    #[test]
    fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,24}") {
        if let Ok(q) = Quantity::parse(&text) {
            prop_assert!(q.nanos().abs() <= MAX_UNITS * NANO);
            prop_assert_eq!(Quantity::parse(&q.to_string()), Ok(q));
        }
    }

    #[test]
    fn scaled_values_round_up(nanos in 0i128..(1i128 << 90), scale in 0u32..=9) {
        let q = Quantity { nanos, format: Format::DecimalSI };
        let scaled = q.to_scaled_ceil(scale);
        let back = Quantity::from_scaled(scaled, scale, Format::DecimalSI);
        prop_assert!(back >= q);
        prop_assert!(back.nanos() - q.nanos() < 10i128.pow(9 - scale));
    }
}
