//! Jooble: `POST /api/{key}` responses.

use async_trait::async_trait;
use serde::Deserialize;
use url::Url;

use crate::http::HttpError;
use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"totalCount": N, "jobs": [job, ...]}`; a job's id is `id` (a number, often negative,
/// taken as its exact text) and its URL `link`.
pub(super) static JOOBLE: ApiShape = ApiShape {
    name: "jooble",
    expected: "a Jooble search response (an object with a `jobs` array) or an array of Jooble \
               jobs",
    envelope: Some("jobs"),
    posting: "a Jooble job (an object with `id` and `link`)",
    required: &["id", "link"],
    url: &["link"],
    skip_notices: false,
};

/// Where the key comes from.
const KEY_VARIABLE: &str = "JOOBLE_API_KEY";

/// `[sources.<name>]` keys of a Jooble source. The key comes from `JOOBLE_API_KEY`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JoobleConfig {
    /// The API's host; a country's own host (`https://fr.jooble.org`) searches that country.
    base_url: String,
    /// Keywords (`keywords`).
    keywords: String,
    /// A place (`location`), e.g. "London" or "Remote".
    location: Option<String>,
    /// Requests per search (Jooble's free keys allow few requests in all: keep it small).
    max_pages: usize,
}

impl Default for JoobleConfig {
    fn default() -> Self {
        JoobleConfig {
            base_url: "https://jooble.org".to_string(),
            keywords: "data".to_string(),
            location: None,
            max_pages: 3,
        }
    }
}

struct Jooble {
    config: JoobleConfig,
    name: String,
    key: String,
}

pub(super) fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    let config: JoobleConfig = super::settings(entry)?;
    Ok(Box::new(Jooble {
        key: secrets.get(KEY_VARIABLE, "a key from https://jooble.org/api/about")?,
        name: entry.name.clone(),
        config,
    }))
}

/// Just enough of a search page to paginate.
#[derive(Deserialize)]
struct SearchPage {
    #[serde(rename = "totalCount")]
    total_count: Option<u64>,
    #[serde(default)]
    jobs: Vec<serde::de::IgnoredAny>,
}

impl Jooble {
    /// The endpoint with the key as its last path segment (the request's URL), and the same
    /// with `***` in its place: the URL every message, report, rate limit and bronze envelope
    /// sees. The key is in the path, where the query-parameter redaction cannot find it.
    fn endpoints(&self) -> Result<(Url, Url), FetchError> {
        let base = super::endpoint(&self.name, &self.config.base_url, "api")?;
        let with = |segment: &str| {
            let mut url = base.clone();
            url.path_segments_mut()
                .map_err(|()| {
                    FetchError::Config(format!(
                        "sources.{}: `{}` cannot have a path",
                        self.name, self.config.base_url
                    ))
                })?
                .pop_if_empty()
                .push(segment);
            Ok::<Url, FetchError>(url)
        };
        Ok((with(&self.key)?, with("***")?))
    }

    /// The JSON body of a search for page `page` (numbered from 1).
    fn body(&self, page: usize) -> Vec<u8> {
        let c = &self.config;
        let mut body = serde_json::json!({
            "keywords": c.keywords,
            "page": page.to_string(),
        });
        if let Some(place) = &c.location {
            body["location"] = place.as_str().into();
        }
        body.to_string().into_bytes()
    }
}

#[async_trait]
impl Source for Jooble {
    /// Pages 1, 2, … as POST bodies until a page is empty, `totalCount` jobs came back, or
    /// `max_pages`. Only `shown` (key replaced by `***`) reaches messages and bronze.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let (url, shown) = self.endpoints()?;
        let max_pages = run.max_pages(self.config.max_pages);
        let mut received = 0u64;
        for page in 1..=max_pages {
            if run.cancelled() {
                break;
            }
            let body = self.body(page);
            let result = run
                .send(&shown, |c| {
                    c.post(url.clone())
                        .header("content-type", "application/json")
                        .header("accept", "application/json")
                        .body(body.clone())
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
                Err(e) if page == 1 => return Err(e.into()),
                Err(e) => {
                    run.page_failed(&shown, &format!("page {page}: {e}"));
                    continue;
                }
            };
            run.land_page(&shown, &fetched.body).await?;
            let Ok(response) =
                serde_json::from_slice::<SearchPage>(super::strip_bom(&fetched.body))
            else {
                break; // refused by the parser too: already recorded
            };
            received += response.jobs.len() as u64;
            let reached = response.total_count.is_none_or(|total| received >= total);
            if response.jobs.is_empty() || reached {
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

    fn jooble(base_url: &str, key: &str) -> Jooble {
        Jooble {
            config: JoobleConfig {
                base_url: base_url.to_string(),
                location: Some("Paris".to_string()),
                ..JoobleConfig::default()
            },
            name: "jooble".to_string(),
            key: key.to_string(),
        }
    }

    #[test]
    fn a_negative_number_id_keeps_its_text() {
        let file = r#"{"totalCount": 2, "jobs": [
            {"title": "Data Engineer", "location": "Key West, FL", "salary": "$140k",
             "type": "Full-time", "link": "https://x.test/desc/-8199415145248694944",
             "updated": "2025-06-30T13:19:20.1670000", "id": -8199415145248694944},
            {"title": "Analyst", "link": "https://x.test/desc/7", "id": 7}
        ]}"#;
        let postings = JOOBLE.split(file.as_bytes()).unwrap();
        let ids: Vec<_> = postings.iter().map(|p| p.source_id.as_str()).collect();
        assert_eq!(ids, ["-8199415145248694944", "7"]);
        assert_eq!(postings[1].url.as_deref(), Some("https://x.test/desc/7"));
    }

    #[test]
    fn refuses_a_remotive_response_which_also_has_jobs() {
        let err = JOOBLE
            .split(
                br#"{"job-count":1,"jobs":[{"id":1,"url":"u","candidate_required_location":"x"}]}"#,
            )
            .unwrap_err();
        assert!(err.to_string().contains("(no `link`)"), "{err}");
    }

    #[test]
    fn the_key_is_in_the_request_path_only() {
        let (url, shown) = jooble("https://jooble.test/", "k3y/with?odd#chars")
            .endpoints()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://jooble.test/api/k3y%2Fwith%3Fodd%23chars"
        );
        assert_eq!(shown.as_str(), "https://jooble.test/api/***");
        let (url, _) = jooble("https://fr.jooble.test", "abc").endpoints().unwrap();
        assert_eq!(url.as_str(), "https://fr.jooble.test/api/abc");
    }

    #[test]
    fn the_body_names_the_page_as_jooble_documents_it() {
        let body: serde_json::Value =
            serde_json::from_slice(&jooble("https://j.test", "k").body(2)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"keywords": "data", "location": "Paris", "page": "2"})
        );
    }
}
