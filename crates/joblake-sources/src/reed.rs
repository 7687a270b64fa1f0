//! Reed.co.uk: `GET /api/1.0/search` responses.

use async_trait::async_trait;
use serde::Deserialize;

use crate::http::HttpError;
use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"results": [job, ...], "ambiguousLocations": [...], "totalResults": N}`; a job's id is
/// `jobId` (a number) and its URL `jobUrl`.
pub(super) static REED: ApiShape = ApiShape {
    name: "reed",
    expected: "a Reed search response (an object with a `results` array) or an array of Reed \
               jobs",
    envelope: Some("results"),
    posting: "a Reed job (an object with `jobId` and `jobUrl`)",
    required: &["jobId", "jobUrl"],
    url: &["jobUrl"],
    skip_notices: false,
};

/// Where the key comes from.
const KEY_VARIABLE: &str = "REED_API_KEY";

/// Reed serves at most this many jobs a request.
const MAX_TAKE: u32 = 100;

/// `[sources.<name>]` keys of a Reed source. The key comes from `REED_API_KEY`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ReedConfig {
    base_url: String,
    /// Keywords (`keywords`).
    keywords: String,
    /// A place (`locationName`), e.g. "London" or a postcode.
    location_name: Option<String>,
    /// Miles around `location_name` (`distanceFromLocation`; Reed's default is 10).
    distance_from_location: Option<u32>,
    /// Jobs a request (`resultsToTake`, at most 100).
    results_to_take: u32,
    /// Requests per search.
    max_pages: usize,
}

impl Default for ReedConfig {
    fn default() -> Self {
        ReedConfig {
            base_url: "https://www.reed.co.uk".to_string(),
            keywords: "data".to_string(),
            location_name: None,
            distance_from_location: None,
            results_to_take: MAX_TAKE,
            max_pages: 10,
        }
    }
}

struct Reed {
    config: ReedConfig,
    name: String,
    key: String,
}

pub(super) fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    let config: ReedConfig = super::settings(entry)?;
    Ok(Box::new(Reed {
        key: secrets.get(
            KEY_VARIABLE,
            "a free key at https://www.reed.co.uk/developers/jobseeker",
        )?,
        name: entry.name.clone(),
        config,
    }))
}

/// Just enough of a search page to paginate.
#[derive(Deserialize)]
struct SearchPage {
    #[serde(rename = "totalResults")]
    total_results: Option<u64>,
    #[serde(default)]
    results: Vec<serde::de::IgnoredAny>,
}

impl Reed {
    fn search_url(&self, take: u32, skip: u64) -> Result<url::Url, FetchError> {
        let c = &self.config;
        let mut url = super::endpoint(&self.name, &c.base_url, "api/1.0/search")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("keywords", &c.keywords);
            if let Some(place) = &c.location_name {
                q.append_pair("locationName", place);
            }
            if let Some(miles) = c.distance_from_location {
                q.append_pair("distanceFromLocation", &miles.to_string());
            }
            q.append_pair("resultsToTake", &take.to_string())
                .append_pair("resultsToSkip", &skip.to_string());
        }
        Ok(url)
    }
}

#[async_trait]
impl Source for Reed {
    /// `resultsToSkip` = 0, 100, 200, … until a page is empty or short, `totalResults` is
    /// reached, or `max_pages`. The key is the user name of HTTP Basic authentication, with an
    /// empty password; it never appears in a URL. The API has no date filter: postings seen
    /// before are skipped by their digest.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let take = self.config.results_to_take.clamp(1, MAX_TAKE);
        let max_pages = run.max_pages(self.config.max_pages);
        for page in 0..max_pages {
            if run.cancelled() {
                break;
            }
            let skip = u64::from(take) * page as u64;
            let url = self.search_url(take, skip)?;
            let result = run
                .send(&url, |c| {
                    c.get(url.clone())
                        .basic_auth(&self.key, Some(""))
                        .header("accept", "application/json")
                })
                .await;
            let fetched = match result {
                Ok(f) => f,
                Err(e @ HttpError::Status { status: 401, .. }) => {
                    return Err(FetchError::Protocol(format!("{e}: check {KEY_VARIABLE}")));
                }
                Err(e) if page == 0 => return Err(e.into()),
                Err(e) => {
                    run.page_failed(&url, &e);
                    continue;
                }
            };
            run.land_page(&url, &fetched.body).await?;
            let Ok(body) = serde_json::from_slice::<SearchPage>(super::strip_bom(&fetched.body))
            else {
                break; // refused by the parser too: already recorded
            };
            let got = body.results.len() as u64;
            let reached = body.total_results.is_none_or(|total| skip + got >= total);
            if got < u64::from(take) || reached {
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

    #[test]
    fn splits_a_search_response_keeping_the_numeric_id_text() {
        let file = r#"{"results": [
            {"jobId": 55408327, "employerName": "Academics ", "jobTitle": "Cover Supervisor",
             "minimumSalary": 21600.0, "maximumSalary": 28800.0, "currency": "GBP",
             "date": "13/07/2025", "jobUrl": "https://x.test/55408327"}
        ], "ambiguousLocations": [], "totalResults": 1}"#;
        let postings = REED.split(file.as_bytes()).unwrap();
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].source_id, "55408327");
        assert_eq!(postings[0].url.as_deref(), Some("https://x.test/55408327"));
        assert!(postings[0].payload.contains(r#""minimumSalary":21600.0"#));
    }

    #[test]
    fn refuses_a_themuse_response() {
        let err = REED
            .split(br#"{"page":0,"results":[{"id":1,"refs":{}}]}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("expected a Reed job (an object with `jobId` and `jobUrl`)"),
            "{err}"
        );
    }

    #[test]
    fn the_search_url_pages_by_skip_and_carries_no_key() {
        let reed = Reed {
            config: ReedConfig {
                base_url: "https://reed.test".to_string(),
                location_name: Some("London".to_string()),
                ..ReedConfig::default()
            },
            name: "reed".to_string(),
            key: "k3y".to_string(),
        };
        let url = reed.search_url(100, 200).unwrap();
        assert_eq!(
            url.as_str(),
            "https://reed.test/api/1.0/search?keywords=data&locationName=London&\
             resultsToTake=100&resultsToSkip=200"
        );
    }
}
