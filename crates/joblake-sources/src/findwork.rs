//! findwork.dev: `GET /api/jobs/` responses.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use crate::http::HttpError;
use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"count": N, "next": url|null, "previous": url|null, "results": [job, ...]}`; a job's id
/// is `id` (a short string) and its URL `url`.
pub(super) static FINDWORK: ApiShape = ApiShape {
    name: "findwork",
    expected: "a findwork.dev jobs response (an object with a `results` array) or an array of \
               findwork.dev jobs",
    envelope: Some("results"),
    posting: "a findwork.dev job (an object with `id` and `role`)",
    required: &["id", "role"],
    url: &["url"],
    skip_notices: false,
};

/// Where the key comes from.
const KEY_VARIABLE: &str = "FINDWORK_API_KEY";

/// `[sources.<name>]` keys of a findwork.dev source. The key comes from `FINDWORK_API_KEY`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FindworkConfig {
    base_url: String,
    /// Free-text search (`search`).
    search: Option<String>,
    /// A place (`location`), e.g. "London".
    location: Option<String>,
    /// Only remote jobs (`true`) or only on-site ones (`false`); unset: both.
    remote: Option<bool>,
    /// Pages of 100 jobs.
    max_pages: usize,
}

impl Default for FindworkConfig {
    fn default() -> Self {
        FindworkConfig {
            base_url: "https://findwork.dev".to_string(),
            search: Some("data".to_string()),
            location: None,
            remote: None,
            max_pages: 5,
        }
    }
}

struct Findwork {
    config: FindworkConfig,
    name: String,
    key: String,
}

pub(super) fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    let config: FindworkConfig = super::settings(entry)?;
    Ok(Box::new(Findwork {
        key: secrets.get(
            KEY_VARIABLE,
            "a free key at https://findwork.dev/developers/",
        )?,
        name: entry.name.clone(),
        config,
    }))
}

/// Just enough of a page to paginate and to stop at the window.
#[derive(Deserialize)]
struct Page {
    next: Option<String>,
    #[serde(default)]
    results: Vec<Job>,
}

#[derive(Deserialize)]
struct Job {
    date_posted: Option<String>,
}

impl Findwork {
    fn page_url(&self, page: u64) -> Result<Url, FetchError> {
        let c = &self.config;
        let mut url = super::endpoint(&self.name, &c.base_url, "api/jobs/")?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(search) = &c.search {
                q.append_pair("search", search);
            }
            if let Some(place) = &c.location {
                q.append_pair("location", place);
            }
            if let Some(remote) = c.remote {
                q.append_pair("remote", if remote { "true" } else { "false" });
            }
            q.append_pair("page", &page.to_string());
        }
        Ok(url)
    }
}

/// The page a `next` link asks for: its `page` parameter, else the one after `current`.
/// Only the number is taken from the link: the request is rebuilt on `base_url`, so that the
/// token is never sent to a host the link names.
fn next_page(next: &str, current: u64) -> u64 {
    Url::parse(next)
        .ok()
        .and_then(|url| {
            url.query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
        })
        .filter(|page| *page > current)
        .unwrap_or(current + 1)
}

#[async_trait]
impl Source for Findwork {
    /// Page 1, then the page each `next` link names, until `next` is null, `max_pages`, or a
    /// page whose jobs are all older than the window (the API lists the newest first). The
    /// key travels in the `Authorization: Token …` header, never in a URL.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let max_pages = run.max_pages(self.config.max_pages);
        let since = run.since();
        let token = format!("Token {}", self.key);
        let mut page = 1;
        for request in 0..max_pages {
            if run.cancelled() {
                break;
            }
            let url = self.page_url(page)?;
            let result = run
                .send(&url, |c| {
                    c.get(url.clone())
                        .header("authorization", token.as_str())
                        .header("accept", "application/json")
                })
                .await;
            let fetched = match result {
                Ok(f) => f,
                Err(
                    e @ HttpError::Status {
                        status: 401 | 403, ..
                    },
                ) => {
                    return Err(FetchError::Protocol(format!("{e}: check {KEY_VARIABLE}")));
                }
                Err(e) if request == 0 => return Err(e.into()),
                Err(e) => {
                    run.page_failed(&url, &e);
                    break; // without the page, its `next` is unknown
                }
            };
            run.land_page(&url, &fetched.body).await?;
            let Ok(body) = serde_json::from_slice::<Page>(super::strip_bom(&fetched.body)) else {
                break; // refused by the parser too: already recorded
            };
            let older = |job: &Job| {
                let posted = job.date_posted.as_deref().and_then(|d| {
                    DateTime::parse_from_rfc3339(d)
                        .ok()
                        .map(|t| t.with_timezone(&Utc))
                });
                matches!((posted, since), (Some(t), Some(s)) if t < s)
            };
            let Some(next) = body.next.as_deref() else {
                break;
            };
            if body.results.is_empty() || body.results.iter().all(older) {
                break;
            }
            page = next_page(next, page);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::SourceParser;
    use super::*;

    #[test]
    fn splits_a_page_with_string_ids() {
        let file = r#"{"count": 2, "next": null, "previous": null, "results": [
            {"id": "Mmj7PWX", "role": "Data Engineer", "company_name": "Acme",
             "location": "https://acme.test/", "remote": true, "employment_type": null,
             "url": "https://x.test/Mmj7PWX", "date_posted": "2025-07-11T13:34:49Z",
             "keywords": ["python"]},
            {"id": "b2", "role": "Analyst", "url": "https://x.test/b2"}
        ]}"#;
        let postings = FINDWORK.split(file.as_bytes()).unwrap();
        let ids: Vec<_> = postings.iter().map(|p| p.source_id.as_str()).collect();
        assert_eq!(ids, ["Mmj7PWX", "b2"]);
        assert_eq!(postings[0].url.as_deref(), Some("https://x.test/Mmj7PWX"));
    }

    #[test]
    fn refuses_an_adzuna_response_and_an_arbeitnow_job() {
        let err = FINDWORK
            .split(br#"{"count":1,"results":[{"id":"1","redirect_url":"u"}]}"#)
            .unwrap_err();
        assert!(err.to_string().contains("(no `role`)"), "{err}");
        let err = FINDWORK
            .split(br#"[{"slug":"a","company_name":"A","url":"u"}]"#)
            .unwrap_err();
        assert!(
            err.to_string().starts_with("expected a findwork.dev job"),
            "{err}"
        );
    }

    #[test]
    fn the_next_link_gives_only_a_page_number() {
        assert_eq!(next_page("https://findwork.dev/api/jobs/?page=2", 1), 2);
        assert_eq!(
            next_page("https://elsewhere.test/api/jobs/?search=x&page=7", 6),
            7
        );
        // Unreadable, without a page, or going backwards: the next page.
        assert_eq!(next_page("not a url", 3), 4);
        assert_eq!(next_page("https://findwork.dev/api/jobs/?cursor=abc", 3), 4);
        assert_eq!(next_page("https://findwork.dev/api/jobs/?page=1", 3), 4);
    }

    #[test]
    fn the_page_url_carries_the_filters_but_no_key() {
        let findwork = Findwork {
            config: FindworkConfig {
                base_url: "https://findwork.test".to_string(),
                location: Some("London".to_string()),
                remote: Some(true),
                ..FindworkConfig::default()
            },
            name: "findwork".to_string(),
            key: "t0ken".to_string(),
        };
        assert_eq!(
            findwork.page_url(3).unwrap().as_str(),
            "https://findwork.test/api/jobs/?search=data&location=London&remote=true&page=3"
        );
    }
}
