//! The Muse: `GET /api/public/jobs?page=N` responses.

use async_trait::async_trait;
use serde::Deserialize;

use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"page": N, "page_count": M, "items_per_page": 20, "total": T, "results": [job, ...],
/// "aggregations": {..}}`; a job's id is `id` (a number) and its URL `refs.landing_page`.
pub(super) static THEMUSE: ApiShape = ApiShape {
    name: "themuse",
    expected: "a The Muse jobs response (an object with a `results` array) or an array of \
               The Muse jobs",
    envelope: Some("results"),
    posting: "a The Muse job (an object with `id` and `refs`)",
    required: &["id", "refs"],
    url: &["refs", "landing_page"],
    skip_notices: false,
};

/// The variable of the optional key: without it The Muse allows fewer requests an hour.
const KEY_VARIABLE: &str = "THEMUSE_API_KEY";

/// `[sources.<name>]` keys of a The Muse source (no key needed; `THEMUSE_API_KEY`, when set,
/// is sent as `api_key` and raises the hourly rate limit).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TheMuseConfig {
    base_url: String,
    /// Job categories (`category`, one parameter each), e.g. "Data and Analytics",
    /// "Software Engineering".
    categories: Vec<String>,
    /// Experience levels (`level`): "Entry Level", "Mid Level", "Senior Level",
    /// "Management", "Internship".
    levels: Vec<String>,
    /// Places (`location`), e.g. "New York, NY", "London, United Kingdom",
    /// "Flexible / Remote".
    locations: Vec<String>,
    /// Pages of 20 jobs.
    max_pages: usize,
}

impl Default for TheMuseConfig {
    fn default() -> Self {
        TheMuseConfig {
            base_url: "https://www.themuse.com".to_string(),
            categories: vec!["Data and Analytics".to_string()],
            levels: Vec::new(),
            locations: Vec::new(),
            max_pages: 5,
        }
    }
}

struct TheMuse {
    config: TheMuseConfig,
    name: String,
    api_key: Option<String>,
}

pub(super) fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    Ok(Box::new(TheMuse {
        config: super::settings(entry)?,
        name: entry.name.clone(),
        api_key: secrets.optional(KEY_VARIABLE),
    }))
}

/// Just enough of a page to paginate.
#[derive(Deserialize)]
struct Page {
    page_count: Option<u64>,
    #[serde(default)]
    results: Vec<serde::de::IgnoredAny>,
}

impl TheMuse {
    /// The URL of page `page` (numbered from 0). The key travels as `api_key`, a parameter
    /// every message redacts.
    fn page_url(&self, page: usize) -> Result<url::Url, FetchError> {
        let c = &self.config;
        let mut url = super::endpoint(&self.name, &c.base_url, "api/public/jobs")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("page", &page.to_string());
            for category in &c.categories {
                q.append_pair("category", category);
            }
            for level in &c.levels {
                q.append_pair("level", level);
            }
            for location in &c.locations {
                q.append_pair("location", location);
            }
            if let Some(key) = &self.api_key {
                q.append_pair("api_key", key);
            }
        }
        Ok(url)
    }
}

#[async_trait]
impl Source for TheMuse {
    /// Pages 0, 1, … until a page is empty, the response's `page_count` is reached, or
    /// `max_pages`. The API has no date filter: postings seen before are skipped by their
    /// digest.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let max_pages = run.max_pages(self.config.max_pages);
        for page in 0..max_pages {
            if run.cancelled() {
                break;
            }
            let url = self.page_url(page)?;
            let fetched = match run.get(&url).await {
                Ok(f) => f,
                Err(e) if page == 0 => return Err(e.into()),
                Err(e) => {
                    // A later page lost: record it, the next one may work.
                    run.page_failed(&url, &e);
                    continue;
                }
            };
            run.land_page(&url, &fetched.body).await?;
            let Ok(body) = serde_json::from_slice::<Page>(super::strip_bom(&fetched.body)) else {
                break; // refused by the parser too: already recorded
            };
            let last = body.page_count.is_none_or(|count| page as u64 + 1 >= count);
            if body.results.is_empty() || last {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::SourceParser;
    use super::*;

    const PAGE: &str = r#"{"page": 0, "page_count": 1, "results": [
        {"contents": "<p>SQL</p>", "name": "Data Analyst", "id": 101,
         "locations": [{"name": "Austin, TX"}], "refs": {"landing_page": "https://x.test/101"},
         "company": {"id": 7, "name": "Acme"}, "publication_date": "2026-11-02T10:00:00Z"},
        {"name": "Analytics Engineer", "id": 102, "refs": {}, "locations": []}
    ], "aggregations": {}}"#;

    #[test]
    fn splits_a_page_taking_the_url_from_refs() {
        let postings = THEMUSE.split(PAGE.as_bytes()).unwrap();
        let ids: Vec<_> = postings.iter().map(|p| p.source_id.as_str()).collect();
        assert_eq!(ids, ["101", "102"]);
        assert_eq!(postings[0].url.as_deref(), Some("https://x.test/101"));
        assert_eq!(postings[1].url, None);
        assert!(
            postings[0]
                .payload
                .starts_with(r#"{"contents":"<p>SQL</p>","name":"#)
        );
    }

    #[test]
    fn refuses_an_adzuna_or_findwork_response_which_also_has_results() {
        for other in [
            r#"{"count":1,"results":[{"id":"1","redirect_url":"u"}]}"#,
            r#"{"count":1,"next":null,"results":[{"id":"Ab1","role":"Dev","url":"u"}]}"#,
        ] {
            let err = THEMUSE.split(other.as_bytes()).unwrap_err();
            assert!(err.to_string().contains("(no `refs`)"), "{err}");
        }
    }

    #[test]
    fn pages_are_numbered_from_zero_with_repeated_filters_and_the_key_redacted() {
        let entry = SourceEntry {
            name: "muse".to_string(),
            kind: "themuse".to_string(),
            enabled: true,
            requests_per_second: None,
            max_pages: None,
            settings: serde_json::json!({
                "base_url": "https://muse.test/",
                "categories": ["Data and Analytics", "Data Science"],
                "levels": ["Mid Level"],
                "locations": ["Flexible / Remote"],
            }),
        };
        let keyed = Secrets::with([(KEY_VARIABLE.to_string(), "s3cr3t".to_string())]);
        let muse = TheMuse {
            config: super::super::settings(&entry).unwrap(),
            name: entry.name.clone(),
            api_key: keyed.optional(KEY_VARIABLE),
        };
        let url = muse.page_url(0).unwrap();
        assert_eq!(
            url.as_str(),
            "https://muse.test/api/public/jobs?page=0&category=Data+and+Analytics&\
             category=Data+Science&level=Mid+Level&location=Flexible+%2F+Remote&api_key=s3cr3t"
        );
        assert!(!crate::http::redact(&url).contains("s3cr3t"));
    }
}
