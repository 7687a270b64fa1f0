//! schema.org `JobPosting` in JSON-LD, as a scraper extracts it from job pages.
//!
//! Takes either an HTML page, whose `<script type="application/ld+json">` blocks are read, or
//! JSON (a JobPosting object, an array of them, or NDJSON of them). JobPostings are found at the
//! top level of a block, in a top-level array, or in a `@graph` array; other objects are skipped.

use std::collections::HashSet;

use std::cell::RefCell;

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use serde_json::value::RawValue;

use crate::json::{
    MAX_JSON_DEPTH, array, clip, documents, hash_id, id_text, json_too_deep, minify, object,
    string, string_at, text,
};
use crate::{RawPosting, SourceError, SourceParser};

/// The JSON-LD parser. A posting's id is `identifier.value`, else `identifier` when a string,
/// else `url`, else a hash of the payload; its URL is `url`.
pub(super) struct JsonLd;

const EXPECTED: &str = "an HTML page with schema.org JobPosting JSON-LD, or JobPosting JSON";

impl SourceParser for JsonLd {
    fn name(&self) -> &'static str {
        "jsonld"
    }

    fn split(&self, bytes: &[u8]) -> Result<Vec<RawPosting>, SourceError> {
        let text = text(bytes, EXPECTED)?;
        let mut found = Found::default();
        if matches!(text.trim_ascii_start().bytes().next(), Some(b'{' | b'[')) {
            for doc in documents(text)? {
                found.block(doc.raw);
            }
            found.finish("the JSON")
        } else {
            let bodies = json_ld_blocks(text);
            let blocks = bodies.len();
            for body in &bodies {
                let block = unwrap_block(body);
                if json_too_deep(block.as_bytes()).is_some() {
                    found.too_deep += 1;
                    continue;
                }
                match serde_json::from_str::<&RawValue>(block) {
                    Ok(raw) => found.block(raw),
                    // One broken block must not hide the JobPosting of another.
                    Err(_) => found.invalid += 1,
                }
            }
            match blocks {
                0 => Err(SourceError::NoJobPosting(
                    "the page has no application/ld+json script block".to_owned(),
                )),
                1 => found.finish("the page has 1 application/ld+json block"),
                n => found.finish(&format!("the page has {n} application/ld+json blocks")),
            }
        }
    }
}

/// The text of every `<script type="application/ld+json">` of a page, in order.
///
/// Only the tokenizer runs, not the tree builder: building the tree scans the stack of open
/// elements at each tag, so a page of n nested `<div>`s took quadratic time (20,000 of them:
/// 3.9 s, 40,000: 13 s). Elements whose content is text (script, style, textarea, ...) switch
/// the tokenizer's state as the tree builder would, so a `<script>` inside one is not read.
fn json_ld_blocks(page: &str) -> Vec<String> {
    let input = BufferQueue::default();
    input.push_back(page.into());
    let tokenizer = Tokenizer::new(Blocks::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.blocks.into_inner()
}

/// Collects JSON-LD script blocks from the tokens of a page.
#[derive(Default)]
struct Blocks {
    /// The text of the JSON-LD script being read, if inside one.
    current: RefCell<Option<String>>,
    blocks: RefCell<Vec<String>>,
}

impl TokenSink for Blocks {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
                if &*tag.name == "script" && is_json_ld(&tag) {
                    *self.current.borrow_mut() = Some(String::new());
                }
                return text_content(&tag.name);
            }
            Token::TagToken(tag) if &*tag.name == "script" => {
                if let Some(body) = self.current.borrow_mut().take() {
                    self.blocks.borrow_mut().push(body);
                }
            }
            Token::CharacterTokens(text) => {
                if let Some(body) = self.current.borrow_mut().as_mut() {
                    body.push_str(&text);
                }
            }
            Token::EOFToken => {
                // A script left open runs to the end of the page, as in a browser.
                if let Some(body) = self.current.borrow_mut().take() {
                    self.blocks.borrow_mut().push(body);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The tokenizer state after a start tag: the elements whose content the HTML parser reads as
/// text (with scripting enabled, like scraper's parser).
fn text_content(name: &str) -> TokenSinkResult<()> {
    match name {
        "script" => TokenSinkResult::RawData(RawKind::ScriptData),
        "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
            TokenSinkResult::RawData(RawKind::Rawtext)
        }
        "plaintext" => TokenSinkResult::Plaintext,
        _ => TokenSinkResult::Continue,
    }
}

/// Whether a start tag is a `<script type="application/ld+json">`.
fn is_json_ld(tag: &Tag) -> bool {
    tag.attrs.iter().any(|a| {
        &*a.name.local == "type" && a.value.trim().eq_ignore_ascii_case("application/ld+json")
    })
}

/// The JSON inside a script block, without the HTML comment or CDATA markers that some sites
/// still wrap it in.
fn unwrap_block(body: &str) -> &str {
    const WRAPPERS: [(&str, &str); 4] = [
        ("/*<![CDATA[*/", "/*]]>*/"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
        ("<!--", "-->"),
    ];
    let mut json = body.trim_ascii();
    loop {
        let before = json;
        for (open, close) in WRAPPERS {
            json = json.strip_prefix(open).unwrap_or(json).trim_ascii();
            json = json.strip_suffix(close).unwrap_or(json).trim_ascii();
        }
        if json == before {
            return json;
        }
    }
}

/// What the blocks held: the JobPostings, and the rest for the refusal message.
#[derive(Default)]
struct Found {
    postings: Vec<RawPosting>,
    /// The @types of the other top-level objects, each once, in order of appearance.
    types: Vec<String>,
    /// The same, as a set.
    seen_types: HashSet<String>,
    /// Top-level objects without @type.
    untyped: usize,
    /// Blocks that are not valid JSON.
    invalid: usize,
    /// Blocks nested more than [`MAX_JSON_DEPTH`] levels deep (not read).
    too_deep: usize,
}

impl Found {
    /// Collects the JobPostings of one JSON-LD block (or JSON document).
    fn block(&mut self, raw: &RawValue) {
        match array(raw) {
            Some(items) => items.into_iter().for_each(|item| self.node(item)),
            None => self.node(raw),
        }
    }

    /// Keeps a JobPosting, looks into a `@graph`, notes the @types of anything else.
    fn node(&mut self, raw: &RawValue) {
        let Some(members) = object(raw) else { return };
        let types: Vec<String> = members.get("@type").map_or_else(Vec::new, |kind| {
            array(kind)
                .unwrap_or_else(|| vec![*kind])
                .into_iter()
                .filter_map(string)
                .collect()
        });
        if types.iter().any(|kind| is_job_posting(kind)) {
            let payload = minify(raw.get());
            let id = members
                .get("identifier")
                .and_then(|identifier| match object(identifier) {
                    Some(value) => value.get("value").copied().and_then(id_text),
                    None => id_text(identifier),
                })
                .or_else(|| string_at(&members, &["url"]))
                .unwrap_or_else(|| hash_id(&payload));
            self.postings.push(RawPosting {
                source_id: id,
                url: string_at(&members, &["url"]),
                payload,
            });
        } else if let Some(graph) = members.get("@graph").and_then(|graph| array(graph)) {
            graph.into_iter().for_each(|item| self.node(item));
        } else if types.is_empty() {
            self.untyped += 1;
        }
        for kind in types {
            // A set, not a search of the list: 100,000 distinct @types stay linear.
            if self.seen_types.insert(kind.clone()) {
                self.types.push(kind);
            }
        }
    }

    /// The JobPostings found, or a refusal that says what `source` held instead.
    fn finish(self, source: &str) -> Result<Vec<RawPosting>, SourceError> {
        if !self.postings.is_empty() {
            return Ok(self.postings);
        }
        let mut held = Vec::new();
        if !self.types.is_empty() {
            // Quoted from the input: 12 at most, each cut to 60 characters.
            const SHOWN: usize = 12;
            let mut shown: Vec<String> = (self.types.iter().take(SHOWN))
                .map(|kind| clip(kind, 60).into_owned())
                .collect();
            if self.types.len() > SHOWN {
                shown.push(format!("… {} more", self.types.len() - SHOWN));
            }
            held.push(format!("@types [{}]", shown.join(", ")));
        }
        match self.untyped {
            0 => {}
            1 => held.push("1 object without @type".to_owned()),
            n => held.push(format!("{n} objects without @type")),
        }
        match self.invalid {
            0 => {}
            1 => held.push("1 block that is not valid JSON".to_owned()),
            n => held.push(format!("{n} blocks that are not valid JSON")),
        }
        match self.too_deep {
            0 => {}
            1 => held.push(format!(
                "1 block nested more than {MAX_JSON_DEPTH} levels deep"
            )),
            n => held.push(format!(
                "{n} blocks nested more than {MAX_JSON_DEPTH} levels deep"
            )),
        }
        if held.is_empty() {
            held.push("no JSON-LD object".to_owned());
        }
        Err(SourceError::NoJobPosting(format!(
            "{source}, with {}",
            held.join(", ")
        )))
    }
}

/// Whether an @type names schema.org's JobPosting, bare, prefixed or as a full IRI.
fn is_job_posting(kind: &str) -> bool {
    matches!(
        kind,
        "JobPosting"
            | "schema:JobPosting"
            | "http://schema.org/JobPosting"
            | "https://schema.org/JobPosting"
    )
}

#[cfg(test)]
mod tests {
    use super::super::{SourceParser, hash_id};
    use super::JsonLd;

    fn page(blocks: &[&str]) -> String {
        let scripts: String = (blocks.iter())
            .map(|block| format!("<script type=\"application/ld+json\">{block}</script>\n"))
            .collect();
        format!("<!DOCTYPE html><html><head><title>t</title>{scripts}</head><body></body></html>")
    }

    #[test]
    fn extracts_job_postings_verbatim_from_a_page() {
        let html = page(&[
            "\n  {\"@type\": \"Organization\", \"name\": \"A\"}\n",
            "\n\t{\n\t\"@context\": \"http://schema.org/\",\n\t\"@type\": \"JobPosting\",\n\t\
             \"title\": \"Dev \",\n\t\"description\": \"a </br> M&amp;E\",\n\t\
             \"identifier\": {\"@type\": \"PropertyValue\", \"value\": \"R-123\"}\n\t}\n",
        ]);
        let postings = JsonLd.split(html.as_bytes()).unwrap();
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].source_id, "R-123");
        assert_eq!(postings[0].url, None);
        // The block's text, entities and all, minified.
        assert_eq!(
            postings[0].payload,
            r#"{"@context":"http://schema.org/","@type":"JobPosting","title":"Dev ","description":"a </br> M&amp;E","identifier":{"@type":"PropertyValue","value":"R-123"}}"#
        );
    }

    #[test]
    fn finds_postings_in_graphs_arrays_and_wrapped_blocks() {
        let html = page(&[
            r#"{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"},
                {"@type": ["JobPosting"], "url": "https://x.test/1"}]}"#,
            r#"[{"@type": "JobPosting", "identifier": "J-2"}, {"@type": "Place"}]"#,
            "<!-- {\"@type\": \"JobPosting\", \"identifier\": {\"value\": 3}} -->",
            "//<![CDATA[\n{\"@type\": \"schema:JobPosting\", \"identifier\": \"J-4\"}\n//]]>",
            "{\"@type\": \"JobPosting\", broken",
        ]);
        let postings = JsonLd.split(html.as_bytes()).unwrap();
        let ids: Vec<_> = postings.iter().map(|p| p.source_id.as_str()).collect();
        assert_eq!(ids, ["https://x.test/1", "J-2", "3", "J-4"]);
        assert_eq!(postings[0].url.as_deref(), Some("https://x.test/1"));
    }

    #[test]
    fn without_identifier_or_url_the_id_is_a_hash_of_the_payload() {
        let json = "{ \"@type\": \"JobPosting\", \"title\": \"Dev\" }";
        let postings = JsonLd.split(json.as_bytes()).unwrap();
        let payload = r#"{"@type":"JobPosting","title":"Dev"}"#;
        assert_eq!(postings[0].payload, payload);
        assert_eq!(postings[0].source_id, hash_id(payload));
    }

    #[test]
    fn a_blank_url_is_no_id_and_no_url() {
        let postings = JsonLd
            .split(br#"[{"@type":"JobPosting","url":" "}]"#)
            .unwrap();
        assert!(postings[0].source_id.starts_with("sha256:"), "{postings:?}");
        assert_eq!(postings[0].url, None);
    }

    #[test]
    fn reads_json_arrays_and_ndjson_of_postings() {
        let array = r#"[{"@type":"JobPosting","url":"u1"},{"@type":"JobPosting","url":"u2"}]"#;
        assert_eq!(JsonLd.split(array.as_bytes()).unwrap().len(), 2);
        let ndjson = "\u{feff}{\"@type\":\"JobPosting\",\"url\":\"u1\"}\n\n\
                      {\"@type\":\"JobPosting\",\"url\":\"u2\"}\n";
        assert_eq!(JsonLd.split(ndjson.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn reads_blocks_under_deep_nesting_but_not_inside_text_elements() {
        let block = r#"{"@type":"JobPosting","identifier":"deep","title":"t"}"#;
        let deep = format!(
            "<html><body>{}<script type=\"application/ld+json\">{block}</script></body></html>",
            "<div>".repeat(50_000)
        );
        let postings = JsonLd
            .split(deep.as_bytes())
            .expect("the block under 50,000 divs");
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].source_id, "deep");

        let quoted = format!(
            "<html><body><textarea><script type=\"application/ld+json\">{block}</script>\
             </textarea><noscript><script type=\"application/ld+json\">{block}</script>\
             </noscript></body></html>"
        );
        let err = JsonLd
            .split(quoted.as_bytes())
            .expect_err("text, not scripts");
        assert!(err.to_string().contains("no application/ld+json"), "{err}");
    }

    #[test]
    fn refuses_pages_without_job_postings_naming_what_they_hold() {
        let html = page(&[
            r#"{"@type": "WebSite"}"#,
            r#"{"@type": "BreadcrumbList", "itemListElement": [{"@type": "ListItem"}]}"#,
            r#"{"@context": "https://example.test/context"}"#,
            "{nope",
        ]);
        let err = JsonLd.split(html.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no schema.org JobPosting found: the page has 4 application/ld+json blocks, with \
             @types [WebSite, BreadcrumbList], 1 object without @type, 1 block that is not \
             valid JSON"
        );
        let err = JsonLd.split(b"<html><body>jobs</body></html>").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no schema.org JobPosting found: the page has no application/ld+json script block"
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = JsonLd
            .split(page(&[&deep, "{nope"]).as_bytes())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no schema.org JobPosting found: the page has 2 application/ld+json blocks, with \
             1 block that is not valid JSON, 1 block nested more than 128 levels deep"
        );
        // Found by tests/fuzz.rs: every @type was quoted, whole (a refusal of megabytes), and
        // each was looked up in a list (quadratic).
        let types: Vec<String> = (0..50_000)
            .map(|i| format!(r#"{{"@type": "T{i}{}"}}"#, "x".repeat(100)))
            .collect();
        let started = std::time::Instant::now();
        let err = JsonLd
            .split(format!("[{}]", types.join(",")).as_bytes())
            .unwrap_err()
            .to_string();
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert!(err.len() < 1_000, "{} bytes", err.len());
        assert!(
            err.starts_with(&format!(
                "no schema.org JobPosting found: the JSON, with @types [T0{}…, T1",
                "x".repeat(58)
            )),
            "{err}"
        );
        assert!(err.ends_with(", … 49988 more]"), "{err}");
        let err = JsonLd.split(br#"[{"id": 1}]"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no schema.org JobPosting found: the JSON, with 1 object without @type"
        );
    }
}
