//! Arbeitnow: `GET /api/job-board-api` responses.

use async_trait::async_trait;
use serde::Deserialize;

use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"data": [job, ...], "links": {..}, "meta": {..}}`; a job has no numeric id: its id is its
/// `slug` (e.g. "backend-developer-berlin-12345"), and its URL `url`.
pub(super) static ARBEITNOW: ApiShape = ApiShape {
    name: "arbeitnow",
    expected: "an Arbeitnow job-board-api response (an object with a `data` array) or an array \
               of Arbeitnow jobs",
    envelope: Some("data"),
    posting: "an Arbeitnow job (an object with `slug` and `company_name`)",
    required: &["slug", "company_name"],
    url: &["url"],
    skip_notices: false,
};

/// `[sources.<name>]` keys of an Arbeitnow source (no key needed).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ArbeitnowConfig {
    base_url: String,
    /// Only jobs offering visa sponsorship.
    visa_sponsorship: bool,
    /// Pages of 100 jobs.
    max_pages: usize,
}

impl Default for ArbeitnowConfig {
    fn default() -> Self {
        ArbeitnowConfig {
            base_url: "https://www.arbeitnow.com".to_string(),
            visa_sponsorship: false,
            max_pages: 10,
        }
    }
}

struct Arbeitnow {
    config: ArbeitnowConfig,
    name: String,
}

pub(super) fn build(
    entry: &SourceEntry,
    _secrets: &Secrets,
) -> Result<Box<dyn Source>, FetchError> {
    Ok(Box::new(Arbeitnow {
        config: super::settings(entry)?,
        name: entry.name.clone(),
    }))
}

/// Just enough of a page to paginate and to stop at the window.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<Job>,
    links: Option<Links>,
}

#[derive(Deserialize)]
struct Job {
    created_at: Option<i64>,
}

#[derive(Deserialize)]
struct Links {
    next: Option<String>,
}

#[async_trait]
impl Source for Arbeitnow {
    /// Pages are numbered and newest first: follow them while `links.next` says there is
    /// more, and stop at the first page whose jobs are all older than the window.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let c = &self.config;
        let since = run.since().map(|t| t.timestamp());
        let max_pages = run.max_pages(c.max_pages);
        for page in 1..=max_pages {
            if run.cancelled() {
                break;
            }
            let mut url = super::endpoint(&self.name, &c.base_url, "api/job-board-api")?;
            url.query_pairs_mut().append_pair("page", &page.to_string());
            if c.visa_sponsorship {
                url.query_pairs_mut()
                    .append_pair("visa_sponsorship", "true");
            }
            let fetched = match run.get(&url).await {
                Ok(f) => f,
                Err(e) if page == 1 => return Err(e.into()),
                Err(e) => {
                    run.page_failed(&url, &e);
                    continue;
                }
            };
            run.land_page(&url, &fetched.body).await?;
            let Ok(body) = serde_json::from_slice::<Page>(super::strip_bom(&fetched.body)) else {
                break;
            };
            let older = |job: &Job| matches!((job.created_at, since), (Some(t), Some(s)) if t < s);
            let has_next = body.links.and_then(|l| l.next).is_some();
            if body.data.is_empty() || !has_next || body.data.iter().all(older) {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::SourceParser;
    use super::ARBEITNOW;

    #[test]
    fn the_slug_is_the_id() {
        let file = r#"{"data": [{"slug": "dev-berlin-1", "company_name": "A GmbH",
            "url": "https://x.test/dev-berlin-1", "created_at": 1700000000}],
            "links": {}, "meta": {}}"#;
        let postings = ARBEITNOW.split(file.as_bytes()).unwrap();
        assert_eq!(postings[0].source_id, "dev-berlin-1");
        assert_eq!(
            postings[0].url.as_deref(),
            Some("https://x.test/dev-berlin-1")
        );
    }

    #[test]
    fn refuses_a_job_without_slug() {
        let err = ARBEITNOW
            .split(br#"{"data":[{"company_name":"A","url":"u"}]}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("(no `slug`) at element 0 of `data`"),
            "{err}"
        );
    }
}
