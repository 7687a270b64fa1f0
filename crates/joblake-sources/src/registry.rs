//! The one list of sources: every parser, how its pages are fetched, and the staging model
//! that reads what it landed. The parsers' names, the kinds `joblake.toml` can declare and the
//! bronze tables all come from it.

use std::sync::LazyLock;

use crate::config::{Secrets, SourceEntry};
use crate::{FetchError, Source, SourceError, SourceParser};
use crate::{
    adzuna, arbeitnow, findwork, france_travail, jooble, jsonld, reed, remoteok, remotive, scrape,
    themuse,
};

/// Builds a source from its `[sources.<name>]` entry and the credentials.
pub type Builder = fn(&SourceEntry, &Secrets) -> Result<Box<dyn Source>, FetchError>;

/// A kind of source that `joblake.toml` can declare (`kind = "<kind>"`, default: the table's
/// name), and how to build it.
#[derive(Clone, Copy)]
pub struct Fetcher {
    /// The kind's name: `adzuna`, `remotive`..., `scrape`.
    pub kind: &'static str,
    /// Builds the source from its entry.
    pub build: Builder,
}

/// One source of postings: its parser, how its pages are fetched, and the staging model
/// that reads what it landed.
pub struct SourceKind {
    /// The parser's name: its bronze directory (`bronze/<name>/`), its table
    /// (`bronze.<name>`) and the `source` of its envelopes.
    pub name: &'static str,
    /// Splits its raw files into postings.
    pub parser: &'static dyn SourceParser,
    /// The kind whose pages this parser splits: an API's own kind, or `scrape` for `jsonld`
    /// (the scraper lands the JSON-LD of job pages). None for a parser whose files are only
    /// ever landed by hand.
    pub fetcher: Option<Fetcher>,
    /// The silver model that maps its bronze records to the common columns:
    /// `silver.stg_<name>__postings` (`sql/silver/stg_<name>__postings.sql`, one branch of the
    /// union in `sql/silver/posting_records.sql`).
    pub staging_model: &'static str,
}

/// Every source, in a stable order (the order of [`source_names`] and of [`kinds`]).
pub static REGISTRY: [SourceKind; 10] = [
    SourceKind {
        name: "adzuna",
        parser: &adzuna::ADZUNA,
        fetcher: Some(Fetcher {
            kind: "adzuna",
            build: adzuna::build,
        }),
        staging_model: "silver.stg_adzuna__postings",
    },
    SourceKind {
        name: "france_travail",
        parser: &france_travail::FRANCE_TRAVAIL,
        fetcher: Some(Fetcher {
            kind: "france_travail",
            build: france_travail::build,
        }),
        staging_model: "silver.stg_france_travail__postings",
    },
    SourceKind {
        name: "remotive",
        parser: &remotive::REMOTIVE,
        fetcher: Some(Fetcher {
            kind: "remotive",
            build: remotive::build,
        }),
        staging_model: "silver.stg_remotive__postings",
    },
    SourceKind {
        name: "arbeitnow",
        parser: &arbeitnow::ARBEITNOW,
        fetcher: Some(Fetcher {
            kind: "arbeitnow",
            build: arbeitnow::build,
        }),
        staging_model: "silver.stg_arbeitnow__postings",
    },
    SourceKind {
        name: "remoteok",
        parser: &remoteok::REMOTEOK,
        fetcher: Some(Fetcher {
            kind: "remoteok",
            build: remoteok::build,
        }),
        staging_model: "silver.stg_remoteok__postings",
    },
    SourceKind {
        name: "themuse",
        parser: &themuse::THEMUSE,
        fetcher: Some(Fetcher {
            kind: "themuse",
            build: themuse::build,
        }),
        staging_model: "silver.stg_themuse__postings",
    },
    SourceKind {
        name: "reed",
        parser: &reed::REED,
        fetcher: Some(Fetcher {
            kind: "reed",
            build: reed::build,
        }),
        staging_model: "silver.stg_reed__postings",
    },
    SourceKind {
        name: "jooble",
        parser: &jooble::JOOBLE,
        fetcher: Some(Fetcher {
            kind: "jooble",
            build: jooble::build,
        }),
        staging_model: "silver.stg_jooble__postings",
    },
    SourceKind {
        name: "findwork",
        parser: &findwork::FINDWORK,
        fetcher: Some(Fetcher {
            kind: "findwork",
            build: findwork::build,
        }),
        staging_model: "silver.stg_findwork__postings",
    },
    SourceKind {
        name: "jsonld",
        parser: &jsonld::JsonLd,
        fetcher: Some(Fetcher {
            kind: "scrape",
            build: scrape::build,
        }),
        staging_model: "silver.stg_jsonld__postings",
    },
];

/// The parsers' names, in registry order.
static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| REGISTRY.iter().map(|kind| kind.name).collect());

/// All parsers, by name.
pub fn parser_for(name: &str) -> Result<&'static dyn SourceParser, SourceError> {
    REGISTRY
        .iter()
        .find(|kind| kind.name == name)
        .map(|kind| kind.parser)
        .ok_or_else(|| SourceError::UnknownSource(name.to_owned()))
}

/// The names of all parsers, in a stable order.
pub fn source_names() -> &'static [&'static str] {
    &NAMES
}

/// The kinds of source `joblake.toml` can declare, in registry order, each with the registry
/// entry whose parser its pages go through.
pub fn kinds() -> impl Iterator<Item = (Fetcher, &'static SourceKind)> {
    REGISTRY
        .iter()
        .filter_map(|kind| Some((kind.fetcher?, kind)))
}

/// The kind named `kind`, with the registry entry whose parser its pages go through.
pub fn fetcher_kind(kind: &str) -> Option<(Fetcher, &'static SourceKind)> {
    kinds().find(|(fetcher, _)| fetcher.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parser_is_listed_under_its_name() {
        assert_eq!(REGISTRY.len(), source_names().len());
        for (kind, name) in REGISTRY.iter().zip(source_names()) {
            assert_eq!(kind.parser.name(), *name);
            assert_eq!(kind.name, *name);
            assert_eq!(parser_for(name).unwrap().name(), *name);
            assert_eq!(kind.staging_model, format!("silver.stg_{name}__postings"));
        }
    }

    #[test]
    fn the_kinds_are_the_fetchers_of_the_registry() {
        let kinds: Vec<(&str, &str)> = kinds().map(|(f, k)| (f.kind, k.name)).collect();
        assert_eq!(
            kinds,
            [
                ("adzuna", "adzuna"),
                ("france_travail", "france_travail"),
                ("remotive", "remotive"),
                ("arbeitnow", "arbeitnow"),
                ("remoteok", "remoteok"),
                ("themuse", "themuse"),
                ("reed", "reed"),
                ("jooble", "jooble"),
                ("findwork", "findwork"),
                ("scrape", "jsonld"),
            ]
        );
        assert_eq!(fetcher_kind("scrape").map(|(_, k)| k.name), Some("jsonld"));
        assert!(fetcher_kind("jsonld").is_none());
    }

    #[test]
    fn an_unknown_source_lists_the_known_ones() {
        let err = parser_for("indeed").err().unwrap();
        assert_eq!(
            err.to_string(),
            "unknown source `indeed`: the known sources are adzuna, france_travail, remotive, \
             arbeitnow, remoteok, themuse, reed, jooble, findwork, jsonld"
        );
    }
}
