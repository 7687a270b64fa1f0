//! Adzuna: `GET /v1/api/jobs/{country}/search/{page}` responses.

use super::ApiShape;

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
