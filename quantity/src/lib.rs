//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `1G`, `2e3`):
//! parsing to a number of base units (cores, bytes, objects) and writing
//! back in the canonical short forms the API server uses.

/// The value of a quantity in base units, `None` when it is not a quantity.
pub fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, f)| s.strip_suffix(suffix).map(|n| (n, *f)))
        .unwrap_or((s, 1.0));
    let valid = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E'))
        && number.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    let v: f64 = number.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v * factor)
}

/// A quantity of `resource` written as the API server would: CPU in
/// millicores when fractional (`250m`), memory-like values in binary
/// suffixes when exact (`128Mi`), otherwise plain integers.
pub fn format(resource: &str, value: f64) -> String {
    let is_cpu = resource == "cpu" || resource.ends_with(".cpu");
    if is_cpu {
        let milli = (value * 1000.0).round();
        if milli % 1000.0 == 0.0 {
            return format!("{}", (milli / 1000.0) as i64);
        }
        return format!("{}m", milli as i64);
    }
    let v = value.round() as i64;
    for (suffix, size) in [("Gi", 1i64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if v != 0 && v % size == 0 && is_bytes(resource) {
            return format!("{}{suffix}", v / size);
        }
    }
    v.to_string()
}

fn is_bytes(resource: &str) -> bool {
    ["memory", "storage", "ephemeral-storage"]
        .iter()
        .any(|r| resource == *r || resource.ends_with(&format!(".{r}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("250m"), Some(0.25));
        assert_eq!(parse("2"), Some(2.0));
        assert_eq!(parse("1.5"), Some(1.5));
        assert_eq!(parse("128Mi"), Some(134_217_728.0));
        assert_eq!(parse("1G"), Some(1e9));
        assert_eq!(parse("2e3"), Some(2000.0));
        assert_eq!(parse("lots"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("-1"), None);
        assert_eq!(format("cpu", 0.25), "250m");
        assert_eq!(format("requests.cpu", 2.0), "2");
        assert_eq!(format("memory", 134_217_728.0), "128Mi");
        assert_eq!(format("requests.memory", 1e9), "1000000000");
        assert_eq!(format("pods", 3.0), "3");
    }
}
