//! Normalisation and enrichment functions used by the silver layer.
//!
//! Everything here is pure Rust with no DataFusion dependency: the SQL layer wraps these
//! functions as scalar UDFs. They run on millions of rows, so every regex and automaton is
//! compiled once (when a reference table is loaded) and the per-row functions avoid
//! allocating more than their output.
//!
//! The reference tables live in `sql/reference/*.csv`; they are embedded in the binary as
//! defaults ([`SKILLS_CSV`], [`JOB_FAMILIES_CSV`], ...) and can be replaced by loading another
//! CSV text with the same columns through the `from_csv` constructors.

use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::RegexSet;

/// Default skills dictionary (`skill,family,aliases,case_sensitive`).
pub const SKILLS_CSV: &str = include_str!("../../sql/reference/skills.csv");
/// Default job-family rules (`family,priority,pattern`).
pub const JOB_FAMILIES_CSV: &str = include_str!("../../sql/reference/job_families.csv");
/// Default contract-type mapping (`raw,contract_type`).
pub const CONTRACT_TYPES_CSV: &str = include_str!("../../sql/reference/contract_types.csv");
/// Default country table (`iso2,name,aliases`).
pub const COUNTRIES_CSV: &str = include_str!("../../sql/reference/countries.csv");
/// Default French départements table (`code,name,region`).
pub const FR_DEPARTMENTS_CSV: &str = include_str!("../../sql/reference/fr_departments.csv");
/// Default reference exchange rates (`currency,eur_per_unit,as_of`).
pub const CURRENCY_RATES_CSV: &str = include_str!("../../sql/reference/currency_rates.csv");

/// Contract types that `contract_types.csv` may map to.
pub const CONTRACT_TYPE_VALUES: [&str; 7] = [
    "permanent",
    "fixed_term",
    "temporary",
    "freelance",
    "internship",
    "apprenticeship",
    "working_student",
];

/// Errors raised while loading a reference table. Each names the file and the CSV line.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// The CSV itself could not be read (bad quoting, wrong number of fields...).
    #[error("{file}: line {line}: {source}")]
    Csv {
        /// Reference file name, e.g. `skills.csv`.
        file: &'static str,
        /// 1-based line of the offending record (0 when unknown).
        line: u64,
        /// Underlying CSV error.
        #[source]
        source: csv::Error,
    },
    /// A record is well-formed CSV but its content is invalid.
    #[error("{file}: line {line}: {message}")]
    Invalid {
        /// Reference file name.
        file: &'static str,
        /// 1-based line of the offending record.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A pattern of `job_families.csv` is not a valid regex.
    #[error("{file}: line {line}: invalid pattern: {source}")]
    Regex {
        /// Reference file name.
        file: &'static str,
        /// 1-based line of the offending record.
        line: u64,
        /// Underlying regex error.
        #[source]
        source: Box<regex::Error>,
    },
}

// ---------------------------------------------------------------------------------------------
// CSV loading helper
// ---------------------------------------------------------------------------------------------

/// Records of a reference CSV with their 1-based line numbers.
type Rows = Vec<(u64, csv::StringRecord)>;

/// Reads a reference CSV: header row required, fields trimmed, lines starting with `#` ignored.
/// Returns each record with its line number and the column indices of `columns` (in order).
fn read_table(
    text: &str,
    file: &'static str,
    columns: &[&str],
) -> Result<(Vec<usize>, Rows), EnrichError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|source| EnrichError::Csv {
            file,
            line: 1,
            source,
        })?
        .clone();
    let mut idx = Vec::with_capacity(columns.len());
    for col in columns {
        let pos = headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(col))
            .ok_or_else(|| EnrichError::Invalid {
                file,
                line: 1,
                message: format!("missing column `{col}`"),
            })?;
        idx.push(pos);
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| {
            let line = source.position().map_or(0, |p| p.line());
            EnrichError::Csv { file, line, source }
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        rows.push((line, rec));
    }
    Ok((idx, rows))
}

fn field(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// html_to_text
// ---------------------------------------------------------------------------------------------

/// Converts an HTML fragment (or plain text) to readable plain text.
///
/// Tags are stripped in a single forward scan (no DOM): block tags (`p`, `div`, `br`, `li`,
/// `h1`-`h6`, `tr`, `ul`, `table`...) become line breaks, `li` items start with `"- "`,
/// `<script>`, `<style>`, `<head>`, `<noscript>`, `<template>`, `<svg>` and comments are
/// dropped with their content, entities are decoded, non-breaking spaces become spaces, runs of
/// spaces collapse, at most one blank line is kept and the result is trimmed.
///
/// Input without any block-level tag is treated as plain text: its own line breaks are kept
/// (only whitespace is normalised). In HTML input raw line breaks are plain whitespace, as in a
/// browser, except inside `<pre>`. HTML that was escaped once more (`&lt;p&gt;...`, seen in The
/// Muse code blocks) is stripped as well: an entity-decoded text run that still contains tags
/// is scanned again, once. UTF-8 text that was decoded as Latin-1/Windows-1252 upstream
/// (`â€™`, `Â·`, `GdaÅ\u{84}sk`, seen in RemoteOK) is repaired first with [`fix_mojibake`].
pub fn html_to_text(html: &str) -> String {
    let html = fix_mojibake(html);
    let html = html.as_ref();
    let mut sink = TextSink::with_capacity(html.len());
    let mut st = RenderState::default();
    render(html, looks_like_html(html), 0, &mut st, &mut sink);
    sink.finish()
}

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
    let mut from = 0;
    let mut suspicious = false;
    while let Some(off) = b
        .get(from..)
        .and_then(|r| r.iter().position(|&x| x == 0xC3))
    {
        let p = from + off;
        if matches!(b.get(p + 2), Some(0xC2 | 0xC5 | 0xC6 | 0xCB | 0xE2)) {
            suspicious = true;
            break;
        }
        from = p + 1;
    }
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

/// Output buffer that normalises whitespace as text is appended.
struct TextSink {
    buf: String,
    /// A space is owed before the next visible character (emitted lazily so lines never end
    /// with spaces).
    pending_space: bool,
    /// Trailing `'\n'` count of `buf` (0..=2).
    newlines: u8,
    /// A list bullet is owed before the next visible character.
    pending_bullet: Option<usize>,
    /// The previous character was `'\r'` (so a following `'\n'` is the same line break).
    prev_cr: bool,
}

impl TextSink {
    fn with_capacity(n: usize) -> Self {
        Self {
            buf: String::with_capacity(n),
            pending_space: false,
            newlines: 0,
            pending_bullet: None,
            prev_cr: false,
        }
    }

    fn push_text(&mut self, s: &str, keep_newlines: bool) {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            // Fast path: copy runs of printable ASCII in one go.
            let start = i;
            while i < b.len() && (0x21..=0x7E).contains(&b[i]) {
                i += 1;
            }
            if i > start {
                self.before_visible();
                self.buf.push_str(&s[start..i]);
            }
            if b.get(i) == Some(&b' ') {
                self.pending_space = true;
                self.prev_cr = false;
                i += 1;
                continue;
            }
            if let Some(c) = s[i..].chars().next() {
                self.push_char(c, keep_newlines);
                i += c.len_utf8();
            }
        }
    }

    /// Emits what is owed before a visible character: a list bullet or one space.
    #[inline]
    fn before_visible(&mut self) {
        if let Some(depth) = self.pending_bullet.take() {
            for _ in 1..depth.max(1) {
                self.buf.push_str("  ");
            }
            self.buf.push_str("- ");
        } else if self.pending_space && self.newlines == 0 && !self.buf.is_empty() {
            self.buf.push(' ');
        }
        self.pending_space = false;
        self.newlines = 0;
        self.prev_cr = false;
    }

    fn push_char(&mut self, c: char, keep_newlines: bool) {
        let was_cr = std::mem::replace(&mut self.prev_cr, false);
        match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                if c == '\r' {
                    self.prev_cr = true;
                }
                if keep_newlines {
                    if !(c == '\n' && was_cr) {
                        self.newline();
                    }
                } else {
                    self.pending_space = true;
                }
            }
            // Invisible characters that only get in the way of text processing.
            '\u{200B}' | '\u{FEFF}' | '\u{00AD}' | '\u{2060}' => {}
            c if c.is_whitespace() => self.pending_space = true,
            c if c.is_control() => {}
            c => {
                self.before_visible();
                self.buf.push(c);
            }
        }
    }

    /// Hard line break (`<br>`, or a newline in plain text).
    fn newline(&mut self) {
        self.pending_space = false;
        if self.buf.is_empty() || self.pending_bullet.is_some() {
            return;
        }
        if self.newlines < 2 {
            self.buf.push('\n');
            self.newlines += 1;
        }
    }

    /// Ensures the output ends with at least `min` line breaks (block boundary).
    fn block(&mut self, min: u8) {
        self.pending_space = false;
        if self.buf.is_empty() || self.pending_bullet.is_some() {
            return;
        }
        while self.newlines < min {
            self.buf.push('\n');
            self.newlines += 1;
        }
    }

    fn bullet(&mut self, depth: usize) {
        self.pending_bullet = None;
        self.block(1);
        self.pending_bullet = Some(depth);
    }

    fn finish(mut self) -> String {
        let end = self.buf.trim_end().len();
        self.buf.truncate(end);
        self.buf
    }
}

#[derive(Default)]
struct RenderState {
    /// Nesting of `<pre>`: raw newlines are kept while > 0.
    pre: usize,
    /// Nesting of `<ul>`/`<ol>`.
    lists: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Open,
    Close,
}

/// What a tag does to the text flow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagRole {
    Inline,
    Line,
    Paragraph,
    Br,
    Li,
    List,
    Pre,
    Cell,
    /// Content is dropped up to the matching closing tag.
    Skip,
}

fn tag_role(name: &[u8]) -> TagRole {
    let mut low = [0u8; 12];
    if name.len() > low.len() {
        return TagRole::Inline;
    }
    for (d, s) in low.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    match &low[..name.len()] {
        b"br" => TagRole::Br,
        b"li" => TagRole::Li,
        b"ul" | b"ol" => TagRole::List,
        b"pre" => TagRole::Pre,
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"table" | b"blockquote" | b"dl" => {
            TagRole::Paragraph
        }
        b"div" | b"tr" | b"dt" | b"dd" | b"hr" | b"section" | b"article" | b"header"
        | b"footer" | b"main" | b"nav" | b"aside" | b"figure" | b"figcaption" | b"caption"
        | b"form" | b"fieldset" | b"address" | b"details" | b"summary" | b"center" | b"option"
        | b"tbody" | b"thead" | b"tfoot" | b"body" | b"html" => TagRole::Line,
        b"td" | b"th" => TagRole::Cell,
        b"script" | b"style" | b"head" | b"title" | b"noscript" | b"template" | b"svg"
        | b"iframe" | b"object" | b"textarea" | b"select" => TagRole::Skip,
        _ => TagRole::Inline,
    }
}

/// Tag names that are surely markup, used to drop a tag left unterminated by truncation.
fn is_known_tag(name: &[u8]) -> bool {
    if tag_role(name) != TagRole::Inline {
        return true;
    }
    const INLINE: [&[u8]; 14] = [
        b"a", b"b", b"i", b"u", b"em", b"strong", b"span", b"font", b"img", b"small", b"sup",
        b"sub", b"code", b"mark",
    ];
    INLINE.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// True when `s` contains at least one block-level tag, i.e. its raw newlines are markup noise.
fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(off) = b[from..].iter().position(|&c| c == b'<') {
        let lt = from + off;
        let mut i = lt + 1;
        if b.get(i) == Some(&b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i > start && b[start].is_ascii_alphabetic() {
            let role = tag_role(&b[start..i]);
            if !matches!(role, TagRole::Inline | TagRole::Skip) {
                return true;
            }
        }
        from = lt + 1;
    }
    false
}

/// True when `s` contains something that parses as a tag or comment.
fn has_tag_like(s: &str) -> bool {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(off) = b[from..].iter().position(|&c| c == b'<') {
        let lt = from + off;
        if parse_tag(b, lt).is_some() {
            return true;
        }
        from = lt + 1;
    }
    false
}

enum Markup {
    Tag {
        kind: TagKind,
        name_start: usize,
        name_end: usize,
        self_closing: bool,
    },
    /// Comment, doctype, processing instruction: dropped.
    Ignored,
    /// `<![CDATA[...]]>`: its content is text.
    CData { start: usize, end: usize },
}

fn find_bytes(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_byte(hay: &[u8], from: usize, c: u8) -> Option<usize> {
    hay.get(from..)?
        .iter()
        .position(|&x| x == c)
        .map(|p| p + from)
}

/// Parses the markup starting at `b[lt] == b'<'`. Returns the markup and the index just after
/// it, or `None` when this `<` is literal text (e.g. `a < b`, `<10 people`).
fn parse_tag(b: &[u8], lt: usize) -> Option<(Markup, usize)> {
    let next = *b.get(lt + 1)?;
    match next {
        b'!' => {
            if b[lt..].starts_with(b"<!--") {
                let end = find_bytes(b, lt + 4, b"-->").map_or(b.len(), |p| p + 3);
                Some((Markup::Ignored, end))
            } else if b[lt..].starts_with(b"<![CDATA[") {
                let start = lt + 9;
                let close = find_bytes(b, start, b"]]>");
                let end = close.unwrap_or(b.len());
                Some((
                    Markup::CData { start, end },
                    close.map_or(b.len(), |p| p + 3),
                ))
            } else {
                let gt = find_byte(b, lt + 2, b'>')?;
                Some((Markup::Ignored, gt + 1))
            }
        }
        b'?' => {
            let gt = find_byte(b, lt + 2, b'>')?;
            Some((Markup::Ignored, gt + 1))
        }
        _ => {
            let (kind, name_start) = if next == b'/' {
                (TagKind::Close, lt + 2)
            } else {
                (TagKind::Open, lt + 1)
            };
            if !b.get(name_start)?.is_ascii_alphabetic() {
                return None;
            }
            let mut i = name_start;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b':') {
                i += 1;
            }
            let name_end = i;
            // A tag name must be followed by whitespace, '/', or '>' ("<3" or "<a+b" is text).
            match b.get(i) {
                Some(c) if c.is_ascii_whitespace() || *c == b'/' || *c == b'>' => {}
                _ => return None,
            }
            let Some(gt) = scan_tag_end(b, i) else {
                // Truncated input ending inside a real tag ("<p style=\"...): drop the rest.
                return is_known_tag(&b[name_start..name_end])
                    .then_some((Markup::Ignored, b.len()));
            };
            let self_closing = gt > name_end && b[gt - 1] == b'/';
            Some((
                Markup::Tag {
                    kind,
                    name_start,
                    name_end,
                    self_closing,
                },
                gt + 1,
            ))
        }
    }
}

/// Finds the `>` closing a tag whose attributes start at `i`, honouring quoted attribute
/// values. Falls back to the first `>` when a quote is never closed.
fn scan_tag_end(b: &[u8], mut i: usize) -> Option<usize> {
    let start = i;
    while i < b.len() {
        match b[i] {
            b'>' => return Some(i),
            b'=' => {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if let Some(&q) = b.get(i).filter(|&&q| q == b'"' || q == b'\'') {
                    match find_byte(b, i + 1, q) {
                        Some(close) => i = close + 1,
                        None => return find_byte(b, start, b'>'),
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Finds the closing tag `</name` (ASCII case-insensitive) at or after `from`.
fn find_closing(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut pos = from;
    while let Some(lt) = find_bytes(b, pos, b"</") {
        let s = lt + 2;
        if b.len() >= s + name.len()
            && b[s..s + name.len()].eq_ignore_ascii_case(name)
            && !b
                .get(s + name.len())
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return Some(lt);
        }
        pos = lt + 2;
    }
    None
}

fn render(html: &str, html_mode: bool, depth: u8, st: &mut RenderState, sink: &mut TextSink) {
    let b = html.as_bytes();
    let mut pos = 0;
    let mut text_start = 0;
    while let Some(lt) = find_byte(b, pos, b'<') {
        let Some((markup, end)) = parse_tag(b, lt) else {
            pos = lt + 1;
            continue;
        };
        emit_text(&html[text_start..lt], html_mode, depth, st, sink);
        let mut next = end;
        match markup {
            Markup::Ignored => {}
            Markup::CData { start, end } => {
                sink.push_text(&html[start..end.max(start)], !html_mode || st.pre > 0);
            }
            Markup::Tag {
                kind,
                name_start,
                name_end,
                self_closing,
            } => {
                let name = &b[name_start..name_end];
                match (tag_role(name), kind) {
                    (TagRole::Skip, TagKind::Open) if !self_closing => {
                        next = match find_closing(b, end, name) {
                            Some(close) => parse_tag(b, close).map_or(b.len(), |(_, e)| e),
                            // An unclosed script/style would leak code: drop the rest. Other
                            // skipped elements (head, title...) may legally lack a closing tag.
                            None if name.eq_ignore_ascii_case(b"script")
                                || name.eq_ignore_ascii_case(b"style") =>
                            {
                                b.len()
                            }
                            None => end,
                        };
                    }
                    (TagRole::Br, _) => sink.newline(),
                    (TagRole::Li, TagKind::Open) => sink.bullet(st.lists),
                    (TagRole::Li, TagKind::Close) => {
                        sink.pending_bullet = None;
                        sink.block(1);
                    }
                    (TagRole::List, TagKind::Open) => {
                        sink.block(if st.lists == 0 { 2 } else { 1 });
                        st.lists += 1;
                    }
                    (TagRole::List, TagKind::Close) => {
                        st.lists = st.lists.saturating_sub(1);
                        sink.pending_bullet = None;
                        sink.block(if st.lists == 0 { 2 } else { 1 });
                    }
                    (TagRole::Pre, k) => {
                        sink.block(2);
                        if k == TagKind::Open {
                            st.pre += 1;
                        } else {
                            st.pre = st.pre.saturating_sub(1);
                        }
                    }
                    (TagRole::Paragraph, _) => sink.block(2),
                    (TagRole::Line, _) => sink.block(1),
                    (TagRole::Cell, _) => sink.pending_space = true,
                    _ => {}
                }
            }
        }
        pos = next;
        text_start = next;
    }
    if text_start < html.len() {
        emit_text(&html[text_start..], html_mode, depth, st, sink);
    }
}

fn emit_text(seg: &str, html_mode: bool, depth: u8, st: &mut RenderState, sink: &mut TextSink) {
    if seg.is_empty() {
        return;
    }
    let keep_newlines = !html_mode || st.pre > 0;
    if !seg.contains('&') {
        sink.push_text(seg, keep_newlines);
        return;
    }
    let decoded = html_escape::decode_html_entities(seg);
    if depth == 0 && has_tag_like(&decoded) {
        // Escaped HTML inside the document: strip it too (one level only).
        let inner_html = html_mode || looks_like_html(&decoded);
        render(&decoded, inner_html, depth + 1, st, sink);
    } else {
        sink.push_text(&decoded, keep_newlines);
    }
}

// ---------------------------------------------------------------------------------------------
// normalize_key / normalize_company
// ---------------------------------------------------------------------------------------------

/// Matching key: lowercase, accents stripped, every run of non-alphanumeric characters turned
/// into one space, trimmed, and gender markers of job titles removed.
///
/// Details: characters are decomposed with NFKD (a superset of the NFD asked for: ligatures and
/// full-width forms fold too) and combining marks dropped; `ß→ss`, `æ→ae`, `œ→oe`, `ø→o`,
/// `ł→l`, `đ→d`, `þ→th`, `ı→i`. Gender markers removed: 2 or 3 single-letter tokens, in any
/// order, forming `h f`, `h f x`, `m w`, `m w d` (`div`), `m w x`, `m w i`, `m f`, `m f d`,
/// `m f x` (`(H/F)`, `F/H`, `(m/w/d)`, `(w/m/x)`, `(x/f/h)`, `(M/F/D)`...), `all genders`,
/// `alle geschlechter`, a final `hf`, `mwd`, `wmd`, `mfd`, `fmd`, `gn`, and French/German
/// inclusive suffixes glued to a word (`Assistant(e)`, `Technicien(ne)`, `étudiant·e`,
/// `Werkstudent:in`, `Entwickler/in`, `Berater*innen`). A key made only of markers is kept.
/// Titles written twice, masculine then feminine around a slash (`Développeur PHP/Développeuse
/// PHP`, `Chef de projet/Cheffe de projet`), keep one spelling, the masculine.
pub fn normalize_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    if out.contains(SLASH) {
        out = merge_slash_variants(&out);
    }
    strip_gender_markers(out)
}

/// Placeholder token for `/` while folding, so that `Développeur PHP/Développeuse PHP` can be
/// recognised as one title written twice; removed before the key is returned.
const SLASH: char = '\u{1}';

/// True when `a` and `b` are the same French word in masculine and feminine form
/// (`ingenieur`/`ingenieure`, `chef`/`cheffe`, `developpeur`/`developpeuse`,
/// `directeur`/`directrice`, `technicien`/`technicienne`, `sportif`/`sportive`), in any order.
fn gender_variant(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() < 3 {
        return false;
    }
    if let Some(rest) = long.strip_prefix(short)
        && matches!(rest, "e" | "ne" | "le" | "fe" | "te")
    {
        return true;
    }
    if let Some(stem) = short.strip_suffix("eur")
        && let Some(rest) = long.strip_prefix(stem)
    {
        return matches!(rest, "euse" | "rice" | "eure" | "eresse");
    }
    if let Some(stem) = short.strip_suffix('f') {
        return long.strip_prefix(stem) == Some("ve");
    }
    false
}

/// Drops the second spelling of titles written `masculine/feminine` (1 to 4 words on each side
/// of the slash) and removes the slash placeholders.
fn merge_slash_variants(key: &str) -> String {
    let mut toks: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] != SLASH.encode_utf8(&mut [0; 4]) {
            i += 1;
            continue;
        }
        let left_start = toks[..i]
            .iter()
            .rposition(|t| t.starts_with(SLASH))
            .map_or(0, |p| p + 1);
        let left = i - left_start;
        let right = toks[i + 1..]
            .iter()
            .position(|t| t.starts_with(SLASH))
            .unwrap_or(toks.len() - i - 1);
        let k = (1..=left.min(right).min(4)).rev().find(|&k| {
            let pairs = || (0..k).map(|j| (toks[i - k + j], toks[i + 1 + j]));
            // At least one word must really change ("C++/C#" folds to "c / c").
            pairs().all(|(a, b)| gender_variant(a, b)) && pairs().any(|(a, b)| a != b)
        });
        match k {
            Some(k) => {
                // Keep the shorter (masculine) spelling of each word, then drop the repeat.
                for j in 0..k {
                    if toks[i + 1 + j].len() < toks[i - k + j].len() {
                        toks[i - k + j] = toks[i + 1 + j];
                    }
                }
                toks.drain(i..=i + k);
            }
            None => {
                toks.remove(i);
            }
        }
    }
    toks.join(" ")
}

/// Appends the folded form of `c` (lowercase, no accents) to `out`; returns false when `c` is
/// not alphanumeric (a separator).
#[inline]
fn fold_char(c: char, out: &mut String, pending_sep: &mut bool) -> bool {
    // A combining mark written apart ("e" + U+0308, as some sources send "ë") belongs to the
    // letter before it: dropped like the accent of a precomposed letter, not a word break.
    if unicode_normalization::char::is_combining_mark(c) {
        return true;
    }
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            if *pending_sep && !out.is_empty() {
                out.push(' ');
            }
            *pending_sep = false;
            out.push(c.to_ascii_lowercase());
            return true;
        }
        *pending_sep = true;
        return false;
    }
    let mut any = false;
    for lc in c.to_lowercase() {
        let special = match lc {
            'ß' => Some("ss"),
            'æ' => Some("ae"),
            'œ' => Some("oe"),
            'ø' => Some("o"),
            'ł' => Some("l"),
            'đ' => Some("d"),
            'þ' => Some("th"),
            'ı' => Some("i"),
            _ => None,
        };
        if let Some(rep) = special {
            if *pending_sep && !out.is_empty() {
                out.push(' ');
            }
            *pending_sep = false;
            out.push_str(rep);
            any = true;
            continue;
        }
        unicode_normalization::char::decompose_compatible(lc, |d| {
            if unicode_normalization::char::is_combining_mark(d) {
                return;
            }
            if d.is_alphanumeric() {
                if *pending_sep && !out.is_empty() {
                    out.push(' ');
                }
                *pending_sep = false;
                for dl in d.to_lowercase() {
                    out.push(dl);
                }
                any = true;
            } else {
                *pending_sep = true;
            }
        });
    }
    if !any && !c.is_alphanumeric() {
        *pending_sep = true;
    }
    any
}

fn fold_into(s: &str, out: &mut String) {
    let mut pending_sep = false;
    let mut prev_letter = false;
    let mut i = 0;
    while i < s.len() {
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if prev_letter
            && matches!(c, '(' | '·' | '.' | ':' | '*' | '_' | '/' | '•')
            && let Some(n) = inclusive_suffix_len(&s[i..])
        {
            i += n;
            // The word goes on after an inclusive suffix only if letters follow directly.
            continue;
        }
        if c == '/' && !out.is_empty() {
            out.push(' ');
            out.push(SLASH);
            pending_sep = true;
            prev_letter = false;
            i += 1;
            continue;
        }
        prev_letter = fold_char(c, out, &mut pending_sep)
            && (c.is_alphabetic() || unicode_normalization::char::is_combining_mark(c));
        i += c.len_utf8();
    }
}

/// Length in bytes of an inclusive-writing suffix at the start of `rest` (`(e)`, `·ne`,
/// `:in`, `/innen`...), if any. The suffix must end the word.
fn inclusive_suffix_len(rest: &str) -> Option<usize> {
    const PAREN: [&str; 14] = [
        "(e)", "(ne)", "(se)", "(le)", "(es)", "(euse)", "(rice)", "(trice)", "(ère)", "(ere)",
        "(fe)", "(ve)", "(in)", "(innen)",
    ];
    const FR_DOT: [&str; 7] = ["e", "ne", "se", "euse", "rice", "trice", "es"];
    const DE: [&str; 2] = ["innen", "in"];
    let mut chars = rest.chars();
    let first = chars.next()?;
    let after_first = &rest[first.len_utf8()..];
    let ends_word = |tail: &str| !tail.chars().next().is_some_and(char::is_alphanumeric);
    match first {
        '(' => PAREN.iter().find_map(|p| {
            let n = p.len();
            (rest.len() >= n && rest.is_char_boundary(n) && rest[..n].eq_ignore_ascii_case(p))
                .then_some(n)
        }),
        '·' | '•' | '.' => FR_DOT.iter().find_map(|p| {
            let n = p.len();
            let ok = after_first.len() >= n
                && after_first.is_char_boundary(n)
                && after_first[..n].eq_ignore_ascii_case(p)
                && ends_word(&after_first[n..]);
            ok.then_some(first.len_utf8() + n)
        }),
        ':' | '*' | '_' | '/' => DE.iter().find_map(|p| {
            let n = p.len();
            let ok = after_first.len() >= n
                && after_first.is_char_boundary(n)
                && after_first[..n].eq_ignore_ascii_case(p)
                && ends_word(&after_first[n..]);
            ok.then_some(first.len_utf8() + n)
        }),
        _ => None,
    }
}

/// Bit of a single-letter gender-marker token (`div` counts as `d`).
fn gender_bit(t: &str) -> u8 {
    match t {
        "h" => 1,
        "f" => 2,
        "m" => 4,
        "w" => 8,
        "d" | "div" => 16,
        "x" => 32,
        "i" => 64,
        _ => 0,
    }
}

/// Letter sets that form a gender marker, in any order: FR `h/f`, `h/f/x`; DE `m/w/d`,
/// `m/w/x`, `m/w/i`; EN `m/f`, `m/f/d`, `m/f/x`.
fn is_gender_combo(mask: u8) -> bool {
    const H: u8 = 1;
    const F: u8 = 2;
    const M: u8 = 4;
    const W: u8 = 8;
    const D: u8 = 16;
    const X: u8 = 32;
    const I: u8 = 64;
    [
        H | F,
        H | F | X,
        M | W,
        M | W | D,
        M | W | X,
        M | W | I,
        M | F,
        M | F | D,
        M | F | X,
    ]
    .contains(&mask)
}

fn strip_gender_markers(key: String) -> String {
    let last = key.rsplit(' ').next().unwrap_or("");
    let final_marker = matches!(
        last,
        "hf" | "mwd" | "wmd" | "mfd" | "fmd" | "gn" | "mwx" | "wmx"
    );
    // Fast path: nothing that could be a marker.
    let has_single = key.split(' ').any(|t| gender_bit(t) != 0 && t.len() == 1);
    if !has_single && !final_marker && !key.contains("gender") && !key.contains("geschlechter") {
        return key;
    }
    let toks: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
    let mut keep = vec![true; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        let pair = toks.get(i + 1).copied();
        if (toks[i] == "all" && matches!(pair, Some("genders" | "gender")))
            || (toks[i] == "alle" && pair == Some("geschlechter"))
        {
            keep[i] = false;
            keep[i + 1] = false;
            i += 2;
            continue;
        }
        // Longest marker (3 then 2 distinct letters) starting here.
        let mut matched = 0;
        for len in [3, 2] {
            let Some(window) = toks.get(i..i + len) else {
                continue;
            };
            let mut mask = 0u8;
            let mut distinct = true;
            for t in window {
                let bit = gender_bit(t);
                if bit == 0 || mask & bit != 0 {
                    distinct = false;
                    break;
                }
                mask |= bit;
            }
            if distinct && is_gender_combo(mask) {
                matched = len;
                break;
            }
        }
        if matched > 0 {
            keep[i..i + matched].iter_mut().for_each(|k| *k = false);
            i += matched;
        } else {
            i += 1;
        }
    }
    if final_marker
        && toks.len() > 1
        && let Some(k) = keep.last_mut()
    {
        *k = false;
    }
    if keep.iter().all(|k| !k) || keep.iter().all(|k| *k) {
        return key;
    }
    let mut out = String::with_capacity(key.len());
    for (t, k) in toks.iter().zip(&keep) {
        if *k {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
        }
    }
    out
}

/// Legal-form suffixes removed from company keys (already in `normalize_key` form).
const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "llp",
    "lp",
    "pllc",
    "ltd",
    "limited",
    "plc",
    "p l c",
    "gmbh",
    "g m b h",
    "mbh",
    "ag",
    "a g",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "haftungsbeschrankt",
    "ev",
    "e v",
    "ek",
    "e k",
    "se",
    "sa",
    "s a",
    "sas",
    "s a s",
    "sasu",
    "sarl",
    "s a r l",
    "s a r l u",
    "eurl",
    "sca",
    "snc",
    "scop",
    "sci",
    "bv",
    "b v",
    "nv",
    "n v",
    "srl",
    "s r l",
    "spa",
    "s p a",
    "sl",
    "s l",
    "ab",
    "oy",
    "oyj",
    "as",
    "asa",
    "aps",
    "a s",
    "pty",
    "pte",
    "pvt",
    "co",
    "cie",
    "corp",
    "corporation",
    "company",
    "group",
    "groupe",
    "gruppe",
];

/// Company matching key: [`normalize_key`] with legal-form suffixes removed from the end,
/// repeatedly (`"Acme GmbH & Co. KG"` → `acme`, `"Amazon.com Services LLC"` →
/// `amazon com services`), never down to an empty key (`"Company Inc"` → `company`). Adzuna's
/// appended rating (`"X - Glassdoor ✪ 4.6"`) is removed too. Suffixes: inc, incorporated, llc,
/// llp, ltd, limited, plc, gmbh, mbh, ag, kg, kgaa, ohg, ug, e.v., e.k., se, sa, sas, sasu,
/// sarl, eurl, sca, snc, bv, nv, srl, spa, sl, ab, oy, oyj, as, asa, aps, pty, pte, pvt, co,
/// cie, corp, corporation, company, group, groupe, gruppe (and their dotted spellings).
pub fn normalize_company(s: &str) -> String {
    let mut key = normalize_key(s);
    if let Some(pos) = key.find(" glassdoor") {
        let rest = &key[pos + " glassdoor".len()..];
        if rest.chars().all(|c| c.is_ascii_digit() || c == ' ') {
            key.truncate(pos);
        }
    }
    'outer: loop {
        for n in (1..=4).rev() {
            // Start of the last `n` tokens; requiring a space before keeps the key non-empty.
            let Some((sp, _)) = key.rmatch_indices(' ').nth(n - 1) else {
                continue;
            };
            if LEGAL_SUFFIXES.contains(&&key[sp + 1..]) {
                key.truncate(sp);
                continue 'outer;
            }
        }
        break;
    }
    key
}

// ---------------------------------------------------------------------------------------------
// Salaries
// ---------------------------------------------------------------------------------------------

/// A salary found in free text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SalaryText {
    /// Lower bound (equal to `max` when one amount is given).
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// ISO 4217 code when the text names a currency (`€`, `EUR`, `euros`, `$`, `US$`...).
    pub currency: Option<&'static str>,
    /// `"hour" | "day" | "week" | "month" | "year"` when the text says so.
    pub period: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
struct Num {
    value: f64,
    /// Alternative value when a single `.` before 3 digits could be a decimal point
    /// (`850.000` is 850 in a 3-decimal currency such as JOD).
    alt: Option<f64>,
    k: bool,
    /// Directly preceded by a letter, `+`, or `#` (`CCNT66`, `Bac+5`).
    after_letter: bool,
    /// Directly followed by a letter that is not a `k` suffix (`138M`, `14薪`, `35H`).
    glued_next: bool,
}

#[derive(Debug, Clone)]
enum Tok {
    Num(Num),
    Cur(&'static str),
    Word(String),
    Sym(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    space_before: bool,
}

fn currency_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "eur" | "euro" | "euros" => "EUR",
        "usd" | "dollar" | "dollars" => "USD",
        "gbp" | "pound" | "pounds" | "livres" | "sterling" => "GBP",
        "chf" => "CHF",
        "cad" => "CAD",
        "aud" => "AUD",
        "nzd" => "NZD",
        "inr" | "rupees" | "roupies" => "INR",
        "sgd" => "SGD",
        "zar" | "rand" => "ZAR",
        "pln" | "zl" | "zloty" | "zlotys" => "PLN",
        "sek" => "SEK",
        "nok" => "NOK",
        "dkk" => "DKK",
        "jpy" | "yen" => "JPY",
        "cny" | "rmb" | "yuan" => "CNY",
        "hkd" => "HKD",
        "lkr" => "LKR",
        "jod" => "JOD",
        "mga" | "ariary" => "MGA",
        "brl" => "BRL",
        "mxn" => "MXN",
        _ => return None,
    })
}

/// Currencies with three minor digits: `850.000` there is 850, not 850 000.
fn three_decimal_currency(c: &str) -> bool {
    matches!(c, "JOD" | "KWD" | "BHD" | "OMR" | "TND" | "LYD" | "IQD")
}

/// Words that alone state a pay period ("Annuel de ...", "hourly", "p.a.").
fn period_adjective(w: &str) -> Option<&'static str> {
    Some(match w {
        "hourly" | "horaire" | "horaires" | "stundenlohn" | "stundlich" | "stdl" => "hour",
        "daily" | "journalier" | "journaliere" | "tjm" | "tagessatz" | "taglich" => "day",
        "weekly" | "hebdomadaire" | "wochentlich" | "wochenlohn" => "week",
        "monthly" | "mensuel" | "mensuelle" | "mensuels" | "mensuelles" | "monatlich"
        | "monatsgehalt" | "mensualise" => "month",
        "yearly" | "annual" | "annually" | "annuel" | "annuelle" | "annuels" | "annuelles"
        | "jahrlich" | "jahresgehalt" | "pa" | "p.a" | "annum" | "anual" => "year",
        _ => return None,
    })
}

/// Period nouns. The bool is "strong": accepted without a `per`/`/` before it.
fn period_noun(w: &str) -> Option<(&'static str, bool)> {
    Some(match w {
        "hour" | "hours" | "heure" | "heures" | "stunde" | "stunden" | "hr" | "hrs" => {
            ("hour", true)
        }
        "h" | "std" => ("hour", false),
        "day" | "days" | "jour" | "jours" | "tag" | "tage" => ("day", true),
        "j" => ("day", false),
        "week" | "weeks" | "semaine" | "semaines" | "woche" | "wochen" | "wk" => ("week", true),
        "month" | "months" | "mois" | "monat" | "monate" | "mth" => ("month", true),
        "mo" => ("month", false),
        "year" | "years" | "annee" | "annees" | "jahr" | "jahre" | "yr" | "yrs" => ("year", true),
        "an" | "ans" => ("year", false),
        _ => return None,
    })
}

/// Words after which a period noun names the pay period ("per hour", "par mois", "/an").
fn is_per_word(t: &Tok) -> bool {
    match t {
        Tok::Sym(c) => matches!(c, '/' | '\'' | '’'),
        Tok::Word(w) => matches!(
            w.as_str(),
            "per"
                | "par"
                | "pro"
                | "a"
                | "an"
                | "each"
                | "every"
                | "by"
                | "le"
                | "la"
                | "l"
                | "je"
                | "im"
        ),
        _ => false,
    }
}

/// Words that count things after a number ("3 years", "35 employees"), besides period nouns.
fn is_count_word(w: &str) -> bool {
    matches!(
        w,
        "employees"
            | "people"
            | "personnes"
            | "salaries"
            | "mitarbeiter"
            | "x"
            | "fois"
            | "times"
            | "semestres"
            | "positions"
            | "postes"
            | "weeks"
            | "e"
            | "eme"
            | "er"
            | "th"
            | "st"
            | "nd"
            | "rd"
    )
}

fn is_range_word(w: &str) -> bool {
    matches!(
        w,
        "to" | "a" | "bis" | "and" | "et" | "und" | "au" | "jusqu" | "through" | "til" | "till"
    )
}

fn is_filler_word(w: &str) -> bool {
    matches!(
        w,
        "brut"
            | "bruts"
            | "brute"
            | "brutto"
            | "net"
            | "nets"
            | "netto"
            | "gross"
            | "base"
            | "k"
            | "up"
            | "de"
    )
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Parses the number starting at byte `start` (an ASCII digit). Returns (value, alt, end).
fn scan_number(s: &str, start: usize) -> Option<(f64, Option<f64>, usize)> {
    let b = s.as_bytes();
    // (start, end) of each digit group and the separator that precedes groups 1..
    let mut groups: Vec<(usize, usize)> = Vec::with_capacity(4);
    let mut seps: Vec<char> = Vec::with_capacity(3);
    let mut i = start;
    loop {
        let g0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        groups.push((g0, i));
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let clen = c.len_utf8();
        let digits_after = b[i + clen..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .count();
        if digits_after == 0 {
            break;
        }
        let prev_len = i - g0;
        let all_spaces = seps.iter().all(|&s| s == ' ');
        let ok = match c {
            '.' | ',' => true,
            '\'' | '’' => digits_after == 3,
            c if is_space(c) && c != '\n' && c != '\r' && c != '\t' => {
                digits_after == 3 && prev_len <= 3 && all_spaces
            }
            _ => false,
        };
        if !ok {
            break;
        }
        seps.push(if is_space(c) { ' ' } else { c });
        i += clen;
    }
    let end = groups.last().map_or(start, |g| g.1);
    let ngroups = groups.len();
    // Index of the separator that is a decimal point, if any.
    let mut decimal: Option<usize> = None;
    let mut alt_decimal = false;
    if let Some(&last) = seps.last()
        && (last == '.' || last == ',')
    {
        let last_len = groups[ngroups - 1].1 - groups[ngroups - 1].0;
        let others_differ = seps[..seps.len() - 1].iter().any(|&s| s != last);
        let same_count = seps.iter().filter(|&&s| s == last).count();
        if others_differ {
            decimal = Some(seps.len() - 1);
        } else if same_count == 1 {
            let first_is_zero = &s[groups[0].0..groups[0].1] == "0";
            if last_len == 3 && !first_is_zero {
                alt_decimal = last == '.' && ngroups == 2;
            } else {
                decimal = Some(seps.len() - 1);
            }
        }
    }
    let build = |dec: Option<usize>| -> Option<f64> {
        let mut buf = [0u8; 48];
        let mut n = 0;
        for (gi, g) in groups.iter().enumerate() {
            if dec.is_some_and(|d| d + 1 == gi) {
                *buf.get_mut(n)? = b'.';
                n += 1;
            }
            for &d in &b[g.0..g.1] {
                *buf.get_mut(n)? = d;
                n += 1;
            }
        }
        std::str::from_utf8(&buf[..n]).ok()?.parse::<f64>().ok()
    };
    let value = build(decimal)?;
    let alt = if alt_decimal { build(Some(0)) } else { None };
    Some((value, alt, end))
}

fn fold_word(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        if c == '.' {
            out.push('.');
            continue;
        }
        let mut sep = false;
        fold_char(c, &mut out, &mut sep);
    }
    out
}

fn tokenize_salary(s: &str) -> Vec<Token> {
    let mut toks: Vec<Token> = Vec::with_capacity(16);
    let b = s.as_bytes();
    let mut i = 0;
    let mut space_before = true;
    while i < s.len() {
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if is_space(c) {
            space_before = true;
            i += c.len_utf8();
            continue;
        }
        if c.is_ascii_digit() {
            let Some((value, alt, mut end)) = scan_number(s, i) else {
                i += 1;
                continue;
            };
            let prev_char = s[..i].chars().next_back();
            let after_letter = !space_before
                && (prev_char.is_some_and(|p| p == '+' || p == '#')
                    || matches!(
                        toks.last(),
                        Some(Token {
                            tok: Tok::Word(_),
                            ..
                        })
                    ));
            // k suffix: "40K", "45 k€", "31,2k"
            let mut j = end;
            while let Some(sc) = s[j..]
                .chars()
                .next()
                .filter(|&c| c == ' ' || c == '\u{a0}' || c == '\u{202f}')
            {
                j += sc.len_utf8();
            }
            let mut k = false;
            if matches!(b.get(j), Some(b'k' | b'K'))
                && !s[j + 1..].chars().next().is_some_and(char::is_alphabetic)
            {
                k = true;
                end = j + 1;
            }
            let glued_next = s[end..].chars().next().is_some_and(|n| {
                n.is_alphabetic() && !matches!(n, '€' | '£' | '$' | '¥' | '₹' | '元')
            });
            toks.push(Token {
                tok: Tok::Num(Num {
                    value,
                    alt,
                    k,
                    after_letter,
                    glued_next,
                }),
                space_before,
            });
            space_before = false;
            i = end;
            continue;
        }
        let sym_cur = match c {
            '€' => Some("EUR"),
            '£' => Some("GBP"),
            '¥' | '￥' => Some("JPY"),
            '₹' => Some("INR"),
            '元' => Some("CNY"),
            '$' => {
                // "US$", "CA$", "A$", "S$", "R$"...: a glued prefix word names the dollar.
                let prefixed = match toks.last() {
                    Some(Token {
                        tok: Tok::Word(w), ..
                    }) if !space_before => match w.as_str() {
                        "us" | "u.s" => Some("USD"),
                        "ca" | "c" | "can" | "cad" => Some("CAD"),
                        "a" | "au" | "aud" => Some("AUD"),
                        "s" | "sg" | "sgd" => Some("SGD"),
                        "nz" => Some("NZD"),
                        "hk" => Some("HKD"),
                        "r" => Some("BRL"),
                        "mx" => Some("MXN"),
                        _ => None,
                    },
                    _ => None,
                };
                if prefixed.is_some() {
                    toks.pop();
                }
                Some(prefixed.unwrap_or("USD"))
            }
            _ => None,
        };
        if let Some(cur) = sym_cur {
            toks.push(Token {
                tok: Tok::Cur(cur),
                space_before,
            });
            space_before = false;
            i += c.len_utf8();
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            let mut j = i;
            while let Some(wc) = s[j..].chars().next() {
                if wc.is_alphabetic() && !matches!(wc, '元') {
                    j += wc.len_utf8();
                } else if wc == '.' && s[j + 1..].chars().next().is_some_and(char::is_alphabetic) {
                    j += 1;
                } else {
                    break;
                }
            }
            let w = fold_word(&s[start..j]);
            let tok = match currency_word(&w) {
                Some(cur) => Tok::Cur(cur),
                None => Tok::Word(w),
            };
            toks.push(Token { tok, space_before });
            space_before = false;
            i = j;
            continue;
        }
        toks.push(Token {
            tok: Tok::Sym(c),
            space_before,
        });
        space_before = false;
        i += c.len_utf8();
    }
    toks
}

/// Parses a salary written as text by a job board.
///
/// Examples: `"Mensuel de 2500.00 Euros à 3000.00 Euros sur 12 mois"`, `"$120k - $150k"`,
/// `"€60,000 - €75,000 per year"`, `"$50 - $70/hour"`, `"40-50K"`, `"70 000 € brut annuel"`,
/// `"$148,200 and $239,800"`. Returns `None` when no amount is found (`"Competitive"`,
/// `"Selon profil"`, `""`).
///
/// Rules: thousands separators `,` `.` space/nbsp/narrow nbsp/`'`; a single `,` or `.` is a
/// decimal point unless exactly 3 digits follow (`45.000` = 45000, `31,2` = 31.2); `k` multiplies
/// by 1000 and, in a range, carries over to a bare lower bound (`40-50K`). Numbers that count
/// something (`sur 12 mois`, `151.67 heures`, `3 years`), percentages, numbers glued to letters
/// (`CCNT66`, `138M`, `Bac+5`), times and dates are not amounts. Amounts with a currency or a `k`
/// are preferred; a text with no currency, no period and no `k` must give at least 1000, and a
/// lone bare year (1900..=2100) is rejected. The period is only what the text says: `"$120k"`
/// has `period: None` (see [`guess_salary_period`]).
pub fn parse_salary_text(s: &str) -> Option<SalaryText> {
    if !s.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let toks = tokenize_salary(s);
    let word = |i: usize| match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    };

    // Pay period.
    let mut period = None;
    for (i, t) in toks.iter().enumerate() {
        let Tok::Word(w) = &t.tok else { continue };
        if let Some(p) = period_adjective(w) {
            period = Some(p);
            break;
        }
        if let Some((p, strong)) = period_noun(w) {
            let prev = i.checked_sub(1).map(|j| &toks[j].tok);
            let after_count = matches!(prev, Some(Tok::Num(_)))
                || matches!(prev, Some(Tok::Word(pw)) if matches!(pw.as_str(), "e" | "eme" | "er" | "th" | "st" | "nd" | "rd"));
            if after_count {
                continue;
            }
            // "/h" only after an amount ("12€/h", "brut/h"), not in "F/H" or "m/w/d".
            let slash_ok = match prev {
                Some(Tok::Sym('/')) => {
                    matches!(
                        i.checked_sub(2).map(|j| &toks[j].tok),
                        Some(Tok::Num(_) | Tok::Cur(_))
                    ) || matches!(i.checked_sub(2).map(|j| &toks[j].tok), Some(Tok::Word(pw)) if is_filler_word(pw))
                }
                _ => true,
            };
            if slash_ok && (prev.is_some_and(is_per_word) || strong) {
                period = Some(p);
                break;
            }
        }
    }

    // Amount candidates.
    let currency_attached = |i: usize| {
        matches!(i.checked_sub(1).map(|j| &toks[j].tok), Some(Tok::Cur(_)))
            || matches!(toks.get(i + 1).map(|t| &t.tok), Some(Tok::Cur(_)))
    };
    let is_candidate = |i: usize| -> bool {
        let Some(Tok::Num(n)) = toks.get(i).map(|t| &t.tok) else {
            return false;
        };
        if n.after_letter || n.value <= 0.0 {
            return false;
        }
        // Percentages, times (6:00PM) and dates (01/07/2025) are not amounts.
        let glued_sym = |j: Option<usize>, syms: &[char]| {
            j.and_then(|j| toks.get(j))
                .is_some_and(|t| matches!(t.tok, Tok::Sym(c) if syms.contains(&c)))
        };
        let glued_num = |j: Option<usize>| {
            j.and_then(|j| toks.get(j))
                .is_some_and(|t| matches!(t.tok, Tok::Num(_)))
        };
        let next_glued = toks.get(i + 1).is_some_and(|t| !t.space_before);
        // "10%" and the French "10 %".
        if glued_sym(Some(i + 1), &['%']) {
            return false;
        }
        if next_glued
            && glued_sym(Some(i + 1), &[':', '/'])
            && glued_num(Some(i + 2))
            && toks.get(i + 2).is_some_and(|t| !t.space_before)
        {
            return false;
        }
        if !toks[i].space_before
            && glued_sym(i.checked_sub(1), &[':', '/'])
            && glued_num(i.checked_sub(2))
            && i.checked_sub(1)
                .and_then(|j| toks.get(j))
                .is_some_and(|t| !t.space_before)
        {
            return false;
        }
        if currency_attached(i) {
            return true;
        }
        if let Some(w) = word(i + 1) {
            if period_noun(w).is_some() || is_count_word(w) {
                return false;
            }
            if n.glued_next {
                return false;
            }
        }
        true
    };
    let cands: Vec<usize> = (0..toks.len()).filter(|&i| is_candidate(i)).collect();
    if cands.is_empty() {
        return None;
    }
    let num = |i: usize| match &toks[i].tok {
        Tok::Num(n) => Some(*n),
        _ => None,
    };
    let money_like = |i: usize| currency_attached(i) || num(i).is_some_and(|n| n.k);
    // End of a range that starts with candidate `i`, if any.
    let range_end = |i: usize| -> Option<usize> {
        let mut j = i + 1;
        let skip = |j: &mut usize| {
            while let Some(t) = toks.get(*j) {
                match &t.tok {
                    Tok::Cur(_) => *j += 1,
                    Tok::Word(w) if is_filler_word(w) => *j += 1,
                    Tok::Sym(')') | Tok::Sym('(') | Tok::Sym('*') => *j += 1,
                    _ => break,
                }
            }
        };
        skip(&mut j);
        let is_sep = match toks.get(j).map(|t| &t.tok) {
            Some(Tok::Sym(c)) => matches!(c, '-' | '–' | '—' | '~' | '‐' | '−' | '‑'),
            Some(Tok::Word(w)) => is_range_word(w),
            _ => false,
        };
        if !is_sep {
            return None;
        }
        j += 1;
        skip(&mut j);
        (toks.get(j).is_some_and(|t| matches!(t.tok, Tok::Num(_))) && cands.contains(&j))
            .then_some(j)
    };

    let mut chosen: Option<(usize, Option<usize>)> = None;
    let mut first_any: Option<(usize, Option<usize>)> = None;
    for &i in &cands {
        let end = range_end(i);
        let money = money_like(i) || end.is_some_and(money_like);
        if money {
            chosen = Some((i, end));
            break;
        }
        if first_any.is_none() {
            first_any = Some((i, end));
        }
    }
    let has_currency = toks.iter().any(|t| matches!(t.tok, Tok::Cur(_)));
    let has_k = toks
        .iter()
        .any(|t| matches!(t.tok, Tok::Num(Num { k: true, .. })));
    let (lo_i, hi_i) = match chosen {
        Some(c) => c,
        None => {
            let (i, end) = first_any?;
            let n = num(i)?;
            let is_year = n.value.fract() == 0.0 && (1900.0..=2100.0).contains(&n.value);
            if end.is_none() && is_year {
                return None;
            }
            let top = end.and_then(num).map_or(n.value, |m| m.value.max(n.value));
            if !has_currency && period.is_none() && !has_k && top < 1000.0 {
                return None;
            }
            (i, end)
        }
    };

    let lo = num(lo_i)?;
    let hi = hi_i.and_then(num).unwrap_or(lo);
    let currency = [Some(lo_i), hi_i]
        .into_iter()
        .flatten()
        .flat_map(|i| [i.checked_sub(1), Some(i + 1)])
        .flatten()
        .find_map(|j| match toks.get(j).map(|t| &t.tok) {
            Some(Tok::Cur(c)) => Some(*c),
            _ => None,
        })
        .or_else(|| {
            toks.iter().find_map(|t| match t.tok {
                Tok::Cur(c) => Some(c),
                _ => None,
            })
        });
    let value = |n: Num| {
        let v = match (currency, n.alt) {
            (Some(c), Some(alt)) if three_decimal_currency(c) => alt,
            _ => n.value,
        };
        if n.k { v * 1000.0 } else { v }
    };
    let mut min = value(lo);
    let mut max = value(hi);
    if hi_i.is_some() {
        // "40-50K": the k of one bound carries over to a bare other bound.
        if hi.k && !lo.k && min < 1000.0 {
            min *= 1000.0;
        } else if lo.k && !hi.k && max < 1000.0 {
            max *= 1000.0;
        }
    }
    if min > max {
        std::mem::swap(&mut min, &mut max);
    }
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return None;
    }
    Some(SalaryText {
        min,
        max,
        currency,
        period,
    })
}

/// Guesses the pay period of an amount when the text does not state one, from its size:
/// ≥ 10 000 → year, ≥ 1 000 → month, ≥ 150 → day, > 0 → hour. A heuristic for EUR/USD/GBP-like
/// currencies only (not for JPY, INR, MGA...): the SQL layer should apply it only to those.
pub fn guess_salary_period(amount: f64) -> Option<&'static str> {
    if !amount.is_finite() || amount <= 0.0 {
        None
    } else if amount >= 10_000.0 {
        Some("year")
    } else if amount >= 1_000.0 {
        Some("month")
    } else if amount >= 150.0 {
        Some("day")
    } else {
        Some("hour")
    }
}

/// Multiplier turning an amount per `period` into a yearly amount: hour 1 820 (35 h × 52
/// weeks), day 218 (French forfait-jours), week 52, month 12, year 1. Conventions, not facts:
/// documented so every table annualises the same way.
pub fn annual_factor(period: &str) -> Option<f64> {
    match period {
        "hour" => Some(1820.0),
        "day" => Some(218.0),
        "week" => Some(52.0),
        "month" => Some(12.0),
        "year" => Some(1.0),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Skills
// ---------------------------------------------------------------------------------------------

/// Family of stop phrases in `skills.csv`: matched like skills so that they consume their text
/// (`Series C`, `Go to market`, `tableau de bord`), never reported.
pub const IGNORE_FAMILY: &str = "ignore";

#[derive(Debug, Clone)]
struct SkillPattern {
    skill: usize,
    /// Exact bytes to compare for case-sensitive patterns.
    text: String,
    /// Short patterns (≤ 2 chars: `R`, `C`, `Go`) get stricter boundaries.
    strict: bool,
}

/// Skills dictionary loaded from `skills.csv` (columns `skill,family,aliases,case_sensitive`,
/// aliases separated by `|`).
///
/// Matching: the skill name and its aliases are searched with Aho-Corasick (ASCII
/// case-insensitive for rows with `case_sensitive=false`, exact otherwise); overlapping hits are
/// reduced leftmost-longest (`C++` beats `C`, `Power BI` beats `BI`, `JavaScript` beats `Java`)
/// after a boundary check:
/// - a pattern that starts (ends) with a letter or digit must not be preceded (followed) by a
///   letter, digit or `_` (`R` is not found in `Rust`, `Go` not in `Google`);
/// - a pattern starting with a letter or digit preceded by `.` glued to a word is rejected
///   (`js` in `next.js` is not JavaScript);
/// - short patterns (1-2 characters) are rejected when glued to `&`, `'` or to `-`, `.`, `+`, `/`
///   followed by a word character (`R&D`, `C-level`, `Go-live`, `R.I.P.`); `R/Python` and
///   `C/C++` still match.
///
/// An alias prefixed with `cs:` or `ci:` overrides the row's case sensitivity (`Machine
/// Learning` is case-insensitive but its alias `cs:ML` is not). Rows of family `ignore` are stop
/// phrases: they win leftmost-longest like skills (`Series C` hides `C`, `Go to market` hides
/// `Go`, `tableau de bord` hides `Tableau`) and are never reported. Remaining known limit: `Go`
/// also matches the verb at the start of a sentence.
#[derive(Debug, Clone)]
pub struct SkillMatcher {
    ci: Option<AhoCorasick>,
    ci_pats: Vec<SkillPattern>,
    cs: Option<AhoCorasick>,
    cs_pats: Vec<SkillPattern>,
    /// (skill, family), sorted by skill name (byte order).
    skills: Vec<(String, String)>,
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "n" | "f" => Some(false),
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        _ => None,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl SkillMatcher {
    /// Loads the dictionary. Errors name the line: empty skill/family, a skill listed twice, an
    /// alias claimed by two skills, a bad `case_sensitive` value.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "skills.csv";
        let (idx, rows) = read_table(
            text,
            FILE,
            &["skill", "family", "aliases", "case_sensitive"],
        )?;
        struct Row {
            line: u64,
            skill: String,
            family: String,
            /// (pattern, case_sensitive)
            patterns: Vec<(String, bool)>,
        }
        let mut parsed = Vec::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let invalid = |message: String| EnrichError::Invalid {
                file: FILE,
                line,
                message,
            };
            let skill = field(rec, idx[0]).to_string();
            let family = field(rec, idx[1]).to_string();
            if skill.is_empty() {
                return Err(invalid("empty skill".into()));
            }
            if family.is_empty() || !family.bytes().all(|c| c.is_ascii_lowercase() || c == b'_') {
                return Err(invalid(format!(
                    "family `{family}` must be lowercase snake_case"
                )));
            }
            let cs = parse_bool(field(rec, idx[3])).ok_or_else(|| {
                invalid(format!(
                    "case_sensitive `{}` is not true/false",
                    field(rec, idx[3])
                ))
            })?;
            let mut patterns = vec![(skill.clone(), cs)];
            for alias in field(rec, idx[2])
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                // `cs:`/`ci:` override the row's case sensitivity for one alias.
                let (text, alias_cs) = match (alias.strip_prefix("cs:"), alias.strip_prefix("ci:"))
                {
                    (Some(t), _) => (t.trim(), true),
                    (_, Some(t)) => (t.trim(), false),
                    _ => (alias, cs),
                };
                if text.is_empty() {
                    return Err(invalid(format!("empty alias `{alias}`")));
                }
                patterns.push((text.to_string(), alias_cs));
            }
            parsed.push(Row {
                line,
                skill,
                family,
                patterns,
            });
        }
        parsed.sort_by(|a, b| a.skill.cmp(&b.skill));
        let mut skills = Vec::with_capacity(parsed.len());
        // lowercase pattern → (skill, case_sensitive, exact pattern) of every user.
        let mut seen_pat: HashMap<String, Vec<(usize, bool, String)>> = HashMap::new();
        let (mut ci_pats, mut cs_pats) = (Vec::new(), Vec::new());
        for (si, row) in parsed.iter().enumerate() {
            if si > 0 && parsed[si - 1].skill == row.skill {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line: row.line,
                    message: format!("skill `{}` is listed twice", row.skill),
                });
            }
            skills.push((row.skill.clone(), row.family.clone()));
            for (p, pcs) in &row.patterns {
                let users = seen_pat.entry(p.to_ascii_lowercase()).or_default();
                // Two case-sensitive spellings that differ ("GO" vs "Go") do not clash.
                let clash = users.iter().find(|(other, other_cs, exact)| {
                    *other != si && !(*pcs && *other_cs && exact != p)
                });
                if let Some((other, _, _)) = clash {
                    return Err(EnrichError::Invalid {
                        file: FILE,
                        line: row.line,
                        message: format!(
                            "alias `{p}` is already used by skill `{}`",
                            parsed[*other].skill
                        ),
                    });
                }
                if users.iter().any(|(other, ocs, exact)| {
                    *other == si && *ocs == *pcs && (!*pcs || exact == p)
                }) {
                    continue;
                }
                users.push((si, *pcs, p.clone()));
                let pat = SkillPattern {
                    skill: si,
                    text: p.clone(),
                    strict: p.chars().count() <= 2,
                };
                if *pcs {
                    cs_pats.push(pat);
                } else {
                    ci_pats.push(pat);
                }
            }
        }
        let build = |pats: &[SkillPattern], ci: bool| -> Result<Option<AhoCorasick>, EnrichError> {
            if pats.is_empty() {
                return Ok(None);
            }
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(ci)
                // A few hundred short patterns: a full DFA stays small and is the fastest.
                .kind(Some(AhoCorasickKind::DFA))
                .build(pats.iter().map(|p| p.text.as_str()))
                .map(Some)
                .map_err(|e| EnrichError::Invalid {
                    file: FILE,
                    line: 0,
                    message: e.to_string(),
                })
        };
        Ok(Self {
            ci: build(&ci_pats, true)?,
            ci_pats,
            cs: build(&cs_pats, false)?,
            cs_pats,
            skills,
        })
    }

    /// Loads the embedded default dictionary ([`SKILLS_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(SKILLS_CSV)
    }

    fn boundary_ok(text: &str, start: usize, end: usize, pat: &SkillPattern) -> bool {
        let p0 = pat.text.chars().next().unwrap_or(' ');
        let pl = pat.text.chars().next_back().unwrap_or(' ');
        let mut before = text[..start].chars().rev();
        let b1 = before.next();
        let b2 = before.next();
        let b3 = before.next();
        let mut after = text[end..].chars();
        let a1 = after.next();
        let a2 = after.next();
        let a3 = after.next();
        if is_word_char(p0) {
            if b1.is_some_and(is_word_char) {
                return false;
            }
            if b1 == Some('.') && b2.is_some_and(is_word_char) {
                return false;
            }
        }
        if is_word_char(pl) && a1.is_some_and(is_word_char) {
            return false;
        }
        if pat.strict {
            if matches!(a1, Some('&' | '\'' | '’')) || matches!(b1, Some('&' | '\'' | '’')) {
                return false;
            }
            if matches!(a1, Some('-' | '.' | '+')) && a2.is_some_and(is_word_char) {
                return false;
            }
            if matches!(b1, Some('-' | '.')) && b2.is_some_and(is_word_char) {
                return false;
            }
            if pat.text.len() == 1 {
                // A lone letter among letters ("Q/C/D", "N/C", "A;B;C") or "C-level" with a
                // space ("C- and VP-level") is an abbreviation, not a language.
                let single = |x: Option<char>, y: Option<char>| {
                    x.is_some_and(char::is_alphanumeric)
                        && y.is_none_or(|y| {
                            y.is_whitespace()
                                || matches!(y, ',' | ';' | '/' | '(' | ')' | '.' | ':')
                        })
                };
                if (b1 == Some('/') && single(b2, b3))
                    || (a1 == Some('/') && single(a2, a3))
                    || a1 == Some('-')
                {
                    return false;
                }
            }
        }
        true
    }

    /// Canonical skill names found in `text`, sorted (byte order) and deduplicated.
    pub fn find(&self, text: &str) -> Vec<String> {
        // (start, end, skill)
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        if let Some(ac) = &self.ci {
            for m in ac.find_overlapping_iter(text) {
                let pat = &self.ci_pats[m.pattern().as_usize()];
                if Self::boundary_ok(text, m.start(), m.end(), pat) {
                    hits.push((m.start(), m.end(), pat.skill));
                }
            }
        }
        if let Some(ac) = &self.cs {
            for m in ac.find_overlapping_iter(text) {
                let pat = &self.cs_pats[m.pattern().as_usize()];
                if Self::boundary_ok(text, m.start(), m.end(), pat) {
                    hits.push((m.start(), m.end(), pat.skill));
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut found = Vec::new();
        let mut last_end = 0;
        for (s, e, k) in hits {
            if s >= last_end {
                // Stop phrases (family `ignore`) consume their text and yield nothing.
                if self.skills[k].1 != IGNORE_FAMILY {
                    found.push(k);
                }
                last_end = e;
            }
        }
        // Skill indices follow name order, so sorting indices sorts names.
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|k| self.skills[k].0.clone())
            .collect()
    }

    /// `(skill, family)` pairs sorted by skill name, for the gold skill dimension (stop
    /// phrases of family `ignore` excluded).
    pub fn skills(&self) -> impl Iterator<Item = (&str, &str)> {
        self.skills
            .iter()
            .filter(|(_, f)| f != IGNORE_FAMILY)
            .map(|(s, f)| (s.as_str(), f.as_str()))
    }

    /// Family of a canonical skill name.
    pub fn family_of(&self, skill: &str) -> Option<&str> {
        self.skills
            .binary_search_by(|(s, _)| s.as_str().cmp(skill))
            .ok()
            .map(|i| self.skills[i].1.as_str())
            .filter(|f| *f != IGNORE_FAMILY)
    }
}

// ---------------------------------------------------------------------------------------------
// Job families
// ---------------------------------------------------------------------------------------------

/// Job-family rules from `job_families.csv` (columns `family,priority,pattern`).
///
/// Each pattern is a regex matched against [`normalize_key`] of the title (lowercase ASCII
/// words, single spaces, gender markers removed). All patterns are compiled once into a
/// `RegexSet`; among matching rows the lowest `priority` wins (ties: first row); no match gives
/// `"other"`.
#[derive(Debug, Clone)]
pub struct JobFamilyRules {
    set: RegexSet,
    /// (family, priority) per pattern, in CSV order.
    rules: Vec<(String, i64)>,
}

impl JobFamilyRules {
    /// Loads and compiles the rules; a bad regex or priority names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "job_families.csv";
        let (idx, rows) = read_table(text, FILE, &["family", "priority", "pattern"])?;
        let mut patterns = Vec::with_capacity(rows.len());
        let mut rules = Vec::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let family = field(rec, idx[0]);
            if family.is_empty() || !family.bytes().all(|c| c.is_ascii_lowercase() || c == b'_') {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("family `{family}` must be lowercase snake_case"),
                });
            }
            let priority: i64 = field(rec, idx[1])
                .parse()
                .map_err(|_| EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("priority `{}` is not an integer", field(rec, idx[1])),
                })?;
            let pattern = field(rec, idx[2]);
            if pattern.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: "empty pattern".into(),
                });
            }
            regex::Regex::new(pattern).map_err(|e| EnrichError::Regex {
                file: FILE,
                line,
                source: Box::new(e),
            })?;
            patterns.push(pattern.to_string());
            rules.push((family.to_string(), priority));
        }
        let set = RegexSet::new(&patterns).map_err(|e| EnrichError::Regex {
            file: FILE,
            line: 0,
            source: Box::new(e),
        })?;
        Ok(Self { set, rules })
    }

    /// Loads the embedded default rules ([`JOB_FAMILIES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(JOB_FAMILIES_CSV)
    }

    /// Family of a raw job title (normalised here).
    pub fn classify(&self, title: &str) -> &str {
        self.classify_key(&normalize_key(title))
    }

    /// Family of a title already passed through [`normalize_key`].
    pub fn classify_key(&self, key: &str) -> &str {
        self.set
            .matches(key)
            .iter()
            .min_by_key(|&i| (self.rules[i].1, i))
            .map_or("other", |i| self.rules[i].0.as_str())
    }

    /// Distinct family names in CSV order (plus `"other"` last), for the gold dimension.
    pub fn families(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (f, _) in &self.rules {
            if f != "other" && !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out.push("other");
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Contract types and working time
// ---------------------------------------------------------------------------------------------

/// Contract-type mapping from `contract_types.csv` (columns `raw,contract_type`; `raw` is
/// compared after [`normalize_key`]).
///
/// `classify` accepts one raw value or several joined by `,` `;` `|` (Arbeitnow `job_types`,
/// Fantastic.jobs arrays). Each part is looked up whole, then by its longest known phrases
/// (word n-grams up to the longest `raw` entry, left to right), so `"CDD - 6 Mois"` finds `cdd`
/// and `"Full-time permanent"` finds `permanent`. When several contract types are found the most
/// specific wins: working_student > apprenticeship > internship > freelance > temporary >
/// fixed_term > permanent. Working-time words (`FULL_TIME`) map to nothing: see
/// [`working_time`]. Rows whose contract_type is `none` are phrases that contain a contract word
/// without naming a contract (`contract manager`, `sales rep`, `early stage`): they win as
/// longer phrases and yield nothing, which matters when titles are classified.
#[derive(Debug, Clone)]
pub struct ContractTypes {
    /// normalised raw phrase → contract type (`None` for the `none` phrases).
    map: HashMap<String, Option<&'static str>>,
    max_words: usize,
}

/// `contract_type` value of phrases that contain a contract word but name no contract
/// (`contract manager`, `sales rep`, `early stage`): they consume their words and yield nothing.
pub const CONTRACT_TYPE_NONE: &str = "none";

fn contract_rank(t: &str) -> usize {
    match t {
        "working_student" => 7,
        "apprenticeship" => 6,
        "internship" => 5,
        "freelance" => 4,
        "temporary" => 3,
        "fixed_term" => 2,
        _ => 1,
    }
}

impl ContractTypes {
    /// Loads the mapping; an unknown contract type or a raw value mapped twice names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "contract_types.csv";
        let (idx, rows) = read_table(text, FILE, &["raw", "contract_type"])?;
        let mut map = HashMap::with_capacity(rows.len());
        let mut max_words = 1;
        for (line, rec) in &rows {
            let line = *line;
            let raw = normalize_key(field(rec, idx[0]));
            let ct = field(rec, idx[1]);
            let ct = if ct == CONTRACT_TYPE_NONE {
                None
            } else {
                let Some(ct) = CONTRACT_TYPE_VALUES.iter().copied().find(|v| *v == ct) else {
                    return Err(EnrichError::Invalid {
                        file: FILE,
                        line,
                        message: format!(
                            "contract_type `{ct}` is not one of {} (or `none`)",
                            CONTRACT_TYPE_VALUES.join(", ")
                        ),
                    });
                };
                Some(ct)
            };
            if raw.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: "empty raw value".into(),
                });
            }
            max_words = max_words.max(raw.split(' ').count());
            if let Some(prev) = map.insert(raw.clone(), ct)
                && prev != ct
            {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!(
                        "raw `{raw}` is mapped to both `{}` and `{}`",
                        prev.unwrap_or(CONTRACT_TYPE_NONE),
                        ct.unwrap_or(CONTRACT_TYPE_NONE)
                    ),
                });
            }
        }
        Ok(Self { map, max_words })
    }

    /// Loads the embedded default mapping ([`CONTRACT_TYPES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(CONTRACT_TYPES_CSV)
    }

    /// Contract type of a raw value or comma-joined list of raw values.
    pub fn classify(&self, raw: &str) -> Option<&'static str> {
        let mut best: Option<&'static str> = None;
        let mut consider = |t: &'static str| {
            if best.is_none_or(|b| contract_rank(t) > contract_rank(b)) {
                best = Some(t);
            }
        };
        for part in raw.split([',', ';', '|']) {
            let key = normalize_key(part);
            if key.is_empty() {
                continue;
            }
            if let Some(t) = self.map.get(&key) {
                if let Some(t) = t {
                    consider(t);
                }
                continue;
            }
            // Byte ranges of the words of `key`.
            let mut words: Vec<(usize, usize)> = Vec::new();
            let mut start = 0;
            for w in key.split(' ') {
                words.push((start, start + w.len()));
                start += w.len() + 1;
            }
            let mut i = 0;
            while i < words.len() {
                let mut step = 1;
                for n in (1..=self.max_words.min(words.len() - i)).rev() {
                    let phrase = &key[words[i].0..words[i + n - 1].1];
                    if let Some(t) = self.map.get(phrase) {
                        if let Some(t) = t {
                            consider(t);
                        }
                        step = n;
                        break;
                    }
                }
                i += step;
            }
        }
        best
    }
}

/// Working time from raw values: `full_time` or `part_time`, `None` otherwise.
///
/// Recognises `full_time`/`FULL_TIME`/`full time`/`Full-time`/`fulltime`/`Temps plein`/
/// `temps complet`/`Vollzeit` and `part_time`/`Teilzeit`/`Temps partiel`/`mi-temps`/`Minijob`,
/// anywhere in the value (`"Full-time permanent"`, `"temps partiel - 24H"`). When both appear,
/// the first mentioned wins.
pub fn working_time(raw: &str) -> Option<&'static str> {
    const FULL: [&str; 5] = [
        "full time",
        "fulltime",
        "temps plein",
        "temps complet",
        "vollzeit",
    ];
    const PART: [&str; 6] = [
        "part time",
        "parttime",
        "temps partiel",
        "teilzeit",
        "mi temps",
        "minijob",
    ];
    let key = normalize_key(raw);
    let first = |words: &[&str]| words.iter().filter_map(|w| key.find(w)).min();
    match (first(&FULL), first(&PART)) {
        (Some(f), Some(p)) => Some(if f <= p { "full_time" } else { "part_time" }),
        (Some(_), None) => Some("full_time"),
        (None, Some(_)) => Some("part_time"),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Countries
// ---------------------------------------------------------------------------------------------

/// Countries from `countries.csv` (columns `iso2,name,aliases`, aliases separated by `|`).
///
/// [`Countries::resolve`] maps a whole value (code, English/French/German name, alias) to its
/// ISO 3166-1 alpha-2 code after [`normalize_key`]. [`Countries::resolve_location`] also looks
/// inside a comma/parenthesis separated location such as `"Munich, Bavaria, Germany"`.
#[derive(Debug, Clone)]
pub struct Countries {
    /// key → (index into `codes`, key comes from the iso2 column)
    by_key: HashMap<String, (usize, bool)>,
    codes: Vec<String>,
    names: Vec<String>,
}

impl Countries {
    /// Loads the table; a bad code or a name claimed by two countries names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "countries.csv";
        let (idx, rows) = read_table(text, FILE, &["iso2", "name", "aliases"])?;
        let mut by_key: HashMap<String, (usize, bool)> = HashMap::new();
        let mut codes = Vec::new();
        let mut names = Vec::new();
        for (line, rec) in &rows {
            let line = *line;
            let code = field(rec, idx[0]);
            if code.len() != 2 || !code.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("iso2 `{code}` must be two uppercase letters"),
                });
            }
            let ci = codes.len();
            codes.push(code.to_string());
            names.push(field(rec, idx[1]).to_string());
            let mut add = |k: String, is_code: bool| -> Result<(), EnrichError> {
                if k.is_empty() {
                    return Ok(());
                }
                match by_key.get(&k) {
                    Some((other, _)) if *other != ci => Err(EnrichError::Invalid {
                        file: FILE,
                        line,
                        message: format!("`{k}` already names {}", codes[*other]),
                    }),
                    Some(_) => Ok(()),
                    None => {
                        by_key.insert(k, (ci, is_code));
                        Ok(())
                    }
                }
            };
            add(code.to_ascii_lowercase(), true)?;
            add(normalize_key(field(rec, idx[1])), false)?;
            for a in field(rec, idx[2]).split('|') {
                add(normalize_key(a), false)?;
            }
        }
        Ok(Self {
            by_key,
            codes,
            names,
        })
    }

    /// Loads the embedded default table ([`COUNTRIES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(COUNTRIES_CSV)
    }

    /// ISO alpha-2 code of a country code, name or alias (`"uk"` → `GB`, `"Allemagne"` → `DE`).
    pub fn resolve(&self, s: &str) -> Option<&str> {
        self.by_key
            .get(&normalize_key(s))
            .map(|(i, _)| self.codes[*i].as_str())
    }

    /// Country of a free-form location: the whole value first, then its parts separated by
    /// `,` `(` `)` `/` `;` `|` from last to first (addresses end with the country). Inside a
    /// multi-part location, two-letter ISO codes are ignored because they clash with US states
    /// (`"Boston, MA"` is not Morocco); aliases such as `USA`, `UK` still count.
    pub fn resolve_location(&self, s: &str) -> Option<&str> {
        if let Some(c) = self.resolve(s) {
            return Some(c);
        }
        s.rsplit([',', '(', ')', '/', ';', '|']).find_map(|part| {
            let key = normalize_key(part);
            match self.by_key.get(&key) {
                Some((i, false)) => Some(self.codes[*i].as_str()),
                _ => None,
            }
        })
    }

    /// English name of an ISO alpha-2 code.
    pub fn name_of(&self, iso2: &str) -> Option<&str> {
        self.codes
            .iter()
            .position(|c| c.eq_ignore_ascii_case(iso2))
            .map(|i| self.names[i].as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// French départements
// ---------------------------------------------------------------------------------------------

/// French départements from `fr_departments.csv` (columns `code,name,region`).
#[derive(Debug, Clone)]
pub struct Departments {
    by_code: HashMap<String, (String, String)>,
}

impl Departments {
    /// Loads the table; a malformed or duplicated code names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "fr_departments.csv";
        let (idx, rows) = read_table(text, FILE, &["code", "name", "region"])?;
        let mut by_code = HashMap::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let code = field(rec, idx[0]);
            if !is_department_code(code) {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad code `{code}`"),
                });
            }
            let (name, region) = (field(rec, idx[1]), field(rec, idx[2]));
            if name.is_empty() || region.is_empty() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: "empty name or region".into(),
                });
            }
            if by_code
                .insert(code.to_string(), (name.to_string(), region.to_string()))
                .is_some()
            {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("code `{code}` listed twice"),
                });
            }
        }
        Ok(Self { by_code })
    }

    /// Loads the embedded default table ([`FR_DEPARTMENTS_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(FR_DEPARTMENTS_CSV)
    }

    fn canonical(code: &str) -> Cow<'_, str> {
        let code = code.trim();
        if code.len() == 1 && code.as_bytes()[0].is_ascii_digit() {
            return Cow::Owned(format!("0{code}"));
        }
        if code.bytes().any(|c| c.is_ascii_lowercase()) {
            return Cow::Owned(code.to_ascii_uppercase());
        }
        Cow::Borrowed(code)
    }

    /// Region of a département code (`"75"` → Île-de-France, `"2A"` → Corse, `"971"` →
    /// Guadeloupe). `"1"` is read as `"01"`; the pre-1976 Corsican code `"20"` gives Corse.
    pub fn region_of(&self, code: &str) -> Option<&str> {
        let code = Self::canonical(code);
        if code == "20" {
            return self.by_code.get("2A").map(|(_, r)| r.as_str());
        }
        self.by_code.get(code.as_ref()).map(|(_, r)| r.as_str())
    }

    /// Name of a département code (`"69"` → Rhône).
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.by_code
            .get(Self::canonical(code).as_ref())
            .map(|(n, _)| n.as_str())
    }
}

fn is_department_code(code: &str) -> bool {
    let b = code.as_bytes();
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            let n = (a - b'0') * 10 + (c - b'0');
            (1..=95).contains(&n) && n != 20
        }
        [b'2', b'A' | b'B'] => true,
        [b'9', b'7', c] => (b'1'..=b'6').contains(c),
        _ => false,
    }
}

/// Leading département code of a France Travail `lieuTravail.libelle` such as
/// `"75 - Paris 11e Arrondissement"` → `"75"`, `"2B - AREGNO"` → `"2B"`; `None` for labels
/// without one (`"France"`, `"Ile-de-France"`).
pub fn department_code_from_label(label: &str) -> Option<&str> {
    let label = label.trim_start();
    let end = label
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(label.len());
    let code = &label[..end];
    let rest = label[end..].trim_start();
    (is_department_code(code) && (rest.is_empty() || rest.starts_with('-'))).then_some(code)
}

/// City part of a France Travail label: `"75 - Paris 11e Arrondissement"` →
/// `"Paris 11e Arrondissement"`. `None` without a leading code, without a city, or for
/// département-level labels (`"75 - Paris (Dept.)"`).
pub fn city_from_ft_label(label: &str) -> Option<&str> {
    let code = department_code_from_label(label)?;
    let label = label.trim_start();
    let rest = label[code.len()..].trim_start().strip_prefix('-')?.trim();
    if rest.is_empty() || rest.ends_with("(Dept.)") || rest.ends_with("(Dépt.)") {
        return None;
    }
    Some(rest)
}

/// Département code of a French postal code (`"75011"` → `"75"`, `"97110"` → `"971"`,
/// `"20000"` → `"2A"`, `"20200"` → `"2B"`).
pub fn department_code_from_postal_code(cp: &str) -> Option<String> {
    let cp = cp.trim();
    if cp.len() != 5 || !cp.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let code = match &cp[..2] {
        "97" | "98" => cp[..3].to_string(),
        // Corse-du-Sud uses 200xx-201xx, Haute-Corse 202xx-206xx.
        "20" => if cp.as_bytes()[2] <= b'1' { "2A" } else { "2B" }.to_string(),
        two => two.to_string(),
    };
    is_department_code(&code).then_some(code)
}

// ---------------------------------------------------------------------------------------------
// Currency rates
// ---------------------------------------------------------------------------------------------

/// Reference exchange rates from `currency_rates.csv` (columns `currency,eur_per_unit,as_of`).
/// Approximate reference rates for comparing salaries, not live rates.
#[derive(Debug, Clone)]
pub struct CurrencyRates {
    rates: HashMap<String, (f64, String)>,
}

impl CurrencyRates {
    /// Loads the table; a bad code or rate names its line.
    pub fn from_csv(text: &str) -> Result<Self, EnrichError> {
        const FILE: &str = "currency_rates.csv";
        let (idx, rows) = read_table(text, FILE, &["currency", "eur_per_unit", "as_of"])?;
        let mut rates = HashMap::with_capacity(rows.len());
        for (line, rec) in &rows {
            let line = *line;
            let cur = field(rec, idx[0]);
            if cur.len() != 3 || !cur.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad currency `{cur}`"),
                });
            }
            let rate: f64 = field(rec, idx[1])
                .parse()
                .ok()
                .filter(|r: &f64| r.is_finite() && *r > 0.0)
                .ok_or_else(|| EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad rate `{}`", field(rec, idx[1])),
                })?;
            let as_of = field(rec, idx[2]);
            if NaiveDate::parse_from_str(as_of, "%Y-%m-%d").is_err() {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("bad as_of date `{as_of}`"),
                });
            }
            if rates
                .insert(cur.to_string(), (rate, as_of.to_string()))
                .is_some()
            {
                return Err(EnrichError::Invalid {
                    file: FILE,
                    line,
                    message: format!("currency `{cur}` listed twice"),
                });
            }
        }
        Ok(Self { rates })
    }

    /// Loads the embedded default table ([`CURRENCY_RATES_CSV`]).
    pub fn builtin() -> Result<Self, EnrichError> {
        Self::from_csv(CURRENCY_RATES_CSV)
    }

    /// EUR value of one unit of `currency` (ISO 4217, case-insensitive).
    pub fn eur_per_unit(&self, currency: &str) -> Option<f64> {
        self.rates
            .get(currency.trim().to_ascii_uppercase().as_str())
            .map(|(r, _)| *r)
    }

    /// `amount` in `currency` converted to EUR.
    pub fn to_eur(&self, amount: f64, currency: &str) -> Option<f64> {
        self.eur_per_unit(currency).map(|r| amount * r)
    }

    /// Date of the reference rate of `currency`.
    pub fn as_of(&self, currency: &str) -> Option<&str> {
        self.rates
            .get(currency.trim().to_ascii_uppercase().as_str())
            .map(|(_, d)| d.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sal(s: &str) -> Option<(f64, f64, Option<&'static str>, Option<&'static str>)> {
        parse_salary_text(s).map(|x| (x.min, x.max, x.currency, x.period))
    }

    fn ts(s: &str) -> Option<String> {
        parse_timestamp(s).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    // ----- html_to_text -----------------------------------------------------------------------

    #[test]
    fn html_paragraphs_lists_and_breaks() {
        let html = "<p><u>About us</u><br><br>We build data tools.<br>Remote first.</p>\n<ul style=\"\">\n<li style=\"\">Python</li>\n<li>SQL &amp; dbt</li>\n</ul>\n<p><br><br><u>Benefits</u></p>";
        assert_eq!(
            html_to_text(html),
            "About us\n\nWe build data tools.\nRemote first.\n\n- Python\n- SQL & dbt\n\nBenefits"
        );
    }

    #[test]
    fn html_headings_and_inline_tags() {
        let html = "<p>Wir bei <strong>Acme GmbH</strong> suchen dich.</p><h2>Aufgaben</h2><ul><li>Betreuung von <em>Kunden</em></li><li>Pflege</li></ul>";
        assert_eq!(
            html_to_text(html),
            "Wir bei Acme GmbH suchen dich.\n\nAufgaben\n\n- Betreuung von Kunden\n- Pflege"
        );
    }

    #[test]
    fn html_drops_script_style_comments() {
        let html = "<style>p{color:red}</style><p>Hello<!-- hidden --> world</p><script type=\"text/javascript\">var a = '<p>x</p>';</script><SCRIPT>alert(1)</SCRIPT>";
        assert_eq!(html_to_text(html), "Hello world");
    }

    #[test]
    fn html_entities_and_nbsp() {
        assert_eq!(
            html_to_text("<p>R&amp;D&nbsp;team &#x2F; 5&#x27;s &quot;best&quot; &ndash; ok</p>"),
            "R&D team / 5's \"best\" – ok"
        );
        assert_eq!(
            html_to_text("Ping &lt; 15 and download &gt; 50"),
            "Ping < 15 and download > 50"
        );
        assert_eq!(html_to_text("a\u{a0}\u{a0}b\u{202f}c"), "a b c");
    }

    #[test]
    fn html_literal_angle_brackets_are_text() {
        assert_eq!(
            html_to_text("<p>a small team (<10) of engineers, 3 <4</p>"),
            "a small team (<10) of engineers, 3 <4"
        );
        assert_eq!(html_to_text("x < y and y > z"), "x < y and y > z");
    }

    #[test]
    fn html_plain_text_keeps_line_breaks() {
        let plain = "Salary: 50k\r\n Requirements: \r\n\r\n\r\n  Clearance   Level\tSecret \r\n";
        assert_eq!(
            html_to_text(plain),
            "Salary: 50k\nRequirements:\n\nClearance Level Secret"
        );
        assert_eq!(html_to_text("  just text  "), "just text");
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_to_text("<b>bold</b>\nnext line"), "bold\nnext line");
    }

    #[test]
    fn html_raw_newlines_in_html_are_spaces() {
        assert_eq!(
            html_to_text("<div>one\ntwo</div><div>three</div>"),
            "one two\nthree"
        );
        assert_eq!(
            html_to_text("<pre>line 1\nline 2</pre><p>after</p>"),
            "line 1\nline 2\n\nafter"
        );
    }

    #[test]
    fn html_double_escaped_markup_is_stripped() {
        let html = "<pre><code>&lt;div&gt;\n  &lt;h3&gt;Description &amp;amp; Requirements&lt;/h3&gt;\n&lt;/div&gt;</code></pre><p><strong>Bonus:&nbsp;</strong>yes</p>";
        let out = html_to_text(html);
        assert!(!out.contains('<'), "{out}");
        assert!(out.contains("Description & Requirements"), "{out}");
        assert!(out.ends_with("Bonus: yes"), "{out}");
        assert_eq!(
            html_to_text("&lt;p&gt;Hello&lt;/p&gt;&lt;p&gt;World&lt;/p&gt;"),
            "Hello\n\nWorld"
        );
    }

    #[test]
    fn html_attributes_with_gt_and_quotes() {
        assert_eq!(
            html_to_text("<a href=\"x?a>b\" title='it>s'>link</a> text"),
            "link text"
        );
        assert_eq!(
            html_to_text("<span style=\"font-family: 'Arial'\">x</span>"),
            "x"
        );
        // Unclosed quote: falls back to the first '>'.
        assert_eq!(html_to_text("<p class=\"oops>Hi</p>"), "Hi");
    }

    #[test]
    fn html_unclosed_and_broken() {
        assert_eq!(html_to_text("<p>Hello <b>world"), "Hello world");
        assert_eq!(html_to_text("text <not closed"), "text <not closed");
        assert_eq!(html_to_text("<p>a</p><script>never closed"), "a");
        assert_eq!(
            html_to_text("<head><title>T</title></head><body><p>b</p></body>"),
            "b"
        );
        assert_eq!(html_to_text("<!DOCTYPE html><html><p>c</p></html>"), "c");
        assert_eq!(html_to_text("<p><![CDATA[raw & text]]></p>"), "raw & text");
    }

    #[test]
    fn html_truncated_tag_and_mojibake() {
        assert_eq!(
            html_to_text("<p>Intro</p><p style=\"border-color: #e5e7eb; --tw-shadow: 0 0"),
            "Intro"
        );
        assert_eq!(
            html_to_text(
                "<p>Bachelor\u{e2}\u{80}\u{99}s degree</p><p>\u{c2}\u{b7}\u{c2}\u{a0}\u{c2}\u{a0}Design</p>"
            ),
            "Bachelor’s degree\n\n· Design"
        );
        assert_eq!(
            html_to_text("Bachelorâ€™s in GdaÅ\u{84}sk"),
            "Bachelor’s in Gdańsk"
        );
        assert_eq!(
            fix_mojibake("Café, Ça va, À bientôt, naïve, Âge"),
            "Café, Ça va, À bientôt, naïve, Âge"
        );
        assert!(matches!(fix_mojibake("plain ascii"), Cow::Borrowed(_)));
        assert_eq!(fix_mojibake("emoji ðŸš€ ok"), "emoji 🚀 ok");
        assert_eq!(fix_mojibake("Ã©tÃ©"), "été");
        assert_eq!(fix_mojibake("Ã"), "Ã");
        assert_eq!(
            fix_mojibake("„Spaß“, L'ÉLECTRICITÉ\u{a0}: SÃO PAULO, voilà” ok"),
            "„Spaß“, L'ÉLECTRICITÉ\u{a0}: SÃO PAULO, voilà” ok"
        );
    }

    #[test]
    fn html_br_variants_and_blank_line_limit() {
        assert_eq!(html_to_text("a<br/>b<br />c<BR>d"), "a\nb\nc\nd");
        assert_eq!(html_to_text("a<br><br><br><br>b"), "a\n\nb");
        assert_eq!(html_to_text("<p>a</p><p></p><p></p><p>b</p>"), "a\n\nb");
        // Sri Lankan pages close breaks as </br>.
        assert_eq!(html_to_text("<p>one</br>two</p>"), "one\ntwo");
    }

    #[test]
    fn html_nested_lists_and_empty_items() {
        let html =
            "<ul><li>Parent<ul><li>Child</li></ul></li><li></li><li><p>Para item</p></li></ul>";
        assert_eq!(html_to_text(html), "- Parent\n  - Child\n- Para item");
        assert_eq!(
            html_to_text("<ol><li>one</li><li>two</li></ol>"),
            "- one\n- two"
        );
    }

    #[test]
    fn html_tables_and_unicode() {
        assert_eq!(
            html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
            "a b\nc"
        );
        assert_eq!(
            html_to_text("<p>🚀 Café ✪ 4.6 — ok\u{200b}</p>"),
            "🚀 Café ✪ 4.6 — ok"
        );
        assert_eq!(html_to_text("<p>وظيفة&nbsp;شاغرة</p>"), "وظيفة شاغرة");
    }

    // ----- normalize_key ----------------------------------------------------------------------

    #[test]
    fn key_basic_folding() {
        assert_eq!(normalize_key("  Data   Scientist  "), "data scientist");
        assert_eq!(normalize_key("Ingénieur Données"), "ingenieur donnees");
        assert_eq!(normalize_key("MÉDECIN URGENTISTE"), "medecin urgentiste");
        assert_eq!(normalize_key("Straße"), "strasse");
        // A decomposed accent (e + U+0308) folds like the precomposed letter.
        assert_eq!(normalize_key("Noe\u{308}sis Data"), "noesis data");
        assert_eq!(
            normalize_company("Noe\u{308}sis Data"),
            normalize_company("Noësis Data")
        );
        assert_eq!(
            normalize_key("Æther Œuvre Øresund Łódź"),
            "aether oeuvre oresund lodz"
        );
        assert_eq!(normalize_key("C++/C#, .NET & Node.js"), "c c net node js");
        assert_eq!(normalize_key("Ｆｕｌｌ－ｗｉｄｔｈ ﬁle"), "full width file");
        assert_eq!(normalize_key("!!!"), "");
        assert_eq!(normalize_key(""), "");
        assert_eq!(normalize_key("数据 工程师"), "数据 工程师");
    }

    #[test]
    fn key_gender_markers() {
        let base = "data scientist";
        for t in [
            "Data Scientist (H/F)",
            "data scientist",
            "Data Scientist H/F",
            "DATA SCIENTIST (F/H)",
            "Data Scientist (m/w/d)",
            "Data Scientist m/w/d",
            "Data Scientist (w/m/d)",
            "Data Scientist (m/f/d)",
            "Data Scientist (all genders)",
            "Data Scientist (x/f/h)",
            "Data Scientist (H/F/X)",
            "Data Scientist (m/w/div)",
            "Data Scientist (d/m/w)",
            "Data Scientist - H/F",
            "Data Scientist HF",
            "Data Scientist (M/F)",
            "Data Scientist (m/w/d)*",
            "Data Scientist (alle Geschlechter)",
            "Data Scientist (gn)",
        ] {
            assert_eq!(normalize_key(t), base, "{t}");
        }
        assert_eq!(
            normalize_key("Steuerberater (m/w/d) in Eberswalde"),
            "steuerberater in eberswalde"
        );
        assert_eq!(normalize_key("Head of R&D (m/w/d)"), "head of r d");
        assert_eq!(normalize_key("Head of R&D H/F"), "head of r d");
        // A key made only of a marker is kept.
        assert_eq!(normalize_key("H/F"), "h f");
        // Single letters that are not markers stay.
        assert_eq!(normalize_key("Vitamin C"), "vitamin c");
        assert_eq!(normalize_key("E-commerce manager"), "e commerce manager");
        // "FH" (Fachhochschule) is not a gender marker.
        assert_eq!(normalize_key("Ingenieur (FH)"), "ingenieur fh");
    }

    #[test]
    fn key_inclusive_writing() {
        assert_eq!(
            normalize_key("Assistant(e) commercial(e) & marketing hôtelier"),
            "assistant commercial marketing hotelier"
        );
        assert_eq!(
            normalize_key("Technicien(ne) de maintenance"),
            "technicien de maintenance"
        );
        assert_eq!(normalize_key("Vendeur(euse)"), "vendeur");
        assert_eq!(normalize_key("Étudiant·e en data"), "etudiant en data");
        assert_eq!(
            normalize_key("Werkstudent:in oder Praktikant:in (m/w/d)"),
            "werkstudent oder praktikant"
        );
        assert_eq!(normalize_key("Entwickler/in"), "entwickler");
        assert_eq!(normalize_key("Berater*innen"), "berater");
        assert_eq!(normalize_key("Linux/Infra"), "linux infra");
        assert_eq!(normalize_key("www.example.fr"), "www example fr");
    }

    #[test]
    fn key_masculine_feminine_doublets() {
        assert_eq!(
            normalize_key("Développeur PHP/Développeuse PHP"),
            "developpeur php"
        );
        assert_eq!(
            normalize_key("Développeuse/Développeur Java fullstack"),
            "developpeur java fullstack"
        );
        assert_eq!(
            normalize_key("Développeur / Développeuse Fullstack"),
            "developpeur fullstack"
        );
        assert_eq!(
            normalize_key("Chef de projet/Cheffe de projet informatique"),
            "chef de projet informatique"
        );
        assert_eq!(
            normalize_key("Ingénieur DevOps/Ingénieure DevOps (H/F)"),
            "ingenieur devops"
        );
        assert_eq!(
            normalize_key("Directeur des ressources humaines/Directrice des ressources humaines"),
            "directeur des ressources humaines"
        );
        assert_eq!(normalize_key("Technicien/Technicienne"), "technicien");
        assert_eq!(
            normalize_key("Consultant recrutement/Consultante recrutement"),
            "consultant recrutement"
        );
        // Slashes between different things stay separators.
        assert_eq!(
            normalize_key("Data Analyst/Data Engineer"),
            "data analyst data engineer"
        );
        assert_eq!(
            normalize_key("Data/Database engineer"),
            "data database engineer"
        );
        assert_eq!(normalize_key("CI/CD, TCP/IP"), "ci cd tcp ip");
        assert_eq!(
            normalize_key("/leading and trailing/"),
            "leading and trailing"
        );
        assert_eq!(normalize_key("a//b"), "a b");
    }

    #[test]
    fn company_keys() {
        assert_eq!(normalize_company("Acme GmbH & Co. KG"), "acme");
        assert_eq!(
            normalize_company("Amazon.com Services LLC"),
            "amazon com services"
        );
        assert_eq!(
            normalize_company("Amazon Development Center U.S., Inc."),
            "amazon development center u s"
        );
        assert_eq!(
            normalize_company("SimVentions, Inc - Glassdoor ✪ 4.6"),
            "simventions"
        );
        assert_eq!(normalize_company("Capgemini SAS"), "capgemini");
        assert_eq!(
            normalize_company("Société Générale S.A."),
            "societe generale"
        );
        assert_eq!(normalize_company("Foo S.à r.l."), "foo");
        assert_eq!(normalize_company("Bar B.V."), "bar");
        assert_eq!(
            normalize_company("Network Technologies International, Inc."),
            "network technologies international"
        );
        assert_eq!(
            normalize_company("Hubbard's Maid Service"),
            "hubbard s maid service"
        );
        assert_eq!(normalize_company("Siemens AG"), "siemens");
        assert_eq!(normalize_company("Nokia Oyj"), "nokia");
        assert_eq!(
            normalize_company("Tata Consultancy Services Pvt. Ltd."),
            "tata consultancy services"
        );
        assert_eq!(normalize_company("Capgemini Group"), "capgemini");
        // Only at the end, and never down to nothing.
        assert_eq!(normalize_company("Company Inc"), "company");
        assert_eq!(normalize_company("SA"), "sa");
        assert_eq!(normalize_company("Inc Group"), "inc");
        assert_eq!(normalize_company("Co-op Food"), "co op food");
        assert_eq!(
            normalize_company("GROUPE LR TECHNOLOGIES"),
            "groupe lr technologies"
        );
        assert_eq!(normalize_company(""), "");
    }

    // ----- parse_salary_text ------------------------------------------------------------------

    #[test]
    fn salary_france_travail_libelles() {
        assert_eq!(
            sal("Mensuel de 2500.00 Euros à 3000.00 Euros sur 12 mois"),
            Some((2500.0, 3000.0, Some("EUR"), Some("month")))
        );
        assert_eq!(
            sal("Annuel de 40000,00 Euros"),
            Some((40000.0, 40000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("Horaire de 11.88 Euros sur 151.67 heures"),
            Some((11.88, 11.88, Some("EUR"), Some("hour")))
        );
        assert_eq!(
            sal("Horaire de 11.88 Euros sur 0.0 mois"),
            Some((11.88, 11.88, Some("EUR"), Some("hour")))
        );
        assert_eq!(
            sal("Horaire de 12.0 Euros à 13.0 Euros sur 12.0 mois"),
            Some((12.0, 13.0, Some("EUR"), Some("hour")))
        );
        assert_eq!(
            sal("Annuel de 50000.0 Euros à 60000.0 Euros sur 12 mois"),
            Some((50000.0, 60000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("Mensuel de 1801.84 Euros sur 12.0 mois"),
            Some((1801.84, 1801.84, Some("EUR"), Some("month")))
        );
        assert_eq!(
            sal("Mensuel de 4000.0 Euros à 6000.0 Euros sur 13.0 mois"),
            Some((4000.0, 6000.0, Some("EUR"), Some("month")))
        );
        assert_eq!(
            sal("Annuel de 70000.0 Euros à 120000.0 Euros"),
            Some((70000.0, 120000.0, Some("EUR"), Some("year")))
        );
    }

    #[test]
    fn salary_france_travail_comments() {
        assert_eq!(
            sal("1850€ net + MAJORATIONS FERIES "),
            Some((1850.0, 1850.0, Some("EUR"), None))
        );
        assert_eq!(
            sal("60€/jour"),
            Some((60.0, 60.0, Some("EUR"), Some("day")))
        );
        assert_eq!(
            sal("1800 euros net /mensuelle"),
            Some((1800.0, 1800.0, Some("EUR"), Some("month")))
        );
        assert_eq!(
            sal("1800 € net par mois"),
            Some((1800.0, 1800.0, Some("EUR"), Some("month")))
        );
        assert_eq!(
            sal("Entre 2500 et 2900 euros brut/h"),
            Some((2500.0, 2900.0, Some("EUR"), Some("hour")))
        );
        assert_eq!(
            sal("70 000 € brut annuel"),
            Some((70000.0, 70000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("70\u{a0}000\u{a0}€ brut annuel"),
            Some((70000.0, 70000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("De 40 à 45 k€ brut annuel"),
            Some((40000.0, 45000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("45K€ + 13e mois"),
            Some((45000.0, 45000.0, Some("EUR"), None))
        );
        assert_eq!(
            sal("35\u{202f}000 - 40\u{202f}000 € par an"),
            Some((35000.0, 40000.0, Some("EUR"), Some("year")))
        );
        for none in [
            "Selon profil",
            "selon experience ",
            "A négocier",
            "CONVENTION 138M",
            "grille de salaire CCNT66",
            "Indice de la fonction publique",
            "Salaire en foncti",
            ".",
            "N/A",
            "Bac+5 requis",
        ] {
            assert_eq!(sal(none), None, "{none}");
        }
    }

    #[test]
    fn salary_remotive_and_us_boards() {
        assert_eq!(
            sal("$120k - $150k"),
            Some((120000.0, 150000.0, Some("USD"), None))
        );
        assert_eq!(
            sal("$18 - $22/hr"),
            Some((18.0, 22.0, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("$45,000 - $50,000"),
            Some((45000.0, 50000.0, Some("USD"), None))
        );
        assert_eq!(sal("$14/hr"), Some((14.0, 14.0, Some("USD"), Some("hour"))));
        assert_eq!(sal("$36k"), Some((36000.0, 36000.0, Some("USD"), None)));
        assert_eq!(
            sal("$90 - $150 /hour"),
            Some((90.0, 150.0, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("$31,2k- $52k"),
            Some((31200.0, 52000.0, Some("USD"), None))
        );
        assert_eq!(
            sal("OTE $25k - $35k"),
            Some((25000.0, 35000.0, Some("USD"), None))
        );
        assert_eq!(
            sal("$50-$75 /hour"),
            Some((50.0, 75.0, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("$20k -$35k"),
            Some((20000.0, 35000.0, Some("USD"), None))
        );
        assert_eq!(sal("$12K"), Some((12000.0, 12000.0, Some("USD"), None)));
        assert_eq!(
            sal("$140.25k - $189.75k"),
            Some((140250.0, 189750.0, Some("USD"), None))
        );
        assert_eq!(
            sal("$50 - $55 per hour"),
            Some((50.0, 55.0, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("$650 per day"),
            Some((650.0, 650.0, Some("USD"), Some("day")))
        );
        assert_eq!(
            sal("$202.27k"),
            Some((202270.0, 202270.0, Some("USD"), None))
        );
        assert_eq!(
            sal("$50 - $70/hour"),
            Some((50.0, 70.0, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("Estimated $52.4K - $66.4K a year"),
            Some((52400.0, 66400.0, Some("USD"), Some("year")))
        );
        assert_eq!(
            sal("$24.10 an hour"),
            Some((24.1, 24.1, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("From $19 an hour"),
            Some((19.0, 19.0, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("$4,000 - $12,000/month"),
            Some((4000.0, 12000.0, Some("USD"), Some("month")))
        );
        assert_eq!(
            sal("$148,200 and $239,800"),
            Some((148200.0, 239800.0, Some("USD"), None))
        );
        assert_eq!(
            sal("between $148,200 and $239,800 per year"),
            Some((148200.0, 239800.0, Some("USD"), Some("year")))
        );
        assert_eq!(
            sal("Salary: $140,250 - 189,750 per year"),
            Some((140250.0, 189750.0, Some("USD"), Some("year")))
        );
        assert_eq!(
            sal("USD 90000"),
            Some((90000.0, 90000.0, Some("USD"), None))
        );
        assert_eq!(
            sal("US$90,000"),
            Some((90000.0, 90000.0, Some("USD"), None))
        );
        assert_eq!(
            sal("CA$80,000 - CA$95,000 yearly"),
            Some((80000.0, 95000.0, Some("CAD"), Some("year")))
        );
        assert_eq!(
            sal(
                "STARTING PAY $24.31 per hour, plus an additional $2.00/hour shift premium for hours worked between 6:00PM - 6:00AM."
            ),
            Some((24.31, 24.31, Some("USD"), Some("hour")))
        );
        assert_eq!(
            sal("Up to 3 days remote, $100k"),
            Some((100000.0, 100000.0, Some("USD"), None))
        );
        assert_eq!(sal("Competitive"), None);
        assert_eq!(sal(""), None);
        assert_eq!(sal("   "), None);
    }

    #[test]
    fn salary_uk_eu_formats() {
        assert_eq!(
            sal("£450 per day"),
            Some((450.0, 450.0, Some("GBP"), Some("day")))
        );
        assert_eq!(
            sal("€60,000 - €75,000 per year"),
            Some((60000.0, 75000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("£25,000 - £30,000 per annum"),
            Some((25000.0, 30000.0, Some("GBP"), Some("year")))
        );
        assert_eq!(
            sal("£30000 - £35000/annum plus benefits"),
            Some((30000.0, 35000.0, Some("GBP"), Some("year")))
        );
        assert_eq!(
            sal("£30k pa"),
            Some((30000.0, 30000.0, Some("GBP"), Some("year")))
        );
        assert_eq!(
            sal("£12.21 - £12.71 per hour"),
            Some((12.21, 12.71, Some("GBP"), Some("hour")))
        );
        assert_eq!(
            sal("60.000 - 75.000 € p.a."),
            Some((60000.0, 75000.0, Some("EUR"), Some("year")))
        );
        assert_eq!(
            sal("mindestens 90.000€"),
            Some((90000.0, 90000.0, Some("EUR"), None))
        );
        assert_eq!(
            sal("4.500 € brutto monatlich"),
            Some((4500.0, 4500.0, Some("EUR"), Some("month")))
        );
        assert_eq!(
            sal("1.234,56 EUR"),
            Some((1234.56, 1234.56, Some("EUR"), None))
        );
        assert_eq!(
            sal("1,234.56 USD"),
            Some((1234.56, 1234.56, Some("USD"), None))
        );
        assert_eq!(
            sal("CHF 100'000 jährlich"),
            Some((100000.0, 100000.0, Some("CHF"), Some("year")))
        );
        assert_eq!(
            sal("50 € pro Stunde"),
            Some((50.0, 50.0, Some("EUR"), Some("hour")))
        );
        assert_eq!(
            sal("TJM 500€"),
            Some((500.0, 500.0, Some("EUR"), Some("day")))
        );
        assert_eq!(
            sal("₹12,00,000 per annum"),
            Some((1_200_000.0, 1_200_000.0, Some("INR"), Some("year")))
        );
        assert_eq!(
            sal("Data Engineer F/H 45k€"),
            Some((45000.0, 45000.0, Some("EUR"), None))
        );
        assert_eq!(
            sal("Steuerberater (m/w/d) - mindestens 90.000€"),
            Some((90000.0, 90000.0, Some("EUR"), None))
        );
    }

    #[test]
    fn salary_bare_numbers_and_ambiguity() {
        assert_eq!(sal("40-50K"), Some((40000.0, 50000.0, None, None)));
        assert_eq!(sal("40k-50"), Some((40000.0, 50000.0, None, None)));
        assert_eq!(sal("25-50K·14薪"), Some((25000.0, 50000.0, None, None)));
        assert_eq!(sal("45000"), Some((45000.0, 45000.0, None, None)));
        assert_eq!(sal("2000 - 2500"), Some((2000.0, 2500.0, None, None)));
        // Reversed bounds are swapped.
        assert_eq!(
            sal("$150k - $120k"),
            Some((120000.0, 150000.0, Some("USD"), None))
        );
        // Lone years and small bare numbers are not salaries.
        assert_eq!(sal("2026"), None);
        assert_eq!(sal("Publié en 2025"), None);
        assert_eq!(sal("40-50"), None);
        assert_eq!(sal("3 years experience"), None);
        assert_eq!(sal("10% bonus"), None);
        assert_eq!(sal("SMIC horaires + 10% IFM + 10 % CP"), None);
        assert_eq!(sal("01/07/2025"), None);
        // A year next to a real amount is skipped.
        assert_eq!(
            sal("Budget 2026 : 45 000 €"),
            Some((45000.0, 45000.0, Some("EUR"), None))
        );
        // 3-decimal currency: the dot is a decimal point.
        assert_eq!(sal("850.000 JOD"), Some((850.0, 850.0, Some("JOD"), None)));
        assert_eq!(sal("850.000"), Some((850000.0, 850000.0, None, None)));
        assert_eq!(
            sal("500 000 Ariary par mois"),
            Some((500000.0, 500000.0, Some("MGA"), Some("month")))
        );
        assert_eq!(sal("$0"), None);
        assert_eq!(sal("0 - 0"), None);
    }

    #[test]
    fn salary_period_helpers() {
        assert_eq!(guess_salary_period(55_000.0), Some("year"));
        assert_eq!(guess_salary_period(2_500.0), Some("month"));
        assert_eq!(guess_salary_period(450.0), Some("day"));
        assert_eq!(guess_salary_period(12.5), Some("hour"));
        assert_eq!(guess_salary_period(0.0), None);
        assert_eq!(guess_salary_period(f64::NAN), None);
        assert_eq!(annual_factor("month"), Some(12.0));
        assert_eq!(annual_factor("hour"), Some(1820.0));
        assert_eq!(annual_factor("fortnight"), None);
    }

    // ----- parse_timestamp --------------------------------------------------------------------

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

    // ----- skills -----------------------------------------------------------------------------

    fn matcher() -> SkillMatcher {
        match SkillMatcher::builtin() {
            Ok(m) => m,
            Err(e) => panic!("builtin skills.csv: {e}"),
        }
    }

    #[test]
    fn skills_basic_and_aliases() {
        let m = matcher();
        assert_eq!(
            m.find("Python, SQL and Rust; some R and Go."),
            ["Go", "Python", "R", "Rust", "SQL"]
        );
        assert_eq!(
            m.find("C++, C#, .NET, ASP.NET, Node.js and CI/CD"),
            [".NET", "C#", "C++", "CI/CD", "Node.js"]
        );
        assert_eq!(
            m.find("scikit-learn or scikit learn or sklearn"),
            ["scikit-learn"]
        );
        assert_eq!(m.find("Postgres, PostgreSQL"), ["PostgreSQL"]);
        assert_eq!(m.find("k8s / Kubernetes"), ["Kubernetes"]);
        assert_eq!(m.find("PowerBI, Power BI, power bi"), ["Power BI"]);
        assert_eq!(m.find("Py-Spark and PySpark"), ["PySpark"]);
        assert_eq!(m.find("GCP or Google Cloud Platform"), ["GCP"]);
        assert_eq!(m.find("Golang developer"), ["Go"]);
        assert_eq!(m.find("JavaScript, Java"), ["Java", "JavaScript"]);
        assert_eq!(m.find("Apache Spark, Spark SQL"), ["Apache Spark"]);
        assert_eq!(
            m.find("ML engineer with machine learning"),
            ["Machine Learning"]
        );
        assert!(m.find("").is_empty());
    }

    #[test]
    fn skills_word_boundaries() {
        let m = matcher();
        // R: not inside words, not in R&D, not R.I.P.
        assert!(m.find("Rust").iter().all(|s| s != "R"));
        assert!(m.find("R&D team").is_empty());
        assert_eq!(m.find("R/Python"), ["Python", "R"]);
        assert_eq!(m.find("Tools: R."), ["R"]);
        // Go: only as a case-sensitive word.
        assert!(m.find("Google, go, going, Go-live, GOAL").is_empty());
        assert!(m.find("Go to market strategy").is_empty());
        // C: not C-level, Series C, USB-C.
        assert!(
            m.find("C-level exec after a Series C round, USB-C")
                .is_empty()
        );
        assert!(
            m.find("respect Q/C/D, N/C, C- and VP-level, Catégorie C, permis C")
                .is_empty()
        );
        assert!(m.find("Expert en C…").is_empty());
        assert_eq!(m.find("C/C++"), ["C", "C++"]);
        // js inside next.js is not JavaScript (Next.js is its own skill).
        assert_eq!(m.find("next.js"), ["Next.js"]);
        assert!(m.find("myapp.js").is_empty());
        // Case-sensitive rows.
        assert!(m.find("excel at communication").is_empty());
        assert_eq!(m.find("Excel"), ["Excel"]);
        assert!(m.find("tableau de bord mensuel").is_empty());
        assert_eq!(m.find("Tableau, Qlik"), ["Qlik", "Tableau"]);
        assert!(m.find("ACME SAS au capital de 1000 €").is_empty());
        // German compounds with a hyphen still count.
        assert_eq!(
            m.find("Python-Kenntnisse, Java-Entwickler"),
            ["Java", "Python"]
        );
        // Underscore joins words.
        assert!(m.find("my_python_var").is_empty());
        // Accented aliases.
        assert_eq!(
            m.find("Maîtrise de la modélisation des données et IA générative"),
            ["Data Modeling", "Generative AI"]
        );
    }

    #[test]
    fn skills_dictionary_api() {
        let m = matcher();
        let all: Vec<(&str, &str)> = m.skills().collect();
        assert!(all.len() >= 150, "{}", all.len());
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(all.iter().all(|(_, f)| *f != IGNORE_FAMILY));
        assert!(all.contains(&("Python", "language")));
        assert_eq!(m.family_of("Kubernetes"), Some("devops"));
        assert_eq!(m.family_of("Series C"), None);
        assert_eq!(m.family_of("Nope"), None);
    }

    #[test]
    fn skills_csv_errors_name_the_line() {
        let dup =
            "skill,family,aliases,case_sensitive\nPython,language,,false\nPython,language,,false\n";
        let e = SkillMatcher::from_csv(dup)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 3") && e.contains("listed twice"), "{e}");
        let clash = "skill,family,aliases,case_sensitive\nA,x,foo,false\nB,x,FOO,false\n";
        let e = SkillMatcher::from_csv(clash)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 3") && e.contains("already used"), "{e}");
        let bad_bool = "skill,family,aliases,case_sensitive\nA,x,,maybe\n";
        let e = SkillMatcher::from_csv(bad_bool)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 2"), "{e}");
        let bad_fields = "skill,family,aliases,case_sensitive\nA,x\n";
        let e = SkillMatcher::from_csv(bad_fields)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("skills.csv") && e.contains("line 2"), "{e}");
        let missing = "skill,family\nA,x\n";
        let e = SkillMatcher::from_csv(missing)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("missing column"), "{e}");
        // Distinct case-sensitive spellings may belong to different skills.
        let ok = "skill,family,aliases,case_sensitive\nGo,language,,true\nGO,other,,true\n";
        assert!(SkillMatcher::from_csv(ok).is_ok());
    }

    // ----- job families -----------------------------------------------------------------------

    #[test]
    fn job_families() {
        let rules = match JobFamilyRules::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let cases = [
            ("Data Scientist (H/F)", "data_scientist"),
            ("Senior Data Scientist", "data_scientist"),
            ("Datenwissenschaftler (m/w/d)", "data_scientist"),
            ("Data Engineer", "data_engineer"),
            ("Ingénieur Données", "data_engineer"),
            ("Ingénieur Data / Big Data H/F", "data_engineer"),
            ("Big Data Engineer", "data_engineer"),
            ("Data Analyst", "data_analyst"),
            ("Senior Data Analyst", "data_analyst"),
            ("Datenanalyst (w/m/d)", "data_analyst"),
            ("Analyste de données", "data_analyst"),
            ("Machine Learning Engineer", "ml_engineer"),
            (
                "Senior Full Stack Developer (TypeScript) / Senior Machine Learning Engineer – Generative AI",
                "ml_engineer",
            ),
            ("Ingénieur IA", "ml_engineer"),
            ("MLOps Engineer", "mlops"),
            ("Analytics Engineer", "analytics_engineer"),
            ("Développeur BI / Power BI", "bi_developer"),
            ("Consultant décisionnel", "bi_developer"),
            ("Data Architect", "data_architect"),
            ("Architecte Data", "data_architect"),
            ("Research Scientist, LLM", "ai_researcher"),
            ("Statisticien(ne)", "statistician"),
            ("Biostatistician", "statistician"),
            (
                "Software Development Engineer II, EC2 Nitro",
                "software_engineer",
            ),
            (
                "Développeur Python/Développeuse Python",
                "software_engineer",
            ),
            (
                "Fullstack-Entwickler (m/w/d) mit KI-Affinität in Vollzeit",
                "software_engineer",
            ),
            (
                "Tech Lead, Android Core Product - Munich, Germany",
                "software_engineer",
            ),
            ("Ingénieur DevOps/Ingénieure DevOps", "devops_cloud"),
            ("Site Reliability Engineer", "devops_cloud"),
            ("Cloud Engineer AWS", "devops_cloud"),
            ("Product Analyst", "product_analyst"),
            ("Data Steward", "data_governance"),
            ("Chief Data Officer", "data_governance"),
            ("Business Developer", "other"),
            ("Senior Sales Engineer Data & AI Security", "other"),
            ("INFIRMIER DE (F/H)", "other"),
            ("Barista", "other"),
            ("", "other"),
        ];
        for (title, want) in cases {
            assert_eq!(rules.classify(title), want, "{title}");
        }
        assert_eq!(rules.classify_key("data engineer"), "data_engineer");
        let fams = rules.families();
        assert!(fams.contains(&"data_engineer") && fams.last() == Some(&"other"));
    }

    #[test]
    fn job_family_csv_errors() {
        let bad = "family,priority,pattern\ndata,1,(unclosed\n";
        let e = JobFamilyRules::from_csv(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("job_families.csv: line 2"), "{e}");
        let bad_prio = "family,priority,pattern\ndata,high,x\n";
        assert!(JobFamilyRules::from_csv(bad_prio).is_err());
    }

    // ----- contract types / working time ------------------------------------------------------

    #[test]
    fn contract_types() {
        let ct = match ContractTypes::builtin() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let cases = [
            ("full time, Praktikum", Some("internship")),
            ("CDI", Some("permanent")),
            ("MIS", Some("temporary")),
            ("SAI", Some("temporary")),
            ("LIB", Some("freelance")),
            ("CDD", Some("fixed_term")),
            ("FULL_TIME", None),
            ("CONTRACTOR", Some("freelance")),
            ("contract", Some("fixed_term")),
            ("permanent", Some("permanent")),
            ("Festanstellung", Some("permanent")),
            ("Werkstudent", Some("working_student")),
            ("Werkstudent:in", Some("working_student")),
            ("alternance", Some("apprenticeship")),
            ("apprentissage", Some("apprenticeship")),
            ("Ausbildung", Some("apprenticeship")),
            ("INTERN", Some("internship")),
            ("stage", Some("internship")),
            ("internship", Some("internship")),
            ("TEMPORARY", Some("temporary")),
            ("CDD - 6 Mois", Some("fixed_term")),
            ("Intérim - 3 Mois", Some("temporary")),
            ("Saisonnier - 5 Mois", Some("temporary")),
            ("Full-time permanent", Some("permanent")),
            ("Freelance, berufseinstieg", Some("freelance")),
            ("Contrat apprentissage", Some("apprenticeship")),
            ("Cont. professionnalisation", Some("apprenticeship")),
            ("CDI de chantier ou d'opération", Some("permanent")),
            ("Emploi non salarié", Some("freelance")),
            ("Franchise", Some("freelance")),
            ("Side", None),
            ("berufserfahren", None),
            ("Contrat travail", None),
            ("", None),
            ("PART_TIME|INTERN", Some("internship")),
            // Titles used as a fallback.
            ("Contract Manager", None),
            ("Senior Contract Manager, CDI", Some("permanent")),
            ("Sales Rep", None),
            ("Early Stage Startup Engineer", None),
            ("Stage Data Analyst", Some("internship")),
            ("Data Analyst (Apprentice), Paris", Some("apprenticeship")),
            ("Conseiller assurance vie", None),
        ];
        for (raw, want) in cases {
            assert_eq!(ct.classify(raw), want, "{raw}");
        }
        let bad = "raw,contract_type\ncdi,forever\n";
        let e = ContractTypes::from_csv(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn working_time_values() {
        for full in [
            "full_time",
            "FULL_TIME",
            "full time",
            "Full-time",
            "Temps plein",
            "Vollzeit",
            "Full-time permanent",
            "fulltime",
        ] {
            assert_eq!(working_time(full), Some("full_time"), "{full}");
        }
        for part in [
            "part_time",
            "PART_TIME",
            "Part-time",
            "Temps partiel",
            "Teilzeit",
            "temps partiel - 1H Travail en journée",
            "mi-temps",
        ] {
            assert_eq!(working_time(part), Some("part_time"), "{part}");
        }
        assert_eq!(working_time("Vollzeit oder Teilzeit"), Some("full_time"));
        assert_eq!(working_time("Teilzeit / Vollzeit"), Some("part_time"));
        assert_eq!(working_time("CDI"), None);
        assert_eq!(working_time(""), None);
        assert_eq!(working_time("35H/semaine\nTravail en journée"), None);
    }

    // ----- countries / départements / currencies ----------------------------------------------

    #[test]
    fn countries() {
        let c = match Countries::builtin() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let cases = [
            ("gb", Some("GB")),
            ("UK", Some("GB")),
            ("France", Some("FR")),
            ("FRANCE", Some("FR")),
            ("fr", Some("FR")),
            ("Deutschland", Some("DE")),
            ("Germany", Some("DE")),
            ("Allemagne", Some("DE")),
            ("United States", Some("US")),
            ("USA", Some("US")),
            ("U.S.", Some("US")),
            ("États-Unis", Some("US")),
            ("Etats Unis", Some("US")),
            ("Canada", Some("CA")),
            ("Côte d'Ivoire", Some("CI")),
            ("Schweiz", Some("CH")),
            ("Royaume-Uni", Some("GB")),
            ("Sri Lanka", Some("LK")),
            ("Madagascar", Some("MG")),
            ("Atlantis", None),
            ("", None),
            ("Worldwide", None),
        ];
        for (s, want) in cases {
            assert_eq!(c.resolve(s), want, "{s}");
        }
        assert_eq!(c.resolve_location("Munich, Bavaria, Germany"), Some("DE"));
        assert_eq!(c.resolve_location("Saint Louis, MO, USA"), Some("US"));
        assert_eq!(c.resolve_location("Boston, MA"), None);
        assert_eq!(c.resolve_location("Los Angeles, United States"), Some("US"));
        assert_eq!(c.resolve_location("Onsite (Antwerp, Belgium)"), Some("BE"));
        assert_eq!(c.resolve_location("DE"), Some("DE"));
        assert_eq!(c.resolve_location("Remote (EU)"), None);
        assert_eq!(c.name_of("de"), Some("Germany"));
        let dup = "iso2,name,aliases\nFR,France,\nBE,Belgium,France\n";
        let e = Countries::from_csv(dup)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn french_departments() {
        let d = match Departments::builtin() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.by_code.len(), 101);
        assert_eq!(d.region_of("75"), Some("Île-de-France"));
        assert_eq!(d.region_of("01"), Some("Auvergne-Rhône-Alpes"));
        assert_eq!(d.region_of("1"), Some("Auvergne-Rhône-Alpes"));
        assert_eq!(d.region_of("2A"), Some("Corse"));
        assert_eq!(d.region_of("2b"), Some("Corse"));
        assert_eq!(d.region_of("20"), Some("Corse"));
        assert_eq!(d.region_of("971"), Some("Guadeloupe"));
        assert_eq!(d.region_of("976"), Some("Mayotte"));
        assert_eq!(d.region_of("975"), None);
        assert_eq!(d.region_of("96"), None);
        assert_eq!(d.region_of(""), None);
        assert_eq!(d.region_of("53"), Some("Pays de la Loire"));
        assert_eq!(d.region_of("90"), Some("Bourgogne-Franche-Comté"));
        assert_eq!(d.name_of("69"), Some("Rhône"));
        // Every metropolitan code 01..95 is present.
        for n in 1..=95 {
            if n == 20 {
                continue;
            }
            assert!(d.region_of(&format!("{n:02}")).is_some(), "{n}");
        }
    }

    #[test]
    fn france_travail_labels() {
        assert_eq!(
            department_code_from_label("75 - Paris 11e Arrondissement"),
            Some("75")
        );
        assert_eq!(
            city_from_ft_label("75 - Paris 11e Arrondissement"),
            Some("Paris 11e Arrondissement")
        );
        assert_eq!(department_code_from_label("2B - AREGNO"), Some("2B"));
        assert_eq!(city_from_ft_label("2B - AREGNO"), Some("AREGNO"));
        assert_eq!(city_from_ft_label("75 - PARIS "), Some("PARIS"));
        assert_eq!(
            department_code_from_label("971 - Pointe-à-Pitre"),
            Some("971")
        );
        assert_eq!(
            city_from_ft_label("971 - Pointe-à-Pitre"),
            Some("Pointe-à-Pitre")
        );
        assert_eq!(
            department_code_from_label("08 - Bogny-sur-Meuse"),
            Some("08")
        );
        assert_eq!(city_from_ft_label("75 - Paris (Dept.)"), None);
        assert_eq!(department_code_from_label("75 - Paris (Dept.)"), Some("75"));
        assert_eq!(department_code_from_label("France"), None);
        assert_eq!(department_code_from_label("Ile-de-France"), None);
        // 99 is France Travail's "abroad", not a département.
        assert_eq!(department_code_from_label("99 - Étranger"), None);
        assert_eq!(department_code_from_label("75"), Some("75"));
        assert_eq!(city_from_ft_label("75"), None);
        assert_eq!(department_code_from_label(""), None);
        assert_eq!(
            department_code_from_postal_code("75011").as_deref(),
            Some("75")
        );
        assert_eq!(
            department_code_from_postal_code("97110").as_deref(),
            Some("971")
        );
        assert_eq!(
            department_code_from_postal_code("20000").as_deref(),
            Some("2A")
        );
        assert_eq!(
            department_code_from_postal_code("20200").as_deref(),
            Some("2B")
        );
        assert_eq!(department_code_from_postal_code("1234"), None);
    }

    #[test]
    fn currency_rates() {
        let r = match CurrencyRates::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        for c in [
            "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "INR", "SGD", "ZAR", "PLN", "SEK", "NOK",
            "DKK", "JPY", "CNY", "LKR", "JOD", "MGA",
        ] {
            assert!(r.eur_per_unit(c).is_some(), "{c}");
        }
        assert_eq!(r.to_eur(100.0, "eur"), Some(100.0));
        assert!(
            r.to_eur(100.0, "USD")
                .is_some_and(|v| v > 70.0 && v < 100.0)
        );
        assert_eq!(r.eur_per_unit("XXX"), None);
        assert!(r.as_of("USD").is_some());
        // Every currency the salary parser can return has a rate.
        for s in [
            "€1", "$1", "£1", "¥1", "₹1", "CHF 1", "1 CAD", "1 AUD", "1 NZD", "1 SGD", "1 HKD",
            "1 ZAR", "1 zł", "1 SEK", "1 NOK", "1 DKK", "1 CNY", "1 LKR", "1 JOD", "1 MGA",
            "1 BRL", "1 MXN",
        ] {
            let cur = parse_salary_text(s).and_then(|x| x.currency);
            assert!(
                cur.is_some_and(|c| r.eur_per_unit(c).is_some()),
                "{s}: {cur:?}"
            );
        }
        let bad = "currency,eur_per_unit,as_of\nUSD,-1,2025-01-01\n";
        let e = CurrencyRates::from_csv(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn embedded_tables_load() {
        assert!(SkillMatcher::from_csv(SKILLS_CSV).is_ok());
        assert!(JobFamilyRules::from_csv(JOB_FAMILIES_CSV).is_ok());
        assert!(ContractTypes::from_csv(CONTRACT_TYPES_CSV).is_ok());
        assert!(Countries::from_csv(COUNTRIES_CSV).is_ok());
        assert!(Departments::from_csv(FR_DEPARTMENTS_CSV).is_ok());
        assert!(CurrencyRates::from_csv(CURRENCY_RATES_CSV).is_ok());
    }

    // ----- whole corpus -----------------------------------------------------------------------

    /// Collects the string (or number) values of `keys` found anywhere in a JSON value.
    fn collect_fields(v: &serde_json::Value, keys: &[&str], out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, val) in map {
                    match val {
                        serde_json::Value::String(s) if keys.contains(&k.as_str()) => {
                            out.push(s.clone())
                        }
                        serde_json::Value::Number(n) if keys.contains(&k.as_str()) => {
                            out.push(n.to_string())
                        }
                        _ => collect_fields(val, keys, out),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                items.iter().for_each(|i| collect_fields(i, keys, out))
            }
            _ => {}
        }
    }

    /// Best-of-3 rows per second of `f` over `rows`.
    fn rows_per_sec(rows: &[String], f: impl Fn(&str) -> usize) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let n: usize = rows.iter().map(|r| f(r)).sum();
            std::hint::black_box(n);
            best = best.min(t.elapsed().as_secs_f64());
        }
        rows.len() as f64 / best.max(1e-9)
    }

    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in rd.flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, files);
            } else {
                files.push(p);
            }
        }
    }

    /// Runs html_to_text and SkillMatcher::find over every description of the corpus named by
    /// JOBLAKE_CORPUS (skipped when unset) and reports throughput.
    #[test]
    fn corpus_descriptions() {
        let Ok(root) = std::env::var("JOBLAKE_CORPUS") else {
            eprintln!("corpus_descriptions: JOBLAKE_CORPUS is not set, skipping");
            return;
        };
        let mut files = Vec::new();
        walk(std::path::Path::new(&root), &mut files);
        files.sort();
        const DESCRIPTION_KEYS: [&str; 7] = [
            "description",
            "contents",
            "text",
            "description_text",
            "jobDescription",
            "snippet",
            "job_description",
        ];
        const TITLE_KEYS: [&str; 5] = ["title", "position", "role", "jobTitle", "intitule"];
        const COMPANY_KEYS: [&str; 4] = [
            "company_name",
            "display_name",
            "employerName",
            "organization",
        ];
        const SALARY_KEYS: [&str; 3] = ["salary", "libelle", "commentaire"];
        const DATE_KEYS: [&str; 8] = [
            "created",
            "created_at",
            "date",
            "publication_date",
            "date_posted",
            "dateCreation",
            "updated",
            "epoch",
        ];
        let mut docs: Vec<String> = Vec::new();
        let (mut titles, mut companies, mut salaries, mut dates) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for f in &files {
            let Ok(bytes) = std::fs::read(f) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim_start_matches('\u{feff}');
            match f.extension().and_then(|e| e.to_str()) {
                Some("json") => match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(v) => {
                        collect_fields(&v, &DESCRIPTION_KEYS, &mut docs);
                        collect_fields(&v, &TITLE_KEYS, &mut titles);
                        collect_fields(&v, &COMPANY_KEYS, &mut companies);
                        collect_fields(&v, &SALARY_KEYS, &mut salaries);
                        collect_fields(&v, &DATE_KEYS, &mut dates);
                    }
                    Err(e) => eprintln!("corpus_descriptions: skipping {} ({e})", f.display()),
                },
                Some("html") => docs.push(text.to_string()),
                _ => {}
            }
        }
        assert!(!docs.is_empty(), "no descriptions found under {root}");
        let m = matcher();
        let tag = regex::Regex::new(r"(?i)</?(p|div|br|li|ul|ol|span|strong|em|b|a|h[1-6]|script|style|table|tr|td)\b[^>]*>")
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes: usize = docs.iter().map(String::len).sum();
        // Best of a few rounds (the machine is shared, single timings are noisy); one round in
        // debug builds, where the numbers mean little anyway.
        let rounds = if cfg!(debug_assertions) { 1 } else { 5 };
        let mut html_secs = f64::MAX;
        let mut texts: Vec<String> = Vec::new();
        for _ in 0..rounds {
            let t0 = std::time::Instant::now();
            texts = docs.iter().map(|d| html_to_text(d)).collect();
            html_secs = html_secs.min(t0.elapsed().as_secs_f64());
        }
        let text_bytes: usize = texts.iter().map(String::len).sum();
        let mut skill_secs = f64::MAX;
        let mut skill_hits = 0usize;
        for _ in 0..rounds {
            let t1 = std::time::Instant::now();
            skill_hits = texts.iter().map(|t| m.find(t).len()).sum();
            skill_secs = skill_secs.min(t1.elapsed().as_secs_f64());
        }
        for (doc, t) in docs.iter().zip(&texts) {
            if let Some(found) = tag.find(t) {
                // Tags may only survive when the source escaped them twice or more.
                assert!(
                    doc.contains("&amp;lt;"),
                    "tag remnant {:?} in output of a {}-byte document",
                    found.as_str(),
                    doc.len()
                );
            }
            assert!(!t.contains("\n\n\n"), "more than one blank line");
            assert_eq!(t.trim(), t.as_str(), "not trimmed");
        }
        let mb = |n: usize| n as f64 / 1_000_000.0;
        eprintln!(
            "corpus_descriptions: {} documents, {:.2} MB HTML -> {:.2} MB text; html_to_text {:.1} MB/s; SkillMatcher::find {:.1} MB/s ({} skill hits)",
            docs.len(),
            mb(bytes),
            mb(text_bytes),
            mb(bytes) / html_secs.max(1e-9),
            mb(text_bytes) / skill_secs.max(1e-9),
            skill_hits
        );
        let rules = match JobFamilyRules::builtin() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let parsed_dates = dates
            .iter()
            .filter(|d| parse_timestamp(d).is_some())
            .count();
        eprintln!(
            "corpus_descriptions: rows/s: normalize_key {:.0} ({} titles), job_family {:.0}, normalize_company {:.0} ({} names), parse_salary_text {:.0} ({} values), parse_timestamp {:.0} ({} values, {} parsed)",
            rows_per_sec(&titles, |t| normalize_key(t).len()),
            titles.len(),
            rows_per_sec(&titles, |t| rules.classify(t).len()),
            rows_per_sec(&companies, |c| normalize_company(c).len()),
            companies.len(),
            rows_per_sec(&salaries, |s| usize::from(parse_salary_text(s).is_some())),
            salaries.len(),
            rows_per_sec(&dates, |d| usize::from(parse_timestamp(d).is_some())),
            dates.len(),
            parsed_dates
        );
        assert!(
            parsed_dates * 10 >= dates.len() * 9,
            "most corpus dates parse"
        );
    }
}
