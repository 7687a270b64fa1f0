//! HTML character references (`&eacute;`, `&#233;`) decoded as html_escape decodes them,
//! each one once per thread.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// The longest character reference kept in [`decode_entities`]'s memo.
const MEMO_ENTITY_BYTES: usize = 32;
/// How many distinct references a thread memoizes (a job ad uses a handful).
const MEMO_ENTITIES: usize = 4096;

thread_local! {
    /// Each character reference met, with what `html_escape` decodes it to (`None`: left as
    /// it is).
    static ENTITIES: RefCell<HashMap<Box<str>, Option<Box<str>>>> = RefCell::new(HashMap::new());
}

/// `html_escape::decode_html_entities`, with each reference's decoding memoized. The library
/// finds a named reference by a binary search of 2,125 names (a quarter of this module's time
/// on job ads, which spell accents as `&eacute;`); the candidates are cut as the library cuts
/// them (from `&` to the next `;`, restarting at an `&` met first) and each is decoded by the
/// library itself, so the result is the library's.
pub(super) fn decode_entities(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut p = 0;
    while let Some(amp) = memchr::memchr(b'&', &b[p..]).map(|o| o + p) {
        let Some(end) = memchr::memchr2(b';', b'&', &b[amp + 1..]).map(|o| o + amp + 1) else {
            break;
        };
        if b[end] == b'&' {
            p = end;
            continue;
        }
        let reference = &s[amp..=end];
        let decode = |r: &str| match html_escape::decode_html_entities(r) {
            Cow::Owned(v) => Some(v.into_boxed_str()),
            Cow::Borrowed(_) => None,
        };
        let decoded = if reference.len() <= MEMO_ENTITY_BYTES {
            ENTITIES.with(|memo| {
                let mut memo = memo.borrow_mut();
                if let Some(known) = memo.get(reference) {
                    return known.clone();
                }
                let value = decode(reference);
                if memo.len() < MEMO_ENTITIES {
                    memo.insert(reference.into(), value.clone());
                }
                value
            })
        } else {
            decode(reference)
        };
        if let Some(value) = decoded {
            let buf = out.get_or_insert_with(|| String::with_capacity(s.len()));
            buf.push_str(&s[copied..amp]);
            buf.push_str(&value);
            copied = end + 1;
        }
        p = end + 1;
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut buf) => {
            buf.push_str(&s[copied..]);
            Cow::Owned(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_as_the_library_decodes_them() {
        // References cut short, restarted by another `&`, unknown, numeric out of range or
        // negative, memoized once and met again, longer than the memo keeps.
        let cases = [
            "caf&eacute; &amp; th&eacute;",
            "&amp&amp;",
            "a & b &; &#; &#x; &x;",
            "&#233;&#xE9;&#XE9;&#0;&#9;&#-1;&#+65;&#1114112;&#x110000;",
            "&nbsp;&NotAnEntity;&lt&gt;&#39",
            "&amp;lt;p&amp;gt;",
            "R&D; &C; end&",
            "&thisreferenceislongerthanthememokeepsforsure;&eacute;",
            "&eacute;&eacute;&eacute; &Eacute; &EACUTE;",
            "&&&;;;&a&b;",
        ];
        for case in cases {
            assert_eq!(
                decode_entities(case),
                html_escape::decode_html_entities(case),
                "{case}"
            );
        }
        assert!(matches!(decode_entities("no reference"), Cow::Borrowed(_)));
    }
}
