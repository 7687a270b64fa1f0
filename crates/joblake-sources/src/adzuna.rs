//! Adzuna: `GET /v1/api/jobs/{country}/search/{page}` responses.

use async_trait::async_trait;
use serde::Deserialize;

use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"count": N, "mean": M, "results": [job, ...]}`; a job's id is `id` (a string of digits,
/// taken as text also when a number) and its URL `redirect_url`.
pub(super) static ADZUNA: ApiShape = ApiShape {
    name: "adzuna",
    expected: "an Adzuna search response (an object with a `results` array) or an array of \
               Adzuna jobs",
    envelope: Some("results"),
    posting: "an Adzuna job (an object with `id` and `redirect_url`)",
    required: &["id", "redirect_url"],
    url: &["redirect_url"],
    skip_notices: false,
};

/// `[sources.<name>]` keys of an Adzuna source. Credentials come from `ADZUNA_APP_ID` and
/// `ADZUNA_APP_KEY`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct AdzunaConfig {
    base_url: String,
    /// Adzuna country codes (`fr`, `gb`, `us`...), one search each.
    countries: Vec<String>,
    /// Keywords (`what`).
    what: String,
    /// Place (`where`), e.g. "Paris".
    r#where: Option<String>,
    /// Adzuna category tag, e.g. "it-jobs".
    category: Option<String>,
    results_per_page: u32,
    /// Window when the source has never run and no `--since` is given.
    max_days_old: u32,
    /// Pages per country.
    max_pages: usize,
}

impl Default for AdzunaConfig {
    fn default() -> Self {
        AdzunaConfig {
            base_url: "https://api.adzuna.com".to_string(),
            countries: vec!["fr".to_string()],
            what: "data".to_string(),
            r#where: None,
            category: None,
            results_per_page: 50,
            max_days_old: 30,
            max_pages: 20,
        }
    }
}

struct Adzuna {
    config: AdzunaConfig,
    name: String,
    app_id: String,
    app_key: String,
}

pub(super) fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    let config: AdzunaConfig = super::settings(entry)?;
    let how = "free keys at https://developer.adzuna.com";
    Ok(Box::new(Adzuna {
        app_id: secrets.get("ADZUNA_APP_ID", how)?,
        app_key: secrets.get("ADZUNA_APP_KEY", how)?,
        name: entry.name.clone(),
        config,
    }))
}

/// Just enough of a search page to paginate.
#[derive(Deserialize)]
struct SearchPage {
    count: Option<u64>,
    #[serde(default)]
    results: Vec<serde::de::IgnoredAny>,
}

#[async_trait]
impl Source for Adzuna {
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let c = &self.config;
        // Adzuna filters by age in whole days: round the window up.
        let days = match run.since() {
            Some(since) => {
                let hours = (chrono::Utc::now() - since).num_hours().max(0);
                u32::try_from(((hours + 23) / 24).max(1)).unwrap_or(u32::MAX)
            }
            None => c.max_days_old,
        };
        let max_pages = run.max_pages(c.max_pages);
        let mut first_page_failures = 0;
        let mut last_error = None;
        for country in &c.countries {
            let mut page = 1;
            while page <= max_pages && !run.cancelled() {
                let mut url = super::endpoint(
                    &self.name,
                    &c.base_url,
                    &format!("v1/api/jobs/{country}/search/{page}"),
                )?;
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("app_id", &self.app_id)
                        .append_pair("app_key", &self.app_key)
                        .append_pair("results_per_page", &c.results_per_page.to_string())
                        .append_pair("what", &c.what)
                        .append_pair("max_days_old", &days.to_string())
                        .append_pair("sort_by", "date")
                        .append_pair("content-type", "application/json");
                    if let Some(place) = &c.r#where {
                        q.append_pair("where", place);
                    }
                    if let Some(category) = &c.category {
                        q.append_pair("category", category);
                    }
                }
                let fetched = match run.get(&url).await {
                    Ok(f) => f,
                    Err(e) if page == 1 => {
                        run.page_failed(&url, &e);
                        first_page_failures += 1;
                        last_error = Some(e);
                        break;
                    }
                    Err(e) => {
                        // A later page lost: record it, the next one may work.
                        run.page_failed(&url, &e);
                        page += 1;
                        continue;
                    }
                };
                run.land_page(&url, &fetched.body).await?;
                let Ok(body) = serde_json::from_slice::<SearchPage>(&fetched.body) else {
                    break; // refused by the parser too: already recorded
                };
                let seen = u64::from(c.results_per_page) * page as u64;
                if body.results.is_empty() || body.count.is_none_or(|count| seen >= count) {
                    break;
                }
                page += 1;
            }
        }
        // Every country failed at its first page: the source failed.
        match last_error {
            Some(e) if first_page_failures == c.countries.len() => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SourceError, SourceParser};
    use super::ADZUNA;

    const JOB_A: &str = r#"{"id": "17", "title": "Dev", "redirect_url": "https://x.test/17"}"#;
    const JOB_B: &str = r#"{"redirect_url": "https://x.test/18", "id": 18, "salary_min": 1.50}"#;

    #[test]
    fn splits_a_search_response() {
        let file = format!("{{\n \"count\": 2,\n \"results\": [\n  {JOB_A},\n  {JOB_B}\n ]\n}}");
        let postings = ADZUNA.split(file.as_bytes()).unwrap();
        let ids: Vec<_> = postings.iter().map(|p| p.source_id.as_str()).collect();
        assert_eq!(ids, ["17", "18"]);
        assert_eq!(postings[0].url.as_deref(), Some("https://x.test/17"));
        // Key order and number text as in the file.
        assert_eq!(
            postings[1].payload,
            r#"{"redirect_url":"https://x.test/18","id":18,"salary_min":1.50}"#
        );
    }

    #[test]
    fn splits_a_bare_array_ndjson_and_ndjson_of_responses() {
        let array = format!("[{JOB_A},{JOB_B}]");
        assert_eq!(ADZUNA.split(array.as_bytes()).unwrap().len(), 2);
        let ndjson = format!("{JOB_A}\n\n{JOB_B}\n");
        assert_eq!(ADZUNA.split(ndjson.as_bytes()).unwrap().len(), 2);
        let pages = format!("{{\"results\":[{JOB_A}]}}\n{{\"results\":[{JOB_B}]}}\n");
        assert_eq!(ADZUNA.split(pages.as_bytes()).unwrap().len(), 2);
    }

    #[test]
    fn an_empty_result_page_has_no_postings() {
        assert!(
            ADZUNA
                .split(br#"{"count":0,"results":[]}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn refuses_another_sources_response() {
        let err = ADZUNA
            .split(br#"{"data": [], "links": {}, "meta": {}}"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected an Adzuna search response (an object with a `results` array) or an array \
             of Adzuna jobs, found an object with keys [data, links, meta]"
        );
    }

    #[test]
    fn refuses_a_job_without_its_url_or_a_usable_id() {
        let err = ADZUNA.split(br#"{"results":[{"id":"1"}]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected an Adzuna job (an object with `id` and `redirect_url`), found an object \
             with keys [id] (no `redirect_url`) at element 0 of `results`"
        );
        let err = ADZUNA
            .split(br#"[{"id":"","redirect_url":"u"}]"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected a posting id that is a non-blank string or a number, found `id`: \"\" at \
             element 0 of the array"
        );
        let err = ADZUNA.split(br#"{"results":{"id":"1"}}"#).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("found `results` holding an object with keys [id]")
        );
    }

    #[test]
    fn refuses_truncated_json_with_its_position() {
        let err = ADZUNA
            .split(br#"{"results":[{"id":"1","title":"Dev"#)
            .unwrap_err();
        assert!(
            matches!(
                err,
                SourceError::NotJson {
                    line: 1,
                    column: 34,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "not valid JSON at line 1, column 34: EOF while parsing a string"
        );
    }
}
