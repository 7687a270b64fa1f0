//! Remotive: `GET /api/remote-jobs` responses.

use async_trait::async_trait;
use serde::Deserialize;

use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// `{"00-warning": .., "0-legal-notice": .., "job-count": N, "jobs": [job, ...]}` (the other
/// top-level keys are ignored); a job's id is `id` (a number) and its URL `url`.
pub(super) static REMOTIVE: ApiShape = ApiShape {
    name: "remotive",
    expected: "a Remotive remote-jobs response (an object with a `jobs` array) or an array of \
               Remotive jobs",
    envelope: Some("jobs"),
    posting: "a Remotive job (an object with `id` and `candidate_required_location`)",
    required: &["id", "candidate_required_location"],
    url: &["url"],
    skip_notices: false,
};

/// `[sources.<name>]` keys of a Remotive source (no key needed).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RemotiveConfig {
    base_url: String,
    /// Remotive category slug, e.g. "data" or "software-dev".
    category: Option<String>,
    /// Free-text search.
    search: Option<String>,
    /// At most this many jobs.
    limit: Option<u32>,
}

impl Default for RemotiveConfig {
    fn default() -> Self {
        RemotiveConfig {
            base_url: "https://remotive.com".to_string(),
            category: Some("data".to_string()),
            search: None,
            limit: None,
        }
    }
}

struct Remotive {
    config: RemotiveConfig,
    name: String,
}

pub(super) fn build(
    entry: &SourceEntry,
    _secrets: &Secrets,
) -> Result<Box<dyn Source>, FetchError> {
    Ok(Box::new(Remotive {
        config: super::settings(entry)?,
        name: entry.name.clone(),
    }))
}

#[async_trait]
impl Source for Remotive {
    /// One request returns every matching job (Remotive has no pagination); a 304 to the
    /// conditional request means nothing changed.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let c = &self.config;
        let mut url = super::endpoint(&self.name, &c.base_url, "api/remote-jobs")?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(category) = &c.category {
                q.append_pair("category", category);
            }
            if let Some(search) = &c.search {
                q.append_pair("search", search);
            }
            if let Some(limit) = c.limit {
                q.append_pair("limit", &limit.to_string());
            }
        }
        if let Some(fetched) = run.get_if_changed(&url).await? {
            run.land_page(&url, &fetched.body).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::SourceParser;
    use super::REMOTIVE;

    #[test]
    fn splits_a_response_with_a_bom_and_notices() {
        let file = "\u{feff}{\"0-legal-notice\": \"Link back, please\", \"job-count\": 1, \"jobs\": \
                    [{\"id\": 1001, \"url\": \"https://x.test/1001\", \
                    \"candidate_required_location\": \"USA\", \"title\": \"Data 😀\"}]}";
        let postings = REMOTIVE.split(file.as_bytes()).unwrap();
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].source_id, "1001");
        assert_eq!(postings[0].url.as_deref(), Some("https://x.test/1001"));
        assert!(postings[0].payload.ends_with(r#""title":"Data 😀"}"#));
    }

    #[test]
    fn refuses_a_jooble_response_that_also_has_jobs() {
        let err = REMOTIVE
            .split(br#"{"totalCount":1,"jobs":[{"id":-5,"title":"t","link":"l"}]}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("(no `candidate_required_location`)"),
            "{err}"
        );
    }
}
