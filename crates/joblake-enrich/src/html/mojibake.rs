//! Text that was UTF-8 decoded as Latin-1 or Windows-1252 somewhere upstream, repaired.

use std::borrow::Cow;

/// Byte that `c` stands for when UTF-8 was wrongly decoded as Latin-1 or Windows-1252
/// (only bytes >= 0x80).
fn mojibake_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if (0x80..=0xFF).contains(&cp) {
        return u8::try_from(cp).ok();
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// Repairs UTF-8 text that was decoded as Latin-1 or Windows-1252 somewhere upstream
/// (`"Bachelorâ€™s"` → `"Bachelor’s"`, `"Â·"` → `"·"`, `"GdaÅ\u{84}sk"` → `"Gdańsk"`).
///
/// Conservative: only a lead character (`Â` `Ã` `Ä` `Å` `Î`..`Ñ` for two-byte sequences,
/// `à`..`ô` for longer ones) followed by the right number of continuation characters that
/// together decode as one valid UTF-8 character is replaced, so genuine accented text
/// (`"Café"`, `"„Spaß“"`, `"ÉTÉ\u{a0}:"`) is left alone. Returns the input unchanged (no
/// allocation) when there is nothing to repair.
pub fn fix_mojibake(s: &str) -> Cow<'_, str> {
    // Fast reject, on bytes: a lead character (U+00C2..=U+00F4) is encoded C3 xx, and the
    // character after it must be U+0080..=U+00BF (C2 xx) or a Windows-1252 letter or
    // punctuation (C5 xx, C6 xx, CB xx, E2 xx xx). Plain French "é" + ASCII never matches.
    let b = s.as_bytes();
    let suspicious = memchr::memchr_iter(0xC3, b)
        .any(|p| matches!(b.get(p + 2), Some(0xC2 | 0xC5 | 0xC6 | 0xCB | 0xE2)));
    if !suspicious {
        return Cow::Borrowed(s);
    }
    let mut out: Option<String> = None;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let lead = c as u32;
        let need = match lead {
            // Two-byte sequences only for the leads of Latin-1 supplement, Latin Extended-A,
            // Greek and Cyrillic: other capitals (É, Ü, ß...) followed by a nbsp or a curly
            // quote are real French/German text ("ÉLECTRICITÉ\u{a0}:", "„Spaß“").
            0xC2..=0xC5 | 0xCE..=0xD1 => 1,
            0xE0..=0xEF => 2,
            0xF0..=0xF4 => 3,
            _ => 0,
        };
        let mut repaired = None;
        if need > 0 {
            let mut bytes = [0u8; 4];
            bytes[0] = lead as u8;
            let mut ok = true;
            let mut end = i + c.len_utf8();
            let mut look = iter.clone();
            for slot in bytes.iter_mut().skip(1).take(need) {
                match look.next() {
                    Some((j, cc)) => {
                        match mojibake_byte(cc).filter(|b| (0x80..=0xBF).contains(b)) {
                            Some(b) => {
                                *slot = b;
                                end = j + cc.len_utf8();
                            }
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok && let Ok(fixed) = std::str::from_utf8(&bytes[..=need]) {
                repaired = Some((fixed.to_string(), end));
            }
        }
        match repaired {
            Some((fixed, end)) => {
                let buf = out.get_or_insert_with(|| s[..i].to_string());
                buf.push_str(&fixed);
                while iter.peek().is_some_and(|(j, _)| *j < end) {
                    iter.next();
                }
            }
            None => {
                if let Some(buf) = out.as_mut() {
                    buf.push(c);
                }
            }
        }
    }
    match out {
        Some(buf) => Cow::Owned(buf),
        None => Cow::Borrowed(s),
    }
}
