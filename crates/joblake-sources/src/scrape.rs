//! Scraped job boards: list pages → detail pages, following pagination.
//!
//! A detail page's postings are its schema.org `JobPosting` JSON-LD blocks, which most boards
//! embed for search engines; they land under the `jsonld` parser. When a page has none, the
//! CSS selectors declared for the site (if any) build a JobPosting-shaped object from the
//! page. A page that matches neither is reported as a layout mismatch and lands nothing, so a
//! redesigned site shows up in the run report instead of as empty records.

use std::collections::HashSet;

use async_trait::async_trait;
use futures::StreamExt;
use scraper::{ElementRef, Html, Selector};
use serde::Deserialize;
use url::Url;

use crate::http::RequestPolicy;
use crate::{
    FetchError, RawPosting, Secrets, Source, SourceEntry, SourceError, SourceParser, SourceRun,
};

/// `[sources.<name>]` keys of a scraped board (`kind = "scrape"`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScrapeConfig {
    /// First list pages.
    start_urls: Vec<String>,
    /// On a list page, the links to detail pages (`href` is followed).
    link_selector: String,
    /// On a list page, the link to the next list page.
    next_selector: Option<String>,
    /// List pages per start URL.
    #[serde(default = "default_max_pages")]
    max_pages: usize,
    /// Detail pages per run.
    #[serde(default = "default_max_details")]
    max_details: usize,
    /// Detail pages fetched at once (the host's rate limit still applies).
    #[serde(default = "default_concurrency")]
    concurrency: usize,
    /// Rotate the User-Agent through `[http] user_agents`.
    #[serde(default)]
    rotate_user_agent: bool,
    /// Fallback when a detail page has no JSON-LD JobPosting.
    selectors: Option<SelectorConfig>,
}

fn default_max_pages() -> usize {
    5
}
fn default_max_details() -> usize {
    500
}
fn default_concurrency() -> usize {
    4
}

/// CSS selectors of a detail page's fields. `selector@attr` takes an attribute instead of the
/// text; `description` keeps the element's inner HTML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectorConfig {
    title: String,
    company: Option<String>,
    location: Option<String>,
    description: Option<String>,
    salary: Option<String>,
    date_posted: Option<String>,
    employment_type: Option<String>,
}

/// A compiled `selector[@attr]`.
struct Field {
    text: String,
    selector: Selector,
    attribute: Option<String>,
}

impl Field {
    fn parse(source: &str, key: &str, text: &str) -> Result<Field, FetchError> {
        let (css, attribute) = match text.rsplit_once('@') {
            Some((css, attr))
                if !attr.is_empty()
                    && attr
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                (css, Some(attr.to_string()))
            }
            _ => (text, None),
        };
        let selector = Selector::parse(css).map_err(|e| {
            FetchError::Config(format!(
                "sources.{source}: {key}: `{css}` is not a CSS selector: {e}"
            ))
        })?;
        Ok(Field {
            text: text.to_string(),
            selector,
            attribute,
        })
    }

    /// The first match's attribute, or its text with whitespace collapsed; None when empty.
    fn value(&self, page: &Html) -> Option<String> {
        let element = page.select(&self.selector).next()?;
        let value = match &self.attribute {
            Some(attr) => element.value().attr(attr)?.trim().to_string(),
            None => collapse(element),
        };
        (!value.is_empty()).then_some(value)
    }

    /// The first match's inner HTML.
    fn html(&self, page: &Html) -> Option<String> {
        let html = page.select(&self.selector).next()?.inner_html();
        (!html.trim().is_empty()).then_some(html)
    }
}

fn collapse(element: ElementRef<'_>) -> String {
    element
        .text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

struct Fields {
    title: Field,
    company: Option<Field>,
    location: Option<Field>,
    description: Option<Field>,
    salary: Option<Field>,
    date_posted: Option<Field>,
    employment_type: Option<Field>,
}

struct Scraper {
    name: String,
    start_urls: Vec<Url>,
    links: Selector,
    link_text: String,
    next: Option<Selector>,
    max_pages: usize,
    max_details: usize,
    concurrency: usize,
    rotate_user_agent: bool,
    fields: Option<Fields>,
}

pub(super) fn build(
    entry: &SourceEntry,
    _secrets: &Secrets,
) -> Result<Box<dyn Source>, FetchError> {
    let c: ScrapeConfig = super::settings(entry)?;
    let name = &entry.name;
    let css = |key: &str, text: &str| {
        Selector::parse(text).map_err(|e| {
            FetchError::Config(format!(
                "sources.{name}: {key}: `{text}` is not a CSS selector: {e}"
            ))
        })
    };
    let field = |key: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| Field::parse(name, key, t))
            .transpose()
    };
    let fields = match &c.selectors {
        None => None,
        Some(s) => Some(Fields {
            title: Field::parse(name, "selectors.title", &s.title)?,
            company: field("selectors.company", &s.company)?,
            location: field("selectors.location", &s.location)?,
            description: field("selectors.description", &s.description)?,
            salary: field("selectors.salary", &s.salary)?,
            date_posted: field("selectors.date_posted", &s.date_posted)?,
            employment_type: field("selectors.employment_type", &s.employment_type)?,
        }),
    };
    let start_urls = c
        .start_urls
        .iter()
        .map(|u| {
            Url::parse(u)
                .map_err(|e| FetchError::Config(format!("sources.{name}: start_urls: `{u}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if start_urls.is_empty() {
        return Err(FetchError::Config(format!(
            "sources.{name}: start_urls is empty"
        )));
    }
    Ok(Box::new(Scraper {
        name: name.clone(),
        start_urls,
        links: css("link_selector", &c.link_selector)?,
        link_text: c.link_selector.clone(),
        next: c
            .next_selector
            .as_deref()
            .map(|n| css("next_selector", n))
            .transpose()?,
        max_pages: c.max_pages,
        max_details: c.max_details,
        concurrency: c.concurrency.max(1),
        rotate_user_agent: c.rotate_user_agent,
        fields,
    }))
}

/// `href` of every element `selector` matches, resolved against the page's URL, http(s)
/// only, fragments dropped.
fn hrefs(page: &Html, selector: &Selector, base: &Url) -> Vec<Url> {
    page.select(selector)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|mut u| {
            u.set_fragment(None);
            u
        })
        .collect()
}

impl Scraper {
    /// Walks the list pages from each start URL and returns the detail pages to fetch.
    async fn list(&self, run: &mut SourceRun<'_>) -> Result<Vec<Url>, FetchError> {
        let mut details = Vec::new();
        let mut queued = HashSet::new();
        let mut any_list_page = false;
        let mut last_error = None;
        let max_pages = run.max_pages(self.max_pages);
        for start in &self.start_urls {
            let mut url = start.clone();
            let mut visited = HashSet::new();
            for _ in 0..max_pages {
                if run.cancelled() || !visited.insert(url.clone()) {
                    break;
                }
                let fetched = match run.get(&url).await {
                    Ok(f) => f,
                    Err(e) => {
                        run.page_failed(&url, &e);
                        last_error = Some(e);
                        break;
                    }
                };
                any_list_page = true;
                run.list_page_fetched();
                let text = String::from_utf8_lossy(&fetched.body);
                let (links, next) = {
                    let page = Html::parse_document(&text);
                    let links = hrefs(&page, &self.links, &fetched.url);
                    let next = self
                        .next
                        .as_ref()
                        .and_then(|n| hrefs(&page, n, &fetched.url).into_iter().next());
                    (links, next)
                };
                if links.is_empty() {
                    run.layout_mismatch(
                        &url,
                        &format!(
                            "list page: link_selector `{}` matched no link",
                            self.link_text
                        ),
                    );
                    break;
                }
                for link in links {
                    if !run.already_fetched(&link) && queued.insert(link.clone()) {
                        details.push(link);
                    }
                }
                match next {
                    Some(n) => url = n,
                    None => break,
                }
            }
        }
        match last_error {
            // Not one list page could be read: the source failed.
            Some(e) if !any_list_page => Err(e.into()),
            _ => {
                details.truncate(self.max_details);
                Ok(details)
            }
        }
    }

    /// Lands the postings of one detail page: its JSON-LD, else its selectors, else nothing
    /// and a layout mismatch.
    async fn extract(
        &self,
        run: &mut SourceRun<'_>,
        url: &Url,
        body: &[u8],
    ) -> Result<(), FetchError> {
        match self.postings(url, body) {
            Ok(postings) => {
                run.land_postings(url, postings).await?;
            }
            Err(mismatch) => run.layout_mismatch(url, &mismatch),
        }
        Ok(())
    }

    /// The postings of a detail page, or why it matches neither JSON-LD nor the selectors.
    /// (Synchronous: a parsed page cannot be held across an await.)
    fn postings(&self, url: &Url, body: &[u8]) -> Result<Vec<RawPosting>, String> {
        let why = match super::jsonld::JsonLd.split(body) {
            Ok(postings) => return Ok(postings),
            Err(SourceError::NoJobPosting(why)) => why,
            Err(e) => e.to_string(),
        };
        let Some(fields) = &self.fields else {
            return Err(format!(
                "no schema.org JobPosting ({why}) and no selectors configured"
            ));
        };
        let page = Html::parse_document(&String::from_utf8_lossy(body));
        let Some(title) = fields.title.value(&page) else {
            return Err(format!(
                "no schema.org JobPosting, and selectors.title `{}` matched nothing",
                fields.title.text
            ));
        };
        let text = |f: &Option<Field>| f.as_ref().and_then(|f| f.value(&page));
        let posting = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "url": url.as_str(),
            "title": title,
            "hiringOrganization": text(&fields.company)
                .map(|name| serde_json::json!({"@type": "Organization", "name": name})),
            "jobLocation": text(&fields.location).map(|place| serde_json::json!({
                "@type": "Place",
                "address": {"@type": "PostalAddress", "addressLocality": place}
            })),
            "description": fields.description.as_ref().and_then(|f| f.html(&page)),
            "datePosted": text(&fields.date_posted),
            "employmentType": text(&fields.employment_type),
            // Not schema.org: the salary as the page writes it, parsed in silver.
            "joblakeSalaryText": text(&fields.salary),
            "joblakeExtractedBy": "css-selectors",
        });
        Ok(vec![RawPosting {
            source_id: url.as_str().to_string(),
            url: Some(url.as_str().to_string()),
            payload: posting.to_string(),
        }])
    }
}

#[async_trait]
impl Source for Scraper {
    fn policy(&self) -> RequestPolicy {
        RequestPolicy {
            robots: true,
            rotate_user_agent: self.rotate_user_agent,
        }
    }

    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let details = self.list(run).await?;
        tracing::info!("{}: {} detail pages to fetch", self.name, details.len());
        let http = run.http();
        let mut pages = futures::stream::iter(details)
            .map(|url| {
                let http = http.clone();
                async move {
                    let fetched = http.get(&url).await;
                    (url, fetched)
                }
            })
            .buffer_unordered(self.concurrency);
        while let Some((url, fetched)) = pages.next().await {
            match fetched {
                Ok(f) => self.extract(run, &url, &f.body).await?,
                Err(e) => run.request_failed(&url, &e),
            }
        }
        Ok(())
    }
}
