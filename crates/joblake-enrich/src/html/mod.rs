//! HTML (or plain text) to readable plain text, and the repair of mojibake (UTF-8 decoded as
//! Latin-1/Windows-1252 upstream). A single forward tag scanner, no DOM.

mod entities;
mod mojibake;

use std::collections::HashSet;

use entities::decode_entities;
pub use mojibake::fix_mojibake;

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

/// Nesting of lists beyond which items are not indented further.
const MAX_LIST_DEPTH: usize = 8;

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

/// Invisible characters that only get in the way of text processing (zero-width space, byte
/// order mark, soft hyphen, word joiner): dropped.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}' | '\u{2060}')
}

/// The length of the character at byte `i` of `s` when it is visible (printed as it is by
/// [`TextSink::push_char`]), else `None`.
#[inline]
fn visible_at(s: &str, i: usize) -> Option<usize> {
    let &byte = s.as_bytes().get(i)?;
    if byte < 0x80 {
        return (0x21..=0x7E).contains(&byte).then_some(1);
    }
    let c = s.get(i..)?.chars().next()?;
    let invisible = c.is_whitespace() || c.is_control() || is_zero_width(c);
    (!invisible).then(|| c.len_utf8())
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
            // Fast path: copy a run of visible characters in one go, with the single spaces
            // between them (what `push_char` would give: the space owed before each).
            let start = i;
            loop {
                if let Some(n) = visible_at(s, i) {
                    i += n;
                } else if i > start && b.get(i) == Some(&b' ') && visible_at(s, i + 1).is_some() {
                    i += 1;
                } else {
                    break;
                }
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
            // Indentation stops at MAX_LIST_DEPTH: a thousand nested lists must not give each
            // item a thousand indents (output quadratic in the input; found by tests/fuzz.rs).
            for _ in 1..depth.clamp(1, MAX_LIST_DEPTH) {
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
            c if is_zero_width(c) => {}
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
    for lt in memchr::memchr_iter(b'<', b) {
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
    }
    false
}

/// True when `s` contains something that parses as a tag or comment.
fn has_tag_like(s: &str) -> bool {
    let b = s.as_bytes();
    let mut scan = Scan::new(b);
    memchr::memchr_iter(b'<', b).any(|lt| parse_tag(b, lt, &mut scan).is_some())
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
    memchr::memmem::find(&hay[from..], needle).map(|p| p + from)
}

fn find_byte(hay: &[u8], from: usize, c: u8) -> Option<usize> {
    memchr::memchr(c, hay.get(from..)?).map(|p| p + from)
}

/// What a scan of one text has learnt, so that no part of it is scanned again and again: the
/// whole conversion stays linear in the input. (Found by tests/fuzz.rs: `<head>` repeated
/// without its closing tag, `<!` or `<zz a='>'` repeated without a `>` that ends them, each
/// rescanned the rest of the text: quadratic time.)
struct Scan {
    /// Position of the text's last `>`: no tag, comment or declaration starting after it ends.
    last_gt: Option<usize>,
    /// `<` positions that a tag scan which found no end walked over outside quotes: a tag
    /// starting there finds no end either (the scan from there goes the same way).
    endless: HashSet<usize>,
    /// `<` positions that a tag scan which met a quote never closed walked over outside
    /// quotes: a tag starting there meets it too, and ends at the first `>` after its name.
    unquoted: HashSet<usize>,
    /// The last first-`>`-after lookup: (from, found). A lookup from between the two finds the
    /// same `>` without scanning again.
    next_gt: Option<(usize, usize)>,
    /// Names of skipped elements (`head`, `title`...) whose closing tag does not occur after a
    /// position.
    unclosed: Vec<(Vec<u8>, usize)>,
}

impl Scan {
    fn new(b: &[u8]) -> Scan {
        Scan {
            last_gt: memchr::memrchr(b'>', b),
            endless: HashSet::new(),
            unquoted: HashSet::new(),
            next_gt: None,
            unclosed: Vec::new(),
        }
    }

    /// The first `>` at or after `from`.
    fn gt_after(&mut self, b: &[u8], from: usize) -> Option<usize> {
        if let Some((after, gt)) = self.next_gt
            && (after..=gt).contains(&from)
        {
            return Some(gt);
        }
        let gt = find_byte(b, from, b'>')?;
        self.next_gt = Some((from, gt));
        Some(gt)
    }

    /// Whether a `>` occurs at or after `i`.
    fn gt_from(&self, i: usize) -> bool {
        self.last_gt.is_some_and(|gt| gt >= i)
    }

    /// [`find_closing`], remembering the names whose closing tag is missing.
    fn closing(&mut self, b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
        let known_missing = self
            .unclosed
            .iter()
            .any(|(n, after)| *after <= from && n.eq_ignore_ascii_case(name));
        if known_missing {
            return None;
        }
        let found = find_closing(b, from, name);
        if found.is_none() {
            self.unclosed.push((name.to_ascii_lowercase(), from));
        }
        found
    }
}

/// Parses the markup starting at `b[lt] == b'<'`. Returns the markup and the index just after
/// it, or `None` when this `<` is literal text (e.g. `a < b`, `<10 people`).
fn parse_tag(b: &[u8], lt: usize, scan: &mut Scan) -> Option<(Markup, usize)> {
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
            } else if scan.gt_from(lt + 2) {
                let gt = find_byte(b, lt + 2, b'>')?;
                Some((Markup::Ignored, gt + 1))
            } else {
                None
            }
        }
        b'?' if scan.gt_from(lt + 2) => {
            let gt = find_byte(b, lt + 2, b'>')?;
            Some((Markup::Ignored, gt + 1))
        }
        b'?' => None,
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
            let end = if !scan.gt_from(i) || scan.endless.contains(&lt) {
                None
            } else if scan.unquoted.contains(&lt) {
                scan.gt_after(b, i)
            } else {
                scan_tag_end(b, i, scan)
            };
            let Some(gt) = end else {
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
/// values. Falls back to the first `>` when a quote is never closed. The `<` walked over
/// outside quotes are remembered: in `scan.endless` when there is no end, in `scan.unquoted`
/// when a quote is never closed (a text of `<zz a='>'` repeated, then one `<a href="`, was
/// scanned again from each `<`: quadratic, found by tests/fuzz.rs).
fn scan_tag_end(b: &[u8], mut i: usize, scan: &mut Scan) -> Option<usize> {
    let start = i;
    let mut walked = Vec::new();
    while i < b.len() {
        match b[i] {
            b'>' => return Some(i),
            b'<' => {
                walked.push(i);
                i += 1;
            }
            b'=' => {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if let Some(&q) = b.get(i).filter(|&&q| q == b'"' || q == b'\'') {
                    match find_byte(b, i + 1, q) {
                        Some(close) => i = close + 1,
                        None => {
                            scan.unquoted.extend(walked);
                            return scan.gt_after(b, start);
                        }
                    }
                }
            }
            _ => i += 1,
        }
    }
    scan.endless.extend(walked);
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
    let mut scan = Scan::new(b);
    let mut pos = 0;
    let mut text_start = 0;
    while let Some(lt) = find_byte(b, pos, b'<') {
        let Some((markup, end)) = parse_tag(b, lt, &mut scan) else {
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
                        next = match scan.closing(b, end, name) {
                            Some(close) => {
                                parse_tag(b, close, &mut scan).map_or(b.len(), |(_, e)| e)
                            }
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
    let decoded = decode_entities(seg);
    if depth == 0 && has_tag_like(&decoded) {
        // Escaped HTML inside the document: strip it too (one level only).
        let inner_html = html_mode || looks_like_html(&decoded);
        render(&decoded, inner_html, depth + 1, st, sink);
    } else {
        sink.push_text(&decoded, keep_newlines);
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

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

    #[test]
    fn runs_of_visible_text_keep_single_spaces_only() {
        // Accented and non-Latin letters stay in a run; no-break spaces, tabs, double spaces,
        // zero-width and control characters end it and collapse to one space or nothing.
        assert_eq!(
            html_to_text("<p>Café  crème\u{a0}à\tLyon\u{200B}x\u{7}y — 東京 ok</p>"),
            "Café crème à Lyonxy — 東京 ok"
        );
        assert_eq!(
            html_to_text("<li> a b </li><li>c\u{2028}d</li>"),
            "- a b\n- c d"
        );
    }

    /// `html_to_text(html)`, which must take less than 2 s (a debug build; linear work on these
    /// inputs takes milliseconds, the quadratic scans they once triggered took minutes).
    fn quick(html: &str) -> String {
        let started = std::time::Instant::now();
        let text = html_to_text(html);
        let took = started.elapsed();
        assert!(took.as_secs() < 2, "{took:?} for {} bytes", html.len());
        text
    }

    #[test]
    fn unterminated_markup_repeated_is_not_rescanned() {
        // Found by tests/fuzz.rs: each of these rescanned the rest of the text.
        // A skipped element without its closing tag (29 KB took 3.7 s in a debug build).
        assert_eq!(quick(&format!("a{}b", "<head>".repeat(40_000))), "ab");
        // Declarations and processing instructions without a `>`: literal text.
        let bangs = "<!x".repeat(40_000);
        assert_eq!(quick(&bangs), bangs);
        assert_eq!(quick(&"<?".repeat(40_000)), "<?".repeat(40_000));
        // Tags whose `>` are all inside quoted values: unknown ones are literal text.
        let quoted = "<zz a='>'".repeat(20_000);
        assert_eq!(quick(&quoted).len(), quoted.len());
        // ...and the same text with a real end still reads as tags.
        assert_eq!(quick("<zz a='>'<zz a='>'>x"), "x");
        assert_eq!(
            quick(&format!("<p title='>'{}>x", "<zz a='>'".repeat(20_000))),
            "x"
        );
        // A known tag cut short by truncation drops the rest, as before.
        assert_eq!(
            quick(&format!("x<p a='>'{}", "<p a='>'".repeat(20_000))),
            "x"
        );
        // Quotes that a last, truncated tag never closes: each tag before it ends at the
        // first `>` after its name (the `>` in its quotes), as it did for a short text.
        let short = html_to_text("<p><zz a='>'<zz a='>'<zz a='>'<a href=\"");
        assert_eq!(short, "'''");
        let long = quick(&format!("<p>{}<a href=\"", "<zz a='>'".repeat(20_000)));
        assert_eq!(long, "'".repeat(20_000));
    }

    #[test]
    fn deeply_nested_lists_indent_at_most_a_few_levels() {
        // Found by tests/fuzz.rs: each item was indented once per enclosing list, so n nested
        // lists of n items gave n² bytes.
        let n = 20_000;
        let html = format!("{}{}", "<ul>".repeat(n), "<li>x".repeat(n));
        let text = quick(&html);
        assert!(text.len() <= 20 * n, "{} bytes", text.len());
        let indent = "  ".repeat(MAX_LIST_DEPTH - 1);
        assert_eq!(text.lines().next(), Some(format!("{indent}- x").as_str()));
        assert_eq!(
            html_to_text("<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li></ul>"),
            "- a\n  - b\n    - c"
        );
    }
}
