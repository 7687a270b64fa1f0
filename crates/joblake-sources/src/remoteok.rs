//! RemoteOK: `GET /api` responses.

use async_trait::async_trait;
use serde::Deserialize;

use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

/// A JSON array: element 0 is a `{"last_updated", "legal"}` notice, skipped like any element
/// that has neither `id` nor `position`; a job's id is `id` (a string of digits) and its URL
/// `url`.
pub(super) static REMOTEOK: ApiShape = ApiShape {
    name: "remoteok",
    expected: "a RemoteOK API response (an array of jobs, led by a legal notice)",
    envelope: None,
    posting: "a RemoteOK job (an object with `id` and `position`)",
    required: &["id", "position"],
    url: &["url"],
    skip_notices: true,
};

/// `[sources.<name>]` keys of a RemoteOK source (no key needed; RemoteOK asks for a link back
/// to the posting wherever its jobs are shown).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RemoteOkConfig {
    base_url: String,
    /// Tag filter, e.g. "data".
    tag: Option<String>,
}

impl Default for RemoteOkConfig {
    fn default() -> Self {
        RemoteOkConfig {
            base_url: "https://remoteok.com".to_string(),
            tag: None,
        }
    }
}

struct RemoteOk {
    config: RemoteOkConfig,
    name: String,
}

pub(super) fn build(
    entry: &SourceEntry,
    _secrets: &Secrets,
) -> Result<Box<dyn Source>, FetchError> {
    Ok(Box::new(RemoteOk {
        config: super::settings(entry)?,
        name: entry.name.clone(),
    }))
}

#[async_trait]
impl Source for RemoteOk {
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let c = &self.config;
        let mut url = super::endpoint(&self.name, &c.base_url, "api")?;
        if let Some(tag) = &c.tag {
            url.query_pairs_mut().append_pair("tag", tag);
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
    use super::REMOTEOK;

    #[test]
    fn skips_the_legal_notice() {
        let file = r#"[{"last_updated": 1700000000, "legal": "terms"},
            {"id": "4242", "position": "Advisor", "location": "Gda\u0144sk",
             "url": "https:\/\/remoteOK.com\/remote-jobs\/4242"}]"#;
        let postings = REMOTEOK.split(file.as_bytes()).unwrap();
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].source_id, "4242");
        // The URL is unescaped, the payload is not.
        assert_eq!(
            postings[0].url.as_deref(),
            Some("https://remoteOK.com/remote-jobs/4242")
        );
        assert!(postings[0].payload.contains(r#""Gda\u0144sk""#));
    }

    #[test]
    fn refuses_a_job_lacking_only_its_position() {
        let err = REMOTEOK.split(br#"[{"id":"1","url":"u"}]"#).unwrap_err();
        assert!(err.to_string().contains("(no `position`)"), "{err}");
    }

    #[test]
    fn refuses_a_response_object() {
        let err = REMOTEOK.split(br#"{"results": []}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected a RemoteOK API response (an array of jobs, led by a legal notice), found \
             an object with keys [results]"
        );
    }
}
