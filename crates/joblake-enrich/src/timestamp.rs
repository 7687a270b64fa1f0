//! Lenient parsing of the timestamps sources publish (RFC 3339 and its variants, day-first
//! dates, unix epochs, RFC 2822), converted to UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// Parses `HH:MM[:SS[.fff]]` at the start of `b`; returns the time and bytes consumed.
fn parse_time(b: &[u8]) -> Option<(NaiveTime, usize)> {
    let h = digits(b.get(0..2)?)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let m = digits(b.get(3..5)?)?;
    let mut i = 5;
    let mut sec = 0;
    let mut nano = 0u32;
    if b.get(i) == Some(&b':') {
        sec = digits(b.get(i + 1..i + 3)?)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let fstart = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == fstart {
                return None;
            }
            // Sources publish 3 (JS), 6 (Python) or 7 (.NET) fractional digits; keep 9.
            let frac = &b[fstart..i.min(fstart + 9)];
            nano = digits(frac)? * 10u32.pow(9 - frac.len() as u32);
        }
    }
    if sec == 60 {
        // Leap second: chrono represents it as second 59 with nanos >= 1e9.
        sec = 59;
        nano += 1_000_000_000;
    }
    Some((NaiveTime::from_hms_nano_opt(h, m, sec, nano)?, i))
}

/// Parses an offset (`Z`, `+05:30`, `+0530`, `+05`, ` UTC`, ` GMT`) that must end the input.
fn parse_offset(b: &[u8]) -> Option<i32> {
    let t = b.trim_ascii();
    match t {
        [] | b"Z" | b"z" => return Some(0),
        _ if t.eq_ignore_ascii_case(b"utc") || t.eq_ignore_ascii_case(b"gmt") => return Some(0),
        _ => {}
    }
    let sign = match t.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &t[1..];
    let (h, m) = match rest.len() {
        2 => (digits(rest)?, 0),
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        5 if rest[2] == b':' => (digits(&rest[..2])?, digits(&rest[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h as i32 * 3600 + m as i32 * 60))
}

fn finish_datetime(date: NaiveDate, rest: &[u8]) -> Option<DateTime<Utc>> {
    if rest.is_empty() {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    let rest = match rest[0] {
        b'T' | b't' | b' ' => &rest[1..],
        _ => return None,
    };
    let (time, used) = parse_time(rest)?;
    let off = parse_offset(&rest[used..])?;
    let naive = NaiveDateTime::new(date, time);
    let fixed = FixedOffset::east_opt(off)?;
    Some(
        fixed
            .from_local_datetime(&naive)
            .single()?
            .with_timezone(&Utc),
    )
}

/// Lenient timestamp parsing of what sources publish, converted to UTC.
///
/// Accepted: RFC 3339 (`Z`, offsets, any number of fractional digits), offsets without colon
/// (`+0530`) or hours only (`+05`), a space instead of `T`, a trailing ` UTC`/` GMT`, naive
/// date-times (taken as UTC, e.g. Jooble's `2025-06-30T13:19:20.1670000`), date only
/// (`2026-10-02`, `2026/10/02`, `20261002`), day first `dd/mm/yyyy`, `dd.mm.yyyy`,
/// `dd-mm-yyyy` with an optional time (day first: never US month first), RFC 2822, and unix
/// epochs as digits (9-11 digits: seconds, 12-14: milliseconds; fractional seconds allowed).
/// `None` for garbage and impossible dates (`31/02/2026`).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 64 {
        return None;
    }
    // Epochs and compact dates.
    let dots = b.iter().filter(|c| **c == b'.').count();
    if dots <= 1 && b.iter().all(|c| c.is_ascii_digit() || *c == b'.') && b[0].is_ascii_digit() {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if int.len() == 8 && frac.is_none() {
            let y = digits(&b[0..4])?;
            let date = NaiveDate::from_ymd_opt(y as i32, digits(&b[4..6])?, digits(&b[6..8])?)?;
            return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
        }
        let whole: i64 = int.parse().ok()?;
        let nanos = match frac {
            Some(f) if !f.is_empty() => {
                let f = &f[..f.len().min(9)];
                digits(f.as_bytes())? * 10u32.pow(9 - f.len() as u32)
            }
            Some(_) => return None,
            None => 0,
        };
        return match int.len() {
            9..=11 => DateTime::from_timestamp(whole, nanos),
            12..=14 if frac.is_none() => DateTime::from_timestamp_millis(whole),
            _ => None,
        };
    }
    // yyyy-mm-dd / yyyy/mm/dd...
    if b.len() >= 10
        && b[0..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/')
        && b[7] == b[4]
    {
        let date = NaiveDate::from_ymd_opt(
            digits(&b[0..4])? as i32,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
        )?;
        return finish_datetime(date, &b[10..]);
    }
    // d/m/yyyy, dd.mm.yyyy, dd-mm-yyyy
    if b[0].is_ascii_digit() {
        let sep_pos = b.iter().position(|c| !c.is_ascii_digit())?;
        let sep = b[sep_pos];
        if matches!(sep, b'/' | b'.' | b'-') && (1..=2).contains(&sep_pos) {
            let d = digits(&b[..sep_pos])?;
            let rest = &b[sep_pos + 1..];
            let m_len = rest.iter().position(|c| !c.is_ascii_digit())?;
            if !(1..=2).contains(&m_len) || rest[m_len] != sep {
                return None;
            }
            let m = digits(&rest[..m_len])?;
            let yrest = &rest[m_len + 1..];
            let y_len = yrest.iter().take_while(|c| c.is_ascii_digit()).count();
            if y_len != 4 {
                return None;
            }
            let y = digits(&yrest[..4])?;
            let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
            return finish_datetime(date, &yrest[4..]);
        }
        return None;
    }
    // RFC 2822 ("Tue, 1 Jul 2025 10:00:00 GMT"), used by RSS feeds.
    if b[0].is_ascii_alphabetic() {
        return DateTime::parse_from_rfc2822(s)
            .ok()
            .map(|d| d.with_timezone(&Utc));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Option<String> {
        parse_timestamp(s).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    #[test]
    fn timestamps_iso_variants() {
        assert_eq!(
            ts("2025-07-11T13:34:49Z").as_deref(),
            Some("2025-07-11T13:34:49Z")
        );
        assert_eq!(
            ts("2025-03-11T12:01:12.764Z").as_deref(),
            Some("2025-03-11T12:01:12.764Z")
        );
        assert_eq!(
            ts("2026-03-16T00:00:03+00:00").as_deref(),
            Some("2026-03-16T00:00:03Z")
        );
        assert_eq!(
            ts("2026-03-16T05:30:00+05:30").as_deref(),
            Some("2026-03-16T00:00:00Z")
        );
        assert_eq!(
            ts("2025-08-01T23:59:59+0530").as_deref(),
            Some("2025-08-01T18:29:59Z")
        );
        assert_eq!(
            ts("2025-08-01T10:00:00-04").as_deref(),
            Some("2025-08-01T14:00:00Z")
        );
        assert_eq!(
            ts("2026-10-01T07:23:11").as_deref(),
            Some("2026-10-01T07:23:11Z")
        );
        assert_eq!(
            ts("2025-06-30T13:19:20.1670000").as_deref(),
            Some("2025-06-30T13:19:20.167Z")
        );
        assert_eq!(
            ts("2025-07-11T12:44:14.738546").as_deref(),
            Some("2025-07-11T12:44:14.738546Z")
        );
        assert_eq!(
            ts("2025-07-09T20:07:58.728").as_deref(),
            Some("2025-07-09T20:07:58.728Z")
        );
        assert_eq!(ts("2026-10-02").as_deref(), Some("2026-10-02T00:00:00Z"));
        assert_eq!(ts("2026/10/02").as_deref(), Some("2026-10-02T00:00:00Z"));
        assert_eq!(
            ts("2025-07-11 12:29:03").as_deref(),
            Some("2025-07-11T12:29:03Z")
        );
        assert_eq!(
            ts("2025-07-11 12:29:03 UTC").as_deref(),
            Some("2025-07-11T12:29:03Z")
        );
        assert_eq!(
            ts("2025-07-11T12:29").as_deref(),
            Some("2025-07-11T12:29:00Z")
        );
        assert_eq!(
            ts("  2025-07-11T12:29:03Z \n").as_deref(),
            Some("2025-07-11T12:29:03Z")
        );
        assert_eq!(
            ts("2016-12-31T23:59:60Z").as_deref(),
            Some("2016-12-31T23:59:60Z")
        );
    }

    #[test]
    fn timestamps_day_first_epochs_rfc2822() {
        assert_eq!(ts("13/07/2025").as_deref(), Some("2025-07-13T00:00:00Z"));
        assert_eq!(ts("24/08/2025").as_deref(), Some("2025-08-24T00:00:00Z"));
        assert_eq!(ts("1/7/2025").as_deref(), Some("2025-07-01T00:00:00Z"));
        assert_eq!(ts("13.07.2025").as_deref(), Some("2025-07-13T00:00:00Z"));
        assert_eq!(
            ts("13-07-2025 08:15").as_deref(),
            Some("2025-07-13T08:15:00Z")
        );
        assert_eq!(ts("1779021029").as_deref(), Some("2026-05-17T12:30:29Z"));
        assert_eq!(ts("1705082417000").as_deref(), Some("2024-01-12T18:00:17Z"));
        assert_eq!(
            ts("1705082417.5").as_deref(),
            Some("2024-01-12T18:00:17.500Z")
        );
        assert_eq!(ts("20261002").as_deref(), Some("2026-10-02T00:00:00Z"));
        assert_eq!(
            ts("Tue, 1 Jul 2025 10:00:00 GMT").as_deref(),
            Some("2025-07-01T10:00:00Z")
        );
        assert_eq!(
            ts("Tue, 01 Jul 2025 10:00:00 +0200").as_deref(),
            Some("2025-07-01T08:00:00Z")
        );
    }

    #[test]
    fn timestamps_garbage() {
        for bad in [
            "",
            "not-a-date",
            "31/02/2026",
            "2026-02-30",
            "2026-13-01",
            "2026-10-01T25:00:00Z",
            "2026-10-01T10:61:00Z",
            "2026-10-01T10:00:00+25:00",
            "2026-10-01X",
            "2026-10-01T10:00:00Zjunk",
            "2026",
            "0",
            "12345",
            "99999999999999999999",
            "1.2.3",
            "12/2026",
            "3 days ago",
            "2026-1-2",
        ] {
            assert_eq!(ts(bad), None, "{bad}");
        }
    }
}
