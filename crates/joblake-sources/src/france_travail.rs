//! France Travail (ex Pôle emploi): `GET /partenaire/offresdemploi/v2/offres/search` responses.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use super::http::{Fetched, HttpError};
use crate::json::ApiShape;
use crate::{FetchError, Secrets, Source, SourceEntry, SourceRun};

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

/// `[sources.<name>]` keys of a France Travail source. Credentials (an application registered
/// at francetravail.io with the "Offres d'emploi v2" API) come from `FRANCE_TRAVAIL_CLIENT_ID`
/// and `FRANCE_TRAVAIL_CLIENT_SECRET`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FranceTravailConfig {
    /// API root, before `/v2/offres/search`.
    base_url: String,
    /// OAuth2 token endpoint (client-credentials grant).
    token_url: String,
    /// Scopes asked for.
    scope: String,
    /// Keywords (`motsCles`).
    mots_cles: Option<String>,
    /// Department codes (`departement`, at most 5).
    departements: Vec<String>,
    /// INSEE commune codes (`commune`, at most 5).
    communes: Vec<String>,
    /// Offers per request (`range` size, at most 150).
    page_size: usize,
    /// Window in days when the source has never run and no `--since` is given.
    max_days_old: i64,
    /// Requests per search.
    max_pages: usize,
}

impl Default for FranceTravailConfig {
    fn default() -> Self {
        FranceTravailConfig {
            base_url: "https://api.francetravail.io/partenaire/offresdemploi".to_string(),
            token_url: "https://entreprise.francetravail.fr/connexion/oauth2/access_token?\
                        realm=%2Fpartenaire"
                .to_string(),
            scope: "api_offresdemploiv2 o2dsoffre".to_string(),
            mots_cles: Some("data".to_string()),
            departements: Vec::new(),
            communes: Vec::new(),
            page_size: 150,
            max_days_old: 30,
            max_pages: 21,
        }
    }
}

/// The API serves offers 0 to 3149 of a search, no further.
const LAST_INDEX: usize = 3149;

struct FranceTravail {
    config: FranceTravailConfig,
    name: String,
    client_id: String,
    client_secret: String,
    token: Mutex<Option<Token>>,
}

struct Token {
    value: String,
    /// When to stop using it: a little before the server's expiry.
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<f64>,
}

pub(super) fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    let config: FranceTravailConfig = super::settings(entry)?;
    let how = "register an application at https://francetravail.io";
    Ok(Box::new(FranceTravail {
        client_id: secrets.get("FRANCE_TRAVAIL_CLIENT_ID", how)?,
        client_secret: secrets.get("FRANCE_TRAVAIL_CLIENT_SECRET", how)?,
        name: entry.name.clone(),
        config,
        token: Mutex::new(None),
    }))
}

impl FranceTravail {
    /// A valid access token: the cached one, or a new one when it expired or `renew` is set.
    async fn token(&self, run: &mut SourceRun<'_>, renew: bool) -> Result<String, FetchError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && !renew
            && Instant::now() < t.renew_at
        {
            return Ok(t.value.clone());
        }
        let url = Url::parse(&self.config.token_url)
            .map_err(|e| FetchError::Config(format!("sources.{}: token_url: {e}", self.name)))?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("scope", self.config.scope.as_str()),
        ];
        let body = serde_urlencoded(&form);
        let fetched = run
            .send(&url, |c| {
                c.post(url.clone())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body.clone())
            })
            .await
            .map_err(|e| match e {
                HttpError::Status { status, .. } if status == 400 || status == 401 => {
                    FetchError::Protocol(format!(
                        "token refused by {} (HTTP {status}): check FRANCE_TRAVAIL_CLIENT_ID, \
                         FRANCE_TRAVAIL_CLIENT_SECRET and the scope `{}`",
                        super::http::redact(&url),
                        self.config.scope
                    ))
                }
                other => other.into(),
            })?;
        let response: TokenResponse = serde_json::from_slice(&fetched.body).map_err(|e| {
            FetchError::Protocol(format!(
                "{}: not a token response: {e}",
                super::http::redact(&url)
            ))
        })?;
        let lifetime = Duration::from_secs_f64(response.expires_in.unwrap_or(60.0).max(0.0));
        // Renew a tenth of the lifetime early (at most 30 s) so a token never expires in flight.
        let margin = (lifetime / 10).min(Duration::from_secs(30));
        *cached = Some(Token {
            value: response.access_token.clone(),
            renew_at: Instant::now() + lifetime - margin,
        });
        Ok(response.access_token)
    }

    fn search_url(
        &self,
        range: (usize, usize),
        window: (String, String),
    ) -> Result<Url, FetchError> {
        let c = &self.config;
        let mut url = super::endpoint(&self.name, &c.base_url, "v2/offres/search")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("range", &format!("{}-{}", range.0, range.1));
            if let Some(words) = &c.mots_cles {
                q.append_pair("motsCles", words);
            }
            if !c.departements.is_empty() {
                q.append_pair("departement", &c.departements.join(","));
            }
            if !c.communes.is_empty() {
                q.append_pair("commune", &c.communes.join(","));
            }
            q.append_pair("minCreationDate", &window.0);
            q.append_pair("maxCreationDate", &window.1);
        }
        Ok(url)
    }
}

impl FranceTravail {
    /// One search request; a 401 (expired or revoked token) gets one new token, then fails.
    async fn search(&self, run: &mut SourceRun<'_>, url: &Url) -> Result<Fetched, FetchError> {
        let mut renewed = false;
        loop {
            let bearer = format!("Bearer {}", self.token(run, renewed).await?);
            let result = run
                .send(url, |c| {
                    c.get(url.clone())
                        .header("authorization", bearer.as_str())
                        .header("accept", "application/json")
                })
                .await;
            match result {
                Err(HttpError::Status { status: 401, .. }) if !renewed => renewed = true,
                other => return Ok(other?),
            }
        }
    }
}

/// `application/x-www-form-urlencoded` body of `pairs`.
fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The total of a `Content-Range: offres 0-149/3456` header.
fn total_of(content_range: Option<&str>) -> Option<usize> {
    content_range?.rsplit('/').next()?.trim().parse().ok()
}

#[async_trait]
impl Source for FranceTravail {
    /// Ranges of `page_size` offers: 206 means more follow (Content-Range gives the total),
    /// 200 means this was the last, 204 that there is none.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError> {
        let c = &self.config;
        let now = chrono::Utc::now();
        let since = run
            .since()
            .unwrap_or(now - chrono::Duration::days(c.max_days_old));
        let format = "%Y-%m-%dT%H:%M:%SZ";
        let window = (
            since.format(format).to_string(),
            now.format(format).to_string(),
        );
        let size = c.page_size.clamp(1, 150);
        let max_pages = run.max_pages(c.max_pages);
        let mut start = 0;
        for _ in 0..max_pages {
            if run.cancelled() || start > LAST_INDEX {
                break;
            }
            let end = (start + size - 1).min(LAST_INDEX);
            let url = self.search_url((start, end), window.clone())?;
            let fetched = match self.search(run, &url).await {
                Ok(f) => f,
                Err(e) if start == 0 => return Err(e),
                Err(e) => {
                    run.page_failed(&url, &e);
                    break;
                }
            };
            if fetched.status.as_u16() == 204 || fetched.body.is_empty() {
                break;
            }
            run.land_page(&url, &fetched.body).await?;
            let total = total_of(fetched.header("content-range"));
            let more = fetched.status.as_u16() == 206 && total.is_none_or(|t| end + 1 < t);
            if !more {
                break;
            }
            start = end + 1;
        }
        Ok(())
    }
}

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
