//! France Travail (ex Pôle emploi): `GET /partenaire/offresdemploi/v2/offres/search` responses.

use super::ApiShape;

/// `{"resultats": [offre, ...], "filtresPossibles": [...]}`; an offer's id is `id` (a short
/// alphanumeric code) and its URL `origineOffre.urlOrigine`.
pub(super) static FRANCE_TRAVAIL: ApiShape = ApiShape {
    name: "france_travail",
    expected: "a France Travail offres/search response (an object with a `resultats` array) or \
               an array of France Travail offers",
    envelope: Some("resultats"),
    posting: "a France Travail offer (an object with `id` and `intitule`)",
    required: &["id", "intitule"],
    url: &["origineOffre", "urlOrigine"],
    skip_notices: false,
};

#[cfg(test)]
mod tests {
    use super::super::SourceParser;
    use super::FRANCE_TRAVAIL;

    #[test]
    fn takes_the_url_from_origine_offre_when_present() {
        let file = r#"{"resultats": [
            {"id": "000TEST", "intitule": "Vendeur (H/F)",
             "origineOffre": {"origine": "1", "urlOrigine": "https://x.test/000TEST"}},
            {"id": "000TES2", "intitule": "Dev", "origineOffre": {"origine": "2"}},
            {"id": "000TES3", "intitule": "Dev"}
        ], "filtresPossibles": []}"#;
        let postings = FRANCE_TRAVAIL.split(file.as_bytes()).unwrap();
        let urls: Vec<_> = postings.iter().map(|p| p.url.as_deref()).collect();
        assert_eq!(urls, [Some("https://x.test/000TEST"), None, None]);
        assert_eq!(postings[0].source_id, "000TEST");
        assert_eq!(
            postings[0].payload,
            r#"{"id":"000TEST","intitule":"Vendeur (H/F)","origineOffre":{"origine":"1","urlOrigine":"https://x.test/000TEST"}}"#
        );
    }

    #[test]
    fn refuses_an_adzuna_response() {
        let err = FRANCE_TRAVAIL
            .split(br#"{"count":1,"results":[{"id":"1","redirect_url":"u"}]}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("expected a France Travail offres/search response"),
            "{err}"
        );
    }
}
