//! The `[sources.<name>]` tables of `joblake.toml`: which sources are declared, of which kind,
//! with which settings, and the credentials they read from the environment.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::registry::{fetcher_kind, kinds};
use crate::{FetchError, Source, SourceParser};

/// One `[sources.<name>]` table of `joblake.toml`: the keys every source understands, and the
/// rest for the source's own configuration.
#[derive(Debug, Clone)]
pub struct SourceEntry {
    /// The table's name: how the source is called on the command line and in reports.
    pub name: String,
    /// What it is: the kind of a [`Fetcher`](crate::Fetcher) of the [`REGISTRY`](crate::REGISTRY) (default: the name).
    pub kind: String,
    /// Run it when no `--source` is given (default true).
    pub enabled: bool,
    /// Requests per second to its host, overriding `[http] requests_per_second`.
    pub requests_per_second: Option<f64>,
    /// Page limit (overridden by `--max-pages`).
    pub max_pages: Option<usize>,
    /// Its own keys.
    pub settings: serde_json::Value,
}

#[derive(Deserialize)]
struct CommonKeys {
    kind: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
    requests_per_second: Option<f64>,
    max_pages: Option<usize>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

/// The sources used when `joblake.toml` declares none.
const DEFAULT_SOURCES: &str = include_str!("default_sources.toml");

/// The declared sources (or the built-in defaults when none is declared), in name order.
pub fn configured(
    declared: &BTreeMap<String, serde_json::Value>,
) -> Result<Vec<SourceEntry>, FetchError> {
    let defaults;
    let declared = if declared.is_empty() {
        defaults = default_sources()?;
        &defaults
    } else {
        declared
    };
    let mut entries = Vec::new();
    for (name, value) in declared {
        // The name becomes a directory of the lake (`_meta/ingest/<name>/`).
        check_name(name).map_err(|why| {
            FetchError::Config(format!("sources.{name:?}: not a usable source name: {why}"))
        })?;
        let keys: CommonKeys = serde_json::from_value(value.clone())
            .map_err(|e| FetchError::Config(format!("sources.{name}: {e}")))?;
        let kind = keys.kind.unwrap_or_else(|| name.clone());
        if fetcher_kind(&kind).is_none() {
            let known: Vec<&str> = kinds().map(|(fetcher, _)| fetcher.kind).collect();
            return Err(FetchError::Config(format!(
                "sources.{name}: unknown kind `{kind}` (known: {})",
                known.join(", ")
            )));
        }
        entries.push(SourceEntry {
            name: name.clone(),
            kind,
            enabled: keys.enabled,
            requests_per_second: keys.requests_per_second,
            max_pages: keys.max_pages,
            settings: serde_json::Value::Object(keys.rest),
        });
    }
    Ok(entries)
}

/// Longest name [`check_name`] accepts, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// Why `name` cannot name a source, a run or anything else that becomes one segment of a lake
/// path; Ok for a plain name: 1 to [`MAX_NAME_LEN`] ASCII letters, digits, `_`, `-` and `.`,
/// not starting with `.`. So `../x`, `a/b`, `/abs`, `..`, `a\b` or a NUL can never take a
/// write outside its directory, on a disk or in a bucket.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() {
        Err("it is empty")
    } else if name.starts_with('.') {
        Err("it starts with `.` (`.` and `..` are steps of a path)")
    } else if name.contains(['/', '\\']) {
        Err("it contains a path separator (`/` or `\\`)")
    } else if name.chars().any(char::is_control) {
        Err("it contains a control character (NUL, a line break...)")
    } else if !name.chars().all(allowed) {
        Err("only ASCII letters, digits, `_`, `-` and `.` are allowed")
    } else if name.len() > MAX_NAME_LEN {
        Err("it is longer than 128 bytes")
    } else {
        Ok(())
    }
}

/// The built-in source declarations (`crates/joblake-sources/src/default_sources.toml`).
pub fn default_sources() -> Result<BTreeMap<String, serde_json::Value>, FetchError> {
    use figment::providers::{Format, Toml};
    figment::Figment::from(Toml::string(DEFAULT_SOURCES))
        .extract()
        .map_err(|e| FetchError::Config(format!("built-in sources: {e}")))
}

/// Builds the source an entry declares.
pub fn build(entry: &SourceEntry, secrets: &Secrets) -> Result<Box<dyn Source>, FetchError> {
    build_with_parser(entry, secrets).map(|(source, _)| source)
}

/// Builds the source an entry declares, and gives the parser its pages go through.
pub(crate) fn build_with_parser(
    entry: &SourceEntry,
    secrets: &Secrets,
) -> Result<(Box<dyn Source>, &'static dyn SourceParser), FetchError> {
    let (fetcher, kind) = fetcher_kind(&entry.kind)
        .ok_or_else(|| FetchError::Config(format!("unknown source kind `{}`", entry.kind)))?;
    Ok(((fetcher.build)(entry, secrets)?, kind.parser))
}

/// A source's own settings, unknown keys refused with the source's name.
pub fn settings<T: DeserializeOwned>(entry: &SourceEntry) -> Result<T, FetchError> {
    serde_json::from_value(entry.settings.clone())
        .map_err(|e| FetchError::Config(format!("sources.{}: {e}", entry.name)))
}

/// Where credentials come from: the environment (and `.env`, loaded with the configuration),
/// unless given explicitly (embedding programs, tests). Never from `joblake.toml`.
#[derive(Clone, Default)]
pub struct Secrets {
    given: std::collections::HashMap<String, String>,
    /// The values handed out so far (shared by clones): what the HTTP client hides from
    /// messages ([`crate::http::Http::hide`]).
    used: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
}

/// The variables' names only, never their values.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.given.keys().collect();
        names.sort();
        f.debug_struct("Secrets")
            .field("given", &names)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Secrets given explicitly, looked up before the environment.
    pub fn with(pairs: impl IntoIterator<Item = (String, String)>) -> Secrets {
        Secrets {
            given: pairs.into_iter().collect(),
            used: Default::default(),
        }
    }

    /// Every value handed out so far by [`Secrets::get`] and [`Secrets::optional`].
    pub fn used(&self) -> Vec<String> {
        self.used
            .lock()
            .map(|used| used.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The secret in `variable`, or the error telling which variable to set and `how` to get
    /// its value.
    pub fn get(&self, variable: &str, how: &str) -> Result<String, FetchError> {
        self.optional(variable).ok_or_else(|| {
            FetchError::MissingCredentials(format!(
                "set {variable} in the environment or .env ({how})"
            ))
        })
    }

    /// The secret in `variable` when it is set (a key a source can do without, e.g. one that
    /// only raises a rate limit); a blank value counts as unset.
    pub fn optional(&self, variable: &str) -> Option<String> {
        let value = self
            .given
            .get(variable)
            .cloned()
            .or_else(|| std::env::var(variable).ok())
            .filter(|v| !v.trim().is_empty());
        if let (Some(v), Ok(mut used)) = (&value, self.used.lock()) {
            used.insert(v.clone());
        }
        value
    }
}

/// `base` with `path` appended, a configuration error naming the source if it is not a URL.
pub fn endpoint(source: &str, base: &str, path: &str) -> Result<url::Url, FetchError> {
    let joined = format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url::Url::parse(&joined)
        .map_err(|e| FetchError::Config(format!("sources.{source}: `{joined}` is not a URL: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(toml: &str) -> BTreeMap<String, serde_json::Value> {
        use figment::providers::{Format, Toml};
        figment::Figment::from(Toml::string(toml))
            .extract()
            .expect("valid TOML")
    }

    #[test]
    fn the_built_in_sources_all_build_and_keyed_ones_name_their_variables() {
        let entries = configured(&BTreeMap::new()).expect("built-in list parses");
        let keys = Secrets::with(
            [
                "ADZUNA_APP_ID",
                "ADZUNA_APP_KEY",
                "FRANCE_TRAVAIL_CLIENT_ID",
                "FRANCE_TRAVAIL_CLIENT_SECRET",
                "REED_API_KEY",
                "JOOBLE_API_KEY",
                "FINDWORK_API_KEY",
            ]
            .map(|k| (k.to_string(), "x".to_string())),
        );
        assert!(entries.len() >= 6);
        for entry in &entries {
            assert!(build(entry, &keys).is_ok(), "{} does not build", entry.name);
        }
        let adzuna = entries.iter().find(|e| e.kind == "adzuna").expect("adzuna");
        // An empty value counts as missing (a blank line in .env).
        let blank = Secrets::with([
            ("ADZUNA_APP_ID".to_string(), " ".to_string()),
            ("ADZUNA_APP_KEY".to_string(), "k".to_string()),
        ]);
        match build(adzuna, &blank) {
            Err(FetchError::MissingCredentials(why)) => assert!(why.contains("ADZUNA_APP_ID")),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("built without a key"),
        }
    }

    #[test]
    fn keyed_sources_name_their_variable_and_the_muse_needs_none() {
        let entries = configured(&BTreeMap::new()).expect("built-in list parses");
        for (kind, variable) in [
            ("reed", "REED_API_KEY"),
            ("jooble", "JOOBLE_API_KEY"),
            ("findwork", "FINDWORK_API_KEY"),
        ] {
            let entry = entries.iter().find(|e| e.kind == kind).expect(kind);
            match build(entry, &Secrets::default()) {
                Err(FetchError::MissingCredentials(why)) => {
                    assert!(why.contains(variable), "{kind}: {why}")
                }
                Err(e) => panic!("{kind}: wrong error: {e}"),
                Ok(_) => panic!("{kind} built without {variable}"),
            }
        }
        let muse = entries
            .iter()
            .find(|e| e.kind == "themuse")
            .expect("themuse");
        assert!(build(muse, &Secrets::default()).is_ok());
        // An optional key: set, blank, unset.
        let given = Secrets::with([
            ("A".to_string(), "k".to_string()),
            ("B".to_string(), " ".to_string()),
        ]);
        assert_eq!(given.optional("A").as_deref(), Some("k"));
        assert_eq!(given.optional("B"), None);
        assert_eq!(given.optional("JOBLAKE_TEST_UNSET_VARIABLE"), None);
    }

    #[test]
    fn names_that_look_like_paths_are_refused() {
        let long = "x".repeat(MAX_NAME_LEN + 1);
        let bad = [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "/etc/passwd",
            "a\\b",
            "..\\x",
            "a\0b",
            "a\nb",
            ".hidden",
            "a b",
            "é",
            "C:",
            &long,
        ];
        for name in bad {
            assert!(check_name(name).is_err(), "{name:?} accepted");
        }
        let good = [
            "adzuna",
            "france_travail",
            "we-work.remotely",
            "20260101T000000Z-0a1b2c3d",
        ];
        for name in good {
            assert_eq!(check_name(name), Ok(()), "{name:?}");
        }
        let err = configured(&declared("[\"../escape\"]\nkind = \"remotive\"\n"))
            .expect_err("a path as a name")
            .to_string();
        assert_eq!(
            err,
            "invalid configuration: sources.\"../escape\": not a usable source name: it starts \
             with `.` (`.` and `..` are steps of a path)"
        );
        let err = configured(&declared("[\"a/b\"]\nkind = \"remotive\"\n"))
            .expect_err("a path as a name")
            .to_string();
        assert!(err.contains("path separator"), "{err}");
    }

    #[test]
    fn typos_and_unknown_kinds_are_refused_with_the_source_name() {
        let typo = configured(&declared("[remotive]\ncategroy = \"data\"\n")).expect("entry");
        let err = build(&typo[0], &Secrets::default())
            .err()
            .expect("unknown key refused")
            .to_string();
        assert!(
            err.contains("sources.remotive") && err.contains("categroy"),
            "{err}"
        );

        let err = configured(&declared("[mine]\nkind = \"linkedin\"\n"))
            .expect_err("unknown kind")
            .to_string();
        assert!(err.contains("mine") && err.contains("linkedin"), "{err}");

        let err = configured(&declared("[board]\nkind = \"scrape\"\nstart_urls = [\"https://x.test\"]\nlink_selector = \"a[\"\n"))
            .and_then(|e| build(&e[0], &Secrets::default()).map(|_| ()))
            .expect_err("bad selector")
            .to_string();
        assert!(err.contains("link_selector"), "{err}");
    }

    #[test]
    fn disabled_sources_keep_their_settings() {
        let entries = configured(&declared(
            "[arbeitnow]\nenabled = false\nmax_pages = 2\nrequests_per_second = 0.5\n",
        ))
        .expect("entry");
        let e = &entries[0];
        assert_eq!(
            (e.enabled, e.max_pages, e.requests_per_second),
            (false, Some(2), Some(0.5))
        );
        assert_eq!(e.kind, "arbeitnow");
    }
}
