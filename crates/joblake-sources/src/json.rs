//! The JSON reading every parser shares: text checks, one document or NDJSON, values kept as
//! their exact text, minified payloads, and [`ApiShape`], the parser of a JSON API source.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::{RawPosting, SourceError, SourceParser};

/// Removes a leading UTF-8 byte order mark, which some tools write and JSON parsers refuse.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Drops the whitespace outside strings of a valid JSON text, keeping every other byte as is.
///
/// Works on bytes: JSON whitespace is ASCII and every byte of a multi-byte UTF-8 character is
/// >= 0x80, so it can never be mistaken for a quote, a backslash or whitespace.
pub fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut kept_from = 0;
    let mut strings = Strings::default();
    for (i, byte) in json.bytes().enumerate() {
        if strings.outside(byte) && matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            // Slicing at an ASCII byte always falls on a character boundary.
            out.push_str(&json[kept_from..i]);
            kept_from = i + 1;
        }
    }
    out.push_str(&json[kept_from..]);
    out
}

/// Where a byte-by-byte scan of JSON text is: inside a string (and after a backslash there)
/// or not; what [`minify`] and [`json_too_deep`] both need to skip strings.
#[derive(Default)]
struct Strings {
    inside: bool,
    escaped: bool,
}

impl Strings {
    /// Takes the next byte; true when it is outside every string (a quote that opens or
    /// closes one counts as inside).
    fn outside(&mut self, byte: u8) -> bool {
        if self.inside {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.inside = false;
            }
            false
        } else if byte == b'"' {
            self.inside = true;
            false
        } else {
            true
        }
    }
}

/// The deepest nesting of arrays and objects a file (or one NDJSON line) may have. serde_json
/// refuses more than 128 levels when it builds values, but reading a value as raw text
/// ([`RawValue`], how postings are kept verbatim) walks any depth: this keeps bronze free of
/// JSON bombs that the readers downstream would choke on.
pub const MAX_JSON_DEPTH: usize = 128;

/// The byte offset at which `json` nests arrays and objects more than [`MAX_JSON_DEPTH`]
/// levels deep, brackets inside strings aside; None when it never does. Linear, and a single
/// count of brackets when there are too few of them to nest that deep.
pub fn json_too_deep(json: &[u8]) -> Option<usize> {
    let brackets = json.iter().filter(|b| matches!(b, b'[' | b'{')).count();
    if brackets <= MAX_JSON_DEPTH {
        return None;
    }
    let mut depth = 0usize;
    let mut strings = Strings::default();
    for (i, &byte) in json.iter().enumerate() {
        if !strings.outside(byte) {
            continue;
        }
        match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Refuses a text nested too deep ([`json_too_deep`]), naming where.
pub(crate) fn check_depth(text: &str) -> Result<(), SourceError> {
    let Some(offset) = json_too_deep(text.as_bytes()) else {
        return Ok(());
    };
    let before = &text.as_bytes()[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Err(SourceError::TooDeep {
        line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
        column: offset - line_start + 1,
        limit: MAX_JSON_DEPTH,
    })
}

/// A stable id for a posting whose source gives none: "sha256:" and the first 32 hex chars of
/// the SHA-256 of its minified payload.
pub fn hash_id(payload: &str) -> String {
    let mut hex = hex::encode(Sha256::digest(payload.as_bytes()));
    hex.truncate(32);
    format!("sha256:{hex}")
}

/// The file as text: byte order mark skipped, UTF-8 checked, an empty file refused.
pub(crate) fn text<'a>(bytes: &'a [u8], expected: &'static str) -> Result<&'a str, SourceError> {
    let body = strip_bom(bytes);
    let text = std::str::from_utf8(body).map_err(|e| SourceError::NotUtf8 {
        offset: bytes.len() - body.len() + e.valid_up_to(),
    })?;
    if text.trim_ascii().is_empty() {
        return Err(SourceError::Empty { expected });
    }
    Ok(text)
}

/// One top-level JSON value of a file: the whole file, or one NDJSON line.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    /// The value's exact text.
    pub raw: &'a RawValue,
    /// 1-based line of the value when the file is NDJSON.
    pub line: Option<usize>,
}

/// Reads a file as one JSON value or, failing that, as NDJSON.
///
/// A file is taken for NDJSON when its first non-blank line is a JSON value of its own; then
/// every other non-blank line must be one too, and the first that is not refuses the file with
/// its line number. Otherwise the error of the whole-file parse is the one reported. A file
/// nested more than [`MAX_JSON_DEPTH`] levels deep is refused first.
pub(crate) fn documents(text: &str) -> Result<Vec<Doc<'_>>, SourceError> {
    check_depth(text)?;
    let whole = match serde_json::from_str::<&RawValue>(text) {
        Ok(raw) => return Ok(vec![Doc { raw, line: None }]),
        Err(e) => e,
    };
    let mut docs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_ascii().is_empty() {
            continue;
        }
        match serde_json::from_str::<&RawValue>(line) {
            Ok(raw) => docs.push(Doc {
                raw,
                line: Some(index + 1),
            }),
            Err(_) if docs.is_empty() => return Err(not_json(&whole, 0)),
            Err(e) => return Err(not_json(&e, index)),
        }
    }
    Ok(docs)
}

/// Turns a serde_json error into `NotJson`, shifting its line by `line_offset` (for NDJSON).
fn not_json(error: &serde_json::Error, line_offset: usize) -> SourceError {
    let full = error.to_string();
    // serde_json appends the position to its message; it is reported in fields of its own.
    let position = format!(" at line {} column {}", error.line(), error.column());
    let reason = full.strip_suffix(&position).unwrap_or(&full).to_owned();
    SourceError::NotJson {
        line: error.line() + line_offset,
        column: error.column(),
        reason,
    }
}

/// A JSON object's members by key, each value kept as its exact text.
pub(crate) type Object<'a> = BTreeMap<String, &'a RawValue>;

/// The first byte of a JSON value, which tells its kind.
fn lead(raw: &RawValue) -> Option<u8> {
    raw.get().trim_ascii_start().bytes().next()
}

/// The members of a JSON object, or None if the value is not an object.
pub(crate) fn object(raw: &RawValue) -> Option<Object<'_>> {
    if lead(raw) != Some(b'{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// The elements of a JSON array, or None if the value is not an array.
pub(crate) fn array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    if lead(raw) != Some(b'[') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// A string value, unescaped; None if the value is not a string.
pub(crate) fn string(raw: &RawValue) -> Option<String> {
    if lead(raw) != Some(b'"') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// A posting id: a non-blank string's value, or a number's exact text (`12` stays "12", never
/// "12.0"). None for anything else.
pub(crate) fn id_text(raw: &RawValue) -> Option<String> {
    let id = match lead(raw)? {
        b'"' => string(raw)?,
        b'-' | b'0'..=b'9' => raw.get().trim_ascii().to_owned(),
        _ => return None,
    };
    (!id.trim().is_empty()).then_some(id)
}

/// The string found by following `path` through nested objects, unless blank (a blank id or
/// URL is no id: found by the property tests, `"url": " "` became a posting's id).
pub(crate) fn string_at(object: &Object<'_>, path: &[&str]) -> Option<String> {
    let (last, parents) = path.split_last()?;
    let mut current = None;
    for key in parents {
        current = Some(self::object(current.as_ref().unwrap_or(object).get(*key)?)?);
    }
    let value = string(current.as_ref().unwrap_or(object).get(*last)?)?;
    (!value.trim().is_empty()).then_some(value)
}

/// `s` cut to its first `max` characters, with "…" when something was cut: what an error
/// message quotes of the input (a key, a type), so that its length stays bounded.
pub(crate) fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]).into(),
        None => s.into(),
    }
}

/// A short description of a JSON value for error messages: "an object with keys [a, b]"
/// (12 keys at most, each cut to 40 characters).
pub(crate) fn describe(raw: &RawValue) -> String {
    const SHOWN: usize = 12;
    match lead(raw) {
        Some(b'{') => match object(raw) {
            Some(members) if members.is_empty() => "an empty object".to_owned(),
            Some(members) => {
                let clipped: Vec<_> = members.keys().take(SHOWN).map(|k| clip(k, 40)).collect();
                let mut keys: Vec<&str> = clipped.iter().map(|k| k.as_ref()).collect();
                let more = format!("… {} more", members.len().saturating_sub(SHOWN));
                if members.len() > SHOWN {
                    keys.push(&more);
                }
                format!("an object with keys [{}]", keys.join(", "))
            }
            None => "an object".to_owned(),
        },
        Some(b'[') => match array(raw).map(|items| items.len()) {
            Some(1) => "an array of 1 element".to_owned(),
            Some(n) => format!("an array of {n} elements"),
            None => "an array".to_owned(),
        },
        Some(b'"') => "a string".to_owned(),
        Some(b't' | b'f') => "a boolean".to_owned(),
        Some(b'n') => "null".to_owned(),
        _ => "a number".to_owned(),
    }
}

/// How a JSON API source lays out its responses and postings; one per source, and its parser.
pub(crate) struct ApiShape {
    /// The source's name.
    pub name: &'static str,
    /// What a valid file looks like, for error messages.
    pub expected: &'static str,
    /// Key of the postings array in the source's response object, when it has one.
    pub envelope: Option<&'static str>,
    /// What one posting looks like, for error messages.
    pub posting: &'static str,
    /// Keys every posting has, which tell this source's postings from another's; the first one
    /// holds the source's id of the posting.
    pub required: &'static [&'static str],
    /// Path to the posting's URL through nested objects.
    pub url: &'static [&'static str],
    /// Whether elements with none of `required` are notices to skip rather than bad postings.
    pub skip_notices: bool,
}

impl SourceParser for ApiShape {
    fn name(&self) -> &'static str {
        self.name
    }

    fn split(&self, bytes: &[u8]) -> Result<Vec<RawPosting>, SourceError> {
        let text = text(bytes, self.expected)?;
        let mut postings = Vec::new();
        for doc in documents(text)? {
            let line = doc.line.map(|n| format!("line {n}"));
            let envelope = object(doc.raw).and_then(|members| {
                let key = self.envelope?;
                Some((key, *members.get(key)?))
            });
            let (items, list) = match (envelope, array(doc.raw)) {
                (Some((key, list)), _) => {
                    let items = array(list).ok_or_else(|| SourceError::UnexpectedShape {
                        expected: self.expected,
                        found: format!("`{key}` holding {}", describe(list)),
                    })?;
                    (items, format!("`{key}`"))
                }
                (None, Some(items)) => (items, "the array".to_owned()),
                // A lone posting: a line of NDJSON, or a file holding one posting.
                (None, None) => {
                    let place = line.unwrap_or_default();
                    let notice_ok = doc.line.is_some();
                    postings.extend(self.posting(doc.raw, self.expected, &place, notice_ok)?);
                    continue;
                }
            };
            for (index, item) in items.into_iter().enumerate() {
                let place = match &line {
                    Some(line) => format!("{line}, element {index} of {list}"),
                    None => format!("element {index} of {list}"),
                };
                postings.extend(self.posting(item, self.posting, &place, true)?);
            }
        }
        Ok(postings)
    }
}

impl ApiShape {
    /// One posting out of its raw text; None for a notice to skip, if `notice_ok`. `expected`
    /// and `place` (empty for the whole file) word the error when the value is not a posting.
    fn posting(
        &self,
        raw: &RawValue,
        expected: &'static str,
        place: &str,
        notice_ok: bool,
    ) -> Result<Option<RawPosting>, SourceError> {
        let refuse = |expected, what: String| SourceError::UnexpectedShape {
            expected,
            found: match place {
                "" => what,
                place => format!("{what} at {place}"),
            },
        };
        let members = object(raw).ok_or_else(|| refuse(expected, describe(raw)))?;
        let missing: Vec<String> = (self.required.iter())
            .filter(|key| !members.contains_key(**key))
            .map(|key| format!("`{key}`"))
            .collect();
        if missing.len() == self.required.len() {
            if self.skip_notices && notice_ok {
                return Ok(None);
            }
            return Err(refuse(expected, describe(raw)));
        }
        if !missing.is_empty() {
            // Half a posting: say what it lacks.
            let what = format!("{} (no {})", describe(raw), missing.join(" or "));
            return Err(refuse(expected, what));
        }
        let id_key = self.required[0];
        let id_raw = members.get(id_key).copied();
        let Some(id) = id_raw.and_then(id_text) else {
            let value = id_raw.map_or_else(String::new, |raw| match raw.get() {
                short if short.len() <= 40 => short.to_owned(),
                _ => describe(raw),
            });
            let expected = "a posting id that is a non-blank string or a number";
            return Err(refuse(expected, format!("`{id_key}`: {value}")));
        };
        Ok(Some(RawPosting {
            source_id: id,
            url: string_at(&members, self.url),
            payload: minify(raw.get()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_drops_whitespace_outside_strings_only() {
        let json = "{ \"a b\" : [ 1 ,\n\t2 ] ,\r\n \"c\" : { \"d\" : \" x \" } }";
        assert_eq!(minify(json), r#"{"a b":[1,2],"c":{"d":" x "}}"#);
    }

    #[test]
    fn minify_handles_escaped_quotes_and_backslashes() {
        // `\"` does not end a string; `\\"` does (the backslash is escaped, the quote is not).
        let json = r#"{ "q" : "say \"hi there\" " , "b" : "C:\\ dir\\" , "n" : "\\\" x" }"#;
        assert_eq!(
            minify(json),
            r#"{"q":"say \"hi there\" ","b":"C:\\ dir\\","n":"\\\" x"}"#
        );
    }

    #[test]
    fn minify_keeps_unicode_and_escapes_verbatim() {
        let json = "[ \"Gdańsk ✪ 😀\" , \"\\u2026 \\/ é\" , 1.50 , 1e3 ]";
        assert_eq!(minify(json), "[\"Gdańsk ✪ 😀\",\"\\u2026 \\/ é\",1.50,1e3]");
    }

    #[test]
    fn minify_handles_nesting_and_empty_containers() {
        let json = "{\n  \"a\": {\n    \"b\": [ [ ], { } , [ { \"c\" : null } ] ]\n  }\n}\n";
        assert_eq!(minify(json), r#"{"a":{"b":[[],{},[{"c":null}]]}}"#);
    }

    #[test]
    fn bom_is_skipped_once() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(strip_bom(b"{}"), b"{}");
        assert!(matches!(
            text(b"\xEF\xBB\xBF \n", "x"),
            Err(SourceError::Empty { .. })
        ));
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_offset() {
        let err = text(b"\xEF\xBB\xBF{\"a\xFF\"}", "x").unwrap_err();
        assert!(matches!(err, SourceError::NotUtf8 { offset: 6 }), "{err}");
    }

    #[test]
    fn ndjson_lines_are_read_one_by_one_skipping_blank_lines() {
        let docs = documents("{\"a\":1}\r\n\n  \n{\"b\": 2}\n").unwrap();
        let lines: Vec<_> = docs.iter().map(|d| (d.line, d.raw.get())).collect();
        assert_eq!(lines, [(Some(1), "{\"a\":1}"), (Some(4), "{\"b\": 2}")]);
    }

    #[test]
    fn a_malformed_ndjson_line_refuses_the_file_with_its_line_number() {
        let err = documents("{\"a\":1}\n{\"b\":2}\n\n{\"c\":\n").unwrap_err();
        let SourceError::NotJson { line, .. } = &err else {
            panic!("unexpected {err}")
        };
        assert_eq!(*line, 4);
        assert_eq!(
            err.to_string(),
            "not valid JSON at line 4, column 5: EOF while parsing a value"
        );
    }

    #[test]
    fn a_broken_single_document_reports_the_whole_file_position() {
        let err = documents("{\n  \"a\": [1,\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "not valid JSON at line 3, column 0: EOF while parsing a value"
        );
    }

    #[test]
    fn hash_id_is_stable_and_short() {
        let id = hash_id("{\"a\":1}");
        assert_eq!(id, hash_id("{\"a\":1}"));
        assert_ne!(id, hash_id("{\"a\":2}"));
        assert_eq!(id.len(), "sha256:".len() + 32);
        // SHA-256 of the 7 bytes {"a":1}, cut to 32 hex chars.
        assert_eq!(id, "sha256:015abd7f5cc57a2dd94b7590f04ad808");
    }

    #[test]
    fn id_text_keeps_number_text_and_refuses_blank_strings() {
        let raw = |s: &'static str| serde_json::from_str::<&RawValue>(s).unwrap();
        assert_eq!(id_text(raw("123456789")).as_deref(), Some("123456789"));
        assert_eq!(id_text(raw("-1.50e3")).as_deref(), Some("-1.50e3"));
        assert_eq!(id_text(raw("\"a\\u00e9\"")).as_deref(), Some("aé"));
        assert_eq!(id_text(raw("\" \"")), None);
        assert_eq!(id_text(raw("null")), None);
        assert_eq!(id_text(raw("{}")), None);
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_with_its_position() {
        // A 100,000-deep array: RawValue would read it (serde_json's depth limit applies only
        // to the values it builds); refused before parsing, naming where.
        let bomb = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = documents(&bomb).unwrap_err();
        assert!(
            matches!(
                err,
                SourceError::TooDeep {
                    line: 1,
                    column: 129,
                    limit: 128
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "JSON nested more than 128 levels deep at line 1, column 129: refused (no job \
             posting nests that deep)"
        );
        // On an NDJSON line, its line; brackets inside strings do not count.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let strings = format!("{{\"s\":\"{}\\\"{}\"}}", "[".repeat(300), "{".repeat(300));
        let file = format!("{{}}\n{strings}\n{deep}\n");
        let err = documents(&file).unwrap_err();
        assert!(
            matches!(
                err,
                SourceError::TooDeep {
                    line: 3,
                    column: 133,
                    ..
                }
            ),
            "{err}"
        );
        // 128 levels are accepted.
        let edge = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(documents(&edge).map(|d| d.len()).ok(), Some(1));
        assert_eq!(json_too_deep(edge.as_bytes()), None);
        assert_eq!(json_too_deep(format!("[{edge}]").as_bytes()), Some(128));
    }

    #[test]
    fn describe_names_keys_in_order() {
        let raw = serde_json::from_str::<&RawValue>(r#"{"meta":1,"data":[],"links":{}}"#).unwrap();
        assert_eq!(describe(raw), "an object with keys [data, links, meta]");
        // Found by tests/fuzz.rs: keys were quoted whole, so a refusal could be megabytes long.
        let long = format!(r#"{{"{}é":1,"b":2}}"#, "k".repeat(100_000));
        let raw = serde_json::from_str::<&RawValue>(&long).unwrap();
        assert_eq!(
            describe(raw),
            format!("an object with keys [b, {}…]", "k".repeat(40))
        );
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("héllo", 5), "héllo");
    }
}
