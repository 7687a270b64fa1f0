//! Remotive: `GET /api/remote-jobs` responses.

use super::ApiShape;

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
