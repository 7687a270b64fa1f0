//! A minimal streaming JSON writer that reproduces each source's serialisation style (key
//! order, escaping, spacing, indentation).

use crate::text::{CLASS, write_num};

/// How a source serialises JSON (see `PAGING` in [`stream`](crate::stream)); JSON-LD in pages
/// is pretty-printed.
#[derive(Clone, Copy, Default)]
pub(crate) struct Style {
    pub(crate) ascii: bool,
    pub(crate) slash: bool,
    pub(crate) spaced: bool,
    pub(crate) pretty: bool,
}

/// Minimal streaming JSON writer. serde_json's `Map` would sort the keys;
/// writing directly keeps each source's key order and needs no tree per record.
pub(crate) struct Json<'a> {
    out: &'a mut String,
    style: Style,
    depth: usize,
    /// Per nesting level: whether a member was written (so a comma is due).
    filled: [bool; 12],
    after_key: bool,
}

/// Values the writer accepts in [`Json::field`] and [`Json::item`].
pub(crate) trait JsonValue {
    fn write(&self, w: &mut Json);
}

impl JsonValue for str {
    fn write(&self, w: &mut Json) {
        escape(w.out, self, w.style);
    }
}
impl JsonValue for String {
    fn write(&self, w: &mut Json) {
        escape(w.out, self, w.style);
    }
}
impl JsonValue for f64 {
    fn write(&self, w: &mut Json) {
        match self.fract() == 0.0 && self.abs() < 1e15 {
            true => write_num(w.out, *self as i64),
            false => write_num(w.out, self),
        }
    }
}
impl JsonValue for i64 {
    fn write(&self, w: &mut Json) {
        write_num(w.out, self);
    }
}
impl JsonValue for bool {
    fn write(&self, w: &mut Json) {
        w.out.push_str(if *self { "true" } else { "false" });
    }
}
impl JsonValue for () {
    fn write(&self, w: &mut Json) {
        w.out.push_str("null");
    }
}
impl JsonValue for [&str] {
    fn write(&self, w: &mut Json) {
        w.open('[');
        self.iter().for_each(|s| _ = w.item(*s));
        w.end(']');
    }
}
impl JsonValue for Vec<&str> {
    fn write(&self, w: &mut Json) {
        self.as_slice().write(w);
    }
}
impl<T: JsonValue> JsonValue for Option<T> {
    fn write(&self, w: &mut Json) {
        match self {
            Some(v) => v.write(w),
            None => ().write(w),
        }
    }
}

impl<T: JsonValue + ?Sized> JsonValue for &T {
    fn write(&self, w: &mut Json) {
        (**self).write(w);
    }
}

impl<'a> Json<'a> {
    pub(crate) fn new(out: &'a mut String, style: Style) -> Self {
        Json {
            out,
            style,
            depth: 0,
            filled: [false; 12],
            after_key: false,
        }
    }

    /// Comma and indentation before a member or array element.
    fn member(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if self.depth > 0 && std::mem::replace(&mut self.filled[self.depth], true) {
            self.out
                .push_str(if self.style.spaced { ", " } else { "," });
        }
        if self.style.pretty && self.depth > 0 {
            self.newline();
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        (0..self.depth).for_each(|_| self.out.push_str("  "));
    }

    pub(crate) fn key(&mut self, k: &str) -> &mut Self {
        self.member();
        escape(self.out, k, self.style);
        let pad = self.style.spaced || self.style.pretty;
        self.out.push_str(if pad { ": " } else { ":" });
        self.after_key = true;
        self
    }

    fn item(&mut self, v: impl JsonValue) -> &mut Self {
        self.member();
        v.write(self);
        self
    }

    pub(crate) fn field(&mut self, k: &str, v: impl JsonValue) -> &mut Self {
        self.key(k).item(v)
    }

    /// A field that the source leaves out when there is no value.
    pub(crate) fn opt_field(&mut self, k: &str, v: Option<impl JsonValue>) -> &mut Self {
        match v {
            Some(v) => self.field(k, v),
            None => self,
        }
    }

    /// Opens an object or array as the next value.
    pub(crate) fn begin(&mut self, c: char) -> &mut Self {
        self.member();
        self.open(c)
    }

    fn open(&mut self, c: char) -> &mut Self {
        self.out.push(c);
        self.depth += 1;
        self.filled[self.depth] = false;
        self
    }

    pub(crate) fn end(&mut self, c: char) -> &mut Self {
        let had_members = self.filled[self.depth];
        self.depth -= 1;
        if self.style.pretty && had_members {
            self.newline();
        }
        self.out.push(c);
        self
    }

    pub(crate) fn object(&mut self, k: &str, body: impl FnOnce(&mut Self)) -> &mut Self {
        self.key(k).begin('{');
        body(self);
        self.end('}')
    }

    /// Already-serialised records (a page body), as an array.
    pub(crate) fn raw_array(&mut self, k: &str, body: &str) -> &mut Self {
        self.key(k).member();
        self.out.push('[');
        self.out.push_str(body);
        self.out.push(']');
        self
    }
}

/// Writes `s` as a JSON string.
fn escape(out: &mut String, s: &str, style: Style) {
    out.push('"');
    let mask = 1 | if style.slash { 2 } else { 0 } | if style.ascii { 4 } else { 0 };
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if CLASS[usize::from(b)] & mask == 0 {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'/' => "\\/",
            _ => "",
        };
        if short.is_empty() {
            // A control character, or (ASCII style) a whole multi-byte character.
            let c = s[i..].chars().next().unwrap_or('\u{fffd}');
            for unit in c.encode_utf16(&mut [0u16; 2]) {
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(char::from(
                        b"0123456789abcdef"[usize::from(*unit >> shift) & 15],
                    ));
                }
            }
            i += c.len_utf8();
        } else {
            out.push_str(short);
            i += 1;
        }
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}
