//! Character-level helpers: byte classes for escaping, HTML escaping, accent folding, slugs,
//! numbers and dates as the sources print them.

use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike};

use crate::catalog::{Cc, country};

/// Byte classes for the escaping loops: 1 escaped in JSON, 2 `/`, 4 non-ASCII,
/// 8 escaped in HTML. A table lookup keeps these hot loops cheap.
pub(crate) const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'"' => 1 | 8,
            b'\\' | 0..0x20 => 1,
            b'/' => 2,
            b'&' | b'<' | b'>' => 8,
            0x80.. => 4,
            _ => 0,
        };
        b += 1;
    }
    t
};

pub(crate) fn push_html(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if CLASS[usize::from(b)] & 8 != 0 {
            out.push_str(&s[start..i]);
            out.push_str(match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                _ => "&quot;",
            });
            start = i + 1;
        }
    }
    out.push_str(&s[start..]);
}

/// Strips the accents that occur in our vocabulary.
pub(crate) fn fold_char(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' => 'i',
        'ô' | 'ö' => 'o',
        'ù' | 'û' | 'ü' => 'u',
        'À' | 'Â' => 'A',
        'Ç' => 'C',
        'É' | 'È' | 'Ê' => 'E',
        'Î' => 'I',
        'Ô' | 'Ö' => 'O',
        'Û' | 'Ü' => 'U',
        _ => c,
    }
}

pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(fold_char) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

pub(crate) fn write_num(out: &mut String, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}

/// "60,000"
pub(crate) fn thousands(v: f64) -> String {
    let digits = format!("{}", v.abs().round() as u64);
    let mut out = String::from(if v < 0.0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) fn fmt_date(t: NaiveDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

/// "2026-10-02T09:12:44", without zone (Remotive; the others add one).
pub(crate) fn fmt_naive(t: NaiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        fmt_date(t),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Local time with an offset, "+02:00" or (some sites) "+0200".
pub(crate) fn fmt_offset(t: NaiveDateTime, cc: Cc, colon: bool) -> String {
    let off = country(cc).tz[usize::from((4..=10).contains(&t.month()))];
    let local = fmt_naive(t + Duration::minutes(off.into()));
    let sign = if off < 0 { '-' } else { '+' };
    let (h, m, sep) = (off.abs() / 60, off.abs() % 60, if colon { ":" } else { "" });
    format!("{local}{sign}{h:02}{sep}{m:02}")
}
