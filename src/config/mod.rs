//! Configuration: built-in defaults, then `joblake.toml`, then `JOBLAKE_*` environment variables
//! (and a `.env` file). Secrets are only ever read from the environment, never from the file.

pub mod jobs;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use joblake_sources::http::HttpSettings;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lake::EngineSettings;
use crate::maintain::MaintainSettings;
use crate::meter::EnergyModel;
use crate::pipeline::LandSettings;
use crate::quality::QualitySettings;
use crate::stream::StreamSettings;
use jobs::ScheduleSettings;

/// Validated settings shared by every subcommand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the lake lives: a local directory or an object-store URL (`s3://bucket/prefix`).
    pub lake: String,
    /// Extra object-store options (endpoint, region...). `AWS_*` environment variables are
    /// added at load time so that credentials never need to be written in the file.
    pub storage: HashMap<String, String>,
    /// A directory of SQL models replacing the ones built into the binary.
    pub models_dir: Option<PathBuf>,
    /// The warehouse gold is mirrored into: `postgres://...` or `sqlite://...` (default: a
    /// SQLite file in the lake directory). Passwords belong in `JOBLAKE_WAREHOUSE_URL`.
    pub warehouse: Option<String>,
    /// Politeness of the HTTP client all sources share (`[http]`).
    pub http: HttpSettings,
    /// Sources to ingest from (`[sources.<name>]`); empty means the built-in list.
    pub sources: BTreeMap<String, serde_json::Value>,
    /// `joblake land`: the largest raw file it reads (`[land]`).
    pub land: LandSettings,
    /// Jobs, cron expressions, leases and the metrics endpoint (`[schedule]`).
    pub schedule: ScheduleSettings,
    /// Maintenance: compaction, vacuum retention, bronze retention (`[maintain]`).
    pub maintain: MaintainSettings,
    /// The power model of the run log's energy estimate (`[energy]`).
    pub energy: EnergyModel,
    /// Query engine memory and spilling (`[engine]`).
    pub engine: EngineSettings,
    /// Data-quality thresholds each source's latest landing is judged by (`[quality]`).
    pub quality: QualitySettings,
    /// The Kafka topic `stream` consumes and `ingest --to` publishes to, micro-batch bounds,
    /// refresh cadence (`[stream]`).
    pub stream: StreamSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lake: "./lake".to_string(),
            storage: HashMap::new(),
            models_dir: None,
            warehouse: None,
            http: HttpSettings::default(),
            sources: BTreeMap::new(),
            land: LandSettings::default(),
            schedule: ScheduleSettings::default(),
            maintain: MaintainSettings::default(),
            energy: EnergyModel::default(),
            engine: EngineSettings::default(),
            quality: QualitySettings::default(),
            stream: StreamSettings::default(),
        }
    }
}

impl Config {
    /// Loads `path` (or `./joblake.toml` when it exists) merged with `JOBLAKE_*` variables.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        // A missing .env is the normal case; a malformed one is worth a warning, not a failure.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            tracing::warn!("ignoring .env: {e}");
        }
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) if !p.exists() => {
                return Err(Error::Config(format!("{} does not exist", p.display())));
            }
            Some(p) => figment = figment.merge(Toml::file(p)),
            None => figment = figment.merge(Toml::file("joblake.toml")),
        }
        let mut config: Config = figment
            .merge(Env::prefixed("JOBLAKE_").only(&["lake", "models_dir"]))
            .merge(
                Env::raw()
                    .only(&["JOBLAKE_WAREHOUSE_URL"])
                    .map(|_| "warehouse".into()),
            )
            .extract()
            .map_err(|e| Error::Config(e.to_string()))?;
        for (key, value) in std::env::vars() {
            if key.starts_with("AWS_") {
                config
                    .storage
                    .entry(key.to_ascii_lowercase())
                    .or_insert(value);
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_are_read_and_typos_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = dir.path().join("good.toml");
        std::fs::write(
            &good,
            "lake = \"s3://bucket/lake\"\n[storage]\naws_region = \"eu-west-3\"\n",
        )
        .expect("write");
        let config = Config::load(Some(&good)).expect("valid config");
        assert_eq!(config.lake, "s3://bucket/lake");
        assert_eq!(
            config.storage.get("aws_region").map(String::as_str),
            Some("eu-west-3")
        );

        let typo = dir.path().join("typo.toml");
        std::fs::write(&typo, "lkae = \"./x\"\n").expect("write");
        let err = Config::load(Some(&typo))
            .expect_err("unknown key")
            .to_string();
        assert!(err.contains("lkae"), "{err}");

        let missing = dir.path().join("missing.toml");
        assert!(Config::load(Some(&missing)).is_err());
    }

    #[test]
    fn the_size_limits_are_read_from_their_sections() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("limits.toml");
        std::fs::write(
            &file,
            "[land]\nmax_file_bytes = 1_000\n[http]\nmax_body_bytes = 2_000\n",
        )
        .expect("write");
        let config = Config::load(Some(&file)).expect("valid config");
        assert_eq!(config.land.max_file_bytes, 1_000);
        assert_eq!(config.http.max_body_bytes, 2_000);
        std::fs::write(&file, "[land]\nmax_file_size = 1\n").expect("write");
        let err = Config::load(Some(&file)).expect_err("a typo").to_string();
        assert!(err.contains("max_file_size"), "{err}");
    }

    #[test]
    fn the_example_config_loads_and_job_mistakes_name_the_job() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("joblake.example.toml");
        let config = Config::load(Some(&example)).expect("the example is valid");
        let jobs = config.schedule.jobs();
        let pipeline = &jobs["pipeline"];
        assert_eq!(pipeline.steps.len(), 4);
        assert_eq!(pipeline.retries, 2);
        assert_eq!(config.maintain.vacuum_retention.as_secs(), 7 * 24 * 3600);
        assert!((config.energy.grid_g_per_kwh - 475.0).abs() < 1e-9);
        assert_eq!(config.land.max_file_bytes, 256 * 1024 * 1024);
        assert_eq!(config.http.max_body_bytes, 32 * 1024 * 1024);
        for (name, job) in &jobs {
            jobs::parse_cron(name, &job.cron).expect("example crons parse");
        }

        let dir = tempfile::tempdir().expect("temp dir");
        let bad_step = dir.path().join("step.toml");
        std::fs::write(
            &bad_step,
            "[schedule.jobs.x]\ncron = \"@hourly\"\nsteps = [\"refrsh\"]\n",
        )
        .expect("write");
        let err = Config::load(Some(&bad_step))
            .expect_err("unknown step")
            .to_string();
        assert!(err.contains("refrsh"), "{err}");
        let err = jobs::parse_cron("nightly", "61 * * * *")
            .expect_err("bad cron")
            .to_string();
        assert!(
            err.contains("nightly") && err.contains("61 * * * *"),
            "{err}"
        );
    }
}
