//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `1G`, `2e3`),
//! exactly as the API server reads and writes them.
//!
//! A [`Quantity`] holds its value as a whole number of nano-units (the
//! finest precision Kubernetes keeps; finer digits round away from zero,
//! as `resource.Quantity` does) and the format it was written in, so it
//! prints in canonical form: no precision lost, no fractional digits, the
//! largest suffix that allows both (`1.5` is `1500m`, `1.5Gi` is `1536Mi`,
//! `0.5Ki` is `512`).
//!
//! [`parse`] and [`format`] are the approximate `f64` views the simulator's
//! arithmetic uses.

use std::cmp::Ordering;
use std::fmt;

/// Nano-units in one unit.
const NANO: i128 = 1_000_000_000;
/// The largest magnitude accepted, in units: 2^63 - 1, as Kubernetes' int64 values.
pub const MAX_UNITS: i128 = i64::MAX as i128;

/// How a quantity was written, which decides how it prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Powers of 1024: `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`.
    BinarySI,
    /// Powers of 1000: `n`, `u`, `m`, none, `k`, `M`, `G`, `T`, `P`, `E`.
    DecimalSI,
    /// An exponent: `12e6`.
    DecimalExponent,
}

/// Why a text is not a quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    Empty,
    /// Not of the form `<number><suffix>` (`1.5Gi`, `250m`, `2e3`).
    Syntax,
    /// Larger than 2^63 - 1 units.
    TooLarge,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::Empty => "a quantity is required",
            ParseError::Syntax => {
                "must be a number with an optional suffix, such as 500m, 2, 1.5, 512Mi or 2Gi"
            }
            ParseError::TooLarge => "is too large",
        })
    }
}

impl std::error::Error for ParseError {}

/// A resource quantity: an exact value in nano-units and its format.
/// Equality and order compare values only (`1Ki` equals `1024`).
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

const DECIMAL_SUFFIXES: [(&str, i32); 10] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];
const BINARY_SUFFIXES: [(&str, u32); 7] = [
    ("", 0),
    ("Ki", 1),
    ("Mi", 2),
    ("Gi", 3),
    ("Ti", 4),
    ("Pi", 5),
    ("Ei", 6),
];

fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

/// `value × 10^exp`, rounded away from zero when `exp` is negative;
/// `None` on overflow.
fn shift(value: i128, exp: i32) -> Option<i128> {
    if exp >= 0 {
        return value.checked_mul(pow10(exp as u32)?);
    }
    let Some(d) = pow10(exp.unsigned_abs()) else {
        return Some(value.signum());
    };
    let (q, r) = (value / d, value % d);
    Some(if r == 0 { q } else { q + value.signum() })
}

impl Quantity {
    /// Zero, in decimal format.
    pub const ZERO: Quantity = Quantity {
        nanos: 0,
        format: Format::DecimalSI,
    };

    /// Reads a quantity as the API server does.
    pub fn parse(text: &str) -> Result<Quantity, ParseError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(ParseError::Empty);
        }
        let (negative, s) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let number_len = s
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(s.len());
        let (number, suffix) = s.split_at(number_len);
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && frac.is_empty()) || frac.contains('.') {
            return Err(ParseError::Syntax);
        }
        let (format, decimal_exp, binary_exp) = Self::suffix(suffix)?;
        // The digits as one integer of at most 36 digits: trailing
        // fractional zeros dropped, and fractional digits beyond 36
        // significant ones only noted (they round the last nano-unit up).
        let whole = whole.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        if whole.len() > 36 {
            return Err(ParseError::TooLarge);
        }
        let leading_zeros = if whole.is_empty() {
            frac.len() - frac.trim_start_matches('0').len()
        } else {
            0
        };
        let kept = frac.len().min(36 - whole.len() + leading_zeros);
        let (frac, dropped) = frac.split_at(kept);
        let digits = format!("{whole}{frac}");
        let mantissa: i128 = match digits.trim_start_matches('0') {
            "" => 0,
            d => d.parse().map_err(|_| ParseError::Syntax)?,
        };
        let scaled = mantissa
            .checked_mul(1i128 << (10 * binary_exp))
            .ok_or(ParseError::TooLarge)?;
        let exp = decimal_exp
            .checked_add(9)
            .and_then(|e| e.checked_sub(frac.len() as i32))
            .ok_or(ParseError::TooLarge)?;
        let mut nanos = shift(scaled, exp).ok_or(ParseError::TooLarge)?;
        if !dropped.is_empty() && shift(scaled, exp).and_then(|n| shift(n, -exp)) == Some(scaled) {
            nanos += 1;
        }
        if nanos > MAX_UNITS * NANO {
            return Err(ParseError::TooLarge);
        }
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
            format,
        })
    }

    /// The format and the power of ten and of 1024 a suffix stands for.
    fn suffix(suffix: &str) -> Result<(Format, i32, u32), ParseError> {
        if let Some((_, k)) = BINARY_SUFFIXES.iter().find(|(s, k)| *k > 0 && *s == suffix) {
            return Ok((Format::BinarySI, 0, *k));
        }
        if let Some((_, e)) = DECIMAL_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
            return Ok((Format::DecimalSI, *e, 0));
        }
        let exp = suffix
            .strip_prefix('e')
            .or_else(|| suffix.strip_prefix('E'))
            .ok_or(ParseError::Syntax)?;
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::Syntax);
        }
        let e: i32 = exp.parse().map_err(|_| ParseError::TooLarge)?;
        if e.abs() > 1000 {
            return Err(ParseError::TooLarge);
        }
        Ok((Format::DecimalExponent, e, 0))
    }

    /// `units × 10^-scale` (scale 3: `units` are thousandths), in `format`.
    pub fn from_scaled(units: i128, scale: u32, format: Format) -> Quantity {
        let nanos = shift(units, 9 - scale.min(9) as i32).unwrap_or(i128::MAX);
        Quantity { nanos, format }
    }

    /// Whole units in `format` (`Quantity::from_units(2 << 30, BinarySI)` is `2Gi`).
    pub fn from_units(units: i128, format: Format) -> Quantity {
        Self::from_scaled(units, 0, format)
    }

    /// The value in units of 10^-scale, rounded up (scale 3: millicores).
    /// Kubernetes compares cpu in thousandths and everything else in units.
    pub fn to_scaled_ceil(&self, scale: u32) -> i128 {
        let d = pow10(9 - scale.min(9)).unwrap_or(1);
        let (q, r) = (self.nanos.div_euclid(d), self.nanos.rem_euclid(d));
        q + i128::from(r != 0)
    }

    /// The value in nano-units.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// An approximation, for arithmetic that need not be exact.
    pub fn as_f64(&self) -> f64 {
        self.nanos as f64 / NANO as f64
    }

    /// The same value written in `format`.
    pub fn with_format(self, format: Format) -> Quantity {
        Quantity { format, ..self }
    }

    fn write_decimal(&self, f: &mut fmt::Formatter<'_>, exponent: bool) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        // The largest power of 1000 (nano at least, exa at most for
        // suffixes) that leaves a whole mantissa.
        let mut e: i32 = -9;
        let mut mantissa = self.nanos;
        while mantissa % 1000 == 0 && (exponent || e < 18) {
            mantissa /= 1000;
            e += 3;
        }
        if exponent {
            return match e {
                0 => write!(f, "{mantissa}"),
                _ => write!(f, "{mantissa}e{e}"),
            };
        }
        let suffix = DECIMAL_SUFFIXES
            .iter()
            .find(|(_, x)| *x == e)
            .map_or("", |(s, _)| s);
        write!(f, "{mantissa}{suffix}")
    }
}

impl fmt::Display for Quantity {
    /// The canonical form the API server writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.format {
            Format::DecimalSI => self.write_decimal(f, false),
            Format::DecimalExponent => self.write_decimal(f, true),
            Format::BinarySI => {
                // Below 1Ki, or fractional, binary suffixes would lose
                // precision or read oddly: Kubernetes writes those decimally.
                if self.nanos.abs() < 1024 * NANO || self.nanos % NANO != 0 {
                    return self.write_decimal(f, false);
                }
                let mut units = self.nanos / NANO;
                let mut k = 0;
                while units % 1024 == 0 && k < 6 {
                    units /= 1024;
                    k += 1;
                }
                write!(f, "{units}{}", BINARY_SUFFIXES[k].0)
            }
        }
    }
}

impl std::str::FromStr for Quantity {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Quantity, ParseError> {
        Quantity::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Quantity) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

/// The value of a non-negative quantity in base units (cores, bytes,
/// objects), `None` when it is not one.
pub fn parse(s: &str) -> Option<f64> {
    Quantity::parse(s)
        .ok()
        .filter(|q| !q.is_negative())
        .map(|q| q.as_f64())
}

/// Whether a resource counts bytes (`memory`, `requests.storage`,
/// `gold.storageclass.storage.k8s.io/requests.storage`, ...).
pub fn is_bytes(resource: &str) -> bool {
    ["memory", "storage", "ephemeral-storage"]
        .iter()
        .any(|r| resource == *r || resource.ends_with(&format!(".{r}")))
}

/// A quantity of `resource` written as the API server would: CPU in
/// millicores when fractional (`250m`), memory-like values in binary
/// suffixes when exact (`128Mi`), counts in decimal ones (`1k`).
pub fn format(resource: &str, value: f64) -> String {
    let is_cpu = resource == "cpu" || resource.ends_with(".cpu");
    if is_cpu {
        let milli = (value * 1000.0).round() as i128;
        return Quantity::from_scaled(milli, 3, Format::DecimalSI).to_string();
    }
    let format = if is_bytes(resource) {
        Format::BinarySI
    } else {
        Format::DecimalSI
    };
    Quantity::from_units(value.round() as i128, format).to_string()
}

#[cfg(test)]
mod tests;
