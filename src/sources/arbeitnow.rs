//! Arbeitnow: `GET /api/job-board-api` responses.

use super::ApiShape;

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
