//! `float4` / `float8` text exactly as PostgreSQL writes it (`float4out` / `float8out`).
//!
//! Clients parse what PostgreSQL sends: pgjdbc's `Double.parseDouble` accepts `Infinity` but not
//! `inf`, and tools compare and display `1` rather than `1.0`. So the text format follows the
//! server's rules, checked value by value against PostgreSQL 15.18's output
//! (`tests/fixtures/pg15_float_text.tsv`, test `wire_text_encode`):
//!
//! - `NaN`, `Infinity`, `-Infinity`; zero is `0` or `-0`.
//! - `extra_float_digits >= 1` (the default since PostgreSQL 12, and what pgjdbc sets): the
//!   shortest digits that read back to the same value (Ryu), laid out like `printf("%g")` with
//!   precision 15 (`float8`) or 6 (`float4`): plain notation when the decimal exponent X is in
//!   `-4 <= X < precision`, otherwise `d.ddde+XX` (at least two exponent digits).
//! - `extra_float_digits <= 0`: `printf("%.*g", precision + extra_float_digits)` (at least one
//!   digit), i.e. rounded to that many significant digits, trailing zeros dropped, same layout.
//!
//! One known difference: PostgreSQL's Ryu does not accept the bounds of a value's rounding
//! interval, so when the shortest digits lie exactly on a bound it prints one digit more
//! (`-8.876237460160861e+16` where we print `-8.87623746016086e+16`; 2 of the fixture's 5,235
//! values). Both read back to the same double.
use bytes::{BufMut, BytesMut};

/// `float8` (`f64`, `DBL_DIG` = 15) and `float4` (`f32`, `FLT_DIG` = 6): the `%g` precision and
/// plain/exponent threshold of each.
pub trait PgFloat: ryu::Float + std::fmt::LowerExp + Copy {
    const DIGITS: i32;
    fn wide(self) -> f64;
}

impl PgFloat for f64 {
    const DIGITS: i32 = 15;
    fn wide(self) -> f64 {
        self
    }
}

impl PgFloat for f32 {
    const DIGITS: i32 = 6;
    fn wide(self) -> f64 {
        self as f64
    }
}

/// Writes a `float8` value's text.
pub fn put_f64(out: &mut BytesMut, ryu: &mut ryu::Buffer, v: f64, extra_float_digits: i32) {
    put_float(out, ryu, v, extra_float_digits)
}

/// Writes a `float4` value's text.
pub fn put_f32(out: &mut BytesMut, ryu: &mut ryu::Buffer, v: f32, extra_float_digits: i32) {
    put_float(out, ryu, v, extra_float_digits)
}

fn put_float<F: PgFloat>(out: &mut BytesMut, ryu: &mut ryu::Buffer, v: F, extra_float_digits: i32) {
    if special(out, v.wide()) {
        return;
    }
    if extra_float_digits >= 1 {
        layout(out, ryu.format_finite(v), F::DIGITS);
    } else {
        let p = (F::DIGITS + extra_float_digits).max(1);
        let mut s = StackStr::new();
        std::fmt::write(&mut s, format_args!("{:.*e}", (p - 1) as usize, v)).ok();
        layout(out, s.as_str(), p);
    }
}

/// NaN, infinities and zeros (which keep their sign); `false` for every other value.
fn special(out: &mut BytesMut, v: f64) -> bool {
    if v.is_nan() {
        out.put_slice(b"NaN");
    } else if v.is_infinite() {
        out.put_slice(if v > 0.0 {
            b"Infinity".as_slice()
        } else {
            b"-Infinity"
        });
    } else if v == 0.0 {
        out.put_slice(if v.is_sign_negative() {
            b"-0".as_slice()
        } else {
            b"0"
        });
    } else {
        return false;
    }
    true
}

/// Re-lays out a finite non-zero number written by Ryu (`1.0`, `1e21`, `1.5e-7`, `0.0001`) or by
/// `{:e}` (`3.33e-1`) in PostgreSQL's `%g` form with the given precision threshold.
fn layout(out: &mut BytesMut, text: &str, precision: i32) {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Significant digits (no leading or trailing zeros) and the decimal exponent of the first.
    let mut digits = [0u8; 40];
    let mut n = 0;
    let mut leading = 0i32;
    for &b in int_part.as_bytes().iter().chain(frac_part.as_bytes()) {
        if n == 0 && b == b'0' {
            leading += 1;
        } else if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let digits = &digits[..n];
    let x = int_part.len() as i32 - 1 - leading + exp;
    if negative {
        out.put_u8(b'-');
    }
    if x < -4 || x >= precision {
        out.put_u8(digits[0]);
        if digits.len() > 1 {
            out.put_u8(b'.');
            out.put_slice(&digits[1..]);
        }
        out.put_u8(b'e');
        out.put_u8(if x < 0 { b'-' } else { b'+' });
        let e = x.unsigned_abs();
        if e < 10 {
            out.put_u8(b'0');
        }
        let mut itoa = itoa::Buffer::new();
        out.put_slice(itoa.format(e).as_bytes());
    } else if x < 0 {
        out.put_slice(b"0.");
        for _ in 0..(-x - 1) {
            out.put_u8(b'0');
        }
        out.put_slice(digits);
    } else {
        let int_len = x as usize + 1;
        if digits.len() <= int_len {
            out.put_slice(digits);
            for _ in digits.len()..int_len {
                out.put_u8(b'0');
            }
        } else {
            out.put_slice(&digits[..int_len]);
            out.put_u8(b'.');
            out.put_slice(&digits[int_len..]);
        }
    }
}

/// A fixed buffer for `{:e}` output (at most 17 digits, sign, point and exponent).
struct StackStr {
    buf: [u8; 48],
    len: usize,
}

impl StackStr {
    fn new() -> Self {
        StackStr {
            buf: [0; 48],
            len: 0,
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("0")
    }
}

impl std::fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64, efd: i32) -> String {
        let mut out = BytesMut::new();
        put_f64(&mut out, &mut ryu::Buffer::new(), v, efd);
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn f4(v: f32, efd: i32) -> String {
        let mut out = BytesMut::new();
        put_f32(&mut out, &mut ryu::Buffer::new(), v, efd);
        String::from_utf8(out.to_vec()).unwrap()
    }

    /// Values from a PostgreSQL 15.18 session (`SET extra_float_digits = 1; SELECT x::text`).
    #[test]
    fn shortest_text_matches_postgresql() {
        for (v, pg) in [
            (1.0, "1"),
            (-0.0, "-0"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
            (1e21, "1e+21"),
            (1e15, "1e+15"),
            (1e14, "100000000000000"),
            (123456789012345.6, "123456789012345.6"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (2.5e16, "2.5e+16"),
        ] {
            assert_eq!(f8(v, 1), pg, "{v:e}");
        }
        assert_eq!(f4(1e6, 1), "1e+06");
        assert_eq!(f4(123456.0, 1), "123456");
        assert_eq!(f4(1234567.0, 1), "1.234567e+06");
        assert_eq!(f4(f32::MAX, 1), "3.4028235e+38");
    }

    /// `extra_float_digits = 0` (PostgreSQL before 12 and some drivers): 15 significant digits.
    #[test]
    fn rounded_text_matches_postgresql() {
        assert_eq!(f8(1.0 / 3.0, 0), "0.333333333333333");
        assert_eq!(f8(123456789012345.6, 0), "123456789012346");
        assert_eq!(f8(1e15, 0), "1e+15");
        assert_eq!(f8(0.1, 0), "0.1");
        assert_eq!(f4(123456.0, -4), "1.2e+05");
        assert_eq!(f8(-0.0, -15), "-0");
    }
}
