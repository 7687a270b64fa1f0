//! What every command starts from, made once: the configuration (file, environment, then the
//! global options), the lake opened with the engine settings, and the SQL project.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context as _, Result};

use super::Cli;
use crate::config::Config;
use crate::lake::Lake;
use crate::ops::runs::RunContext;
use crate::project::Project;

/// The configuration, lake and project of one command.
pub struct Context {
    /// `joblake.toml` and the environment, with the global options applied.
    pub config: Config,
    /// The lake, with the configured engine settings.
    pub lake: Lake,
    /// The built-in models, or `--models`.
    pub project: Project,
    /// `--quiet`: only results and errors.
    pub quiet: bool,
}

impl Context {
    /// Loads the configuration, applies `--lake` and `--models`, opens the lake and the project.
    pub fn open(cli: &Cli) -> Result<Self> {
        let mut config = Config::load(cli.config.as_deref())?;
        if let Some(lake) = &cli.lake {
            config.lake = lake.clone();
        }
        if let Some(models) = &cli.models {
            config.models_dir = Some(models.clone());
        }
        if let Some(engine) = &cli.engine {
            config.engine.cluster = Some(engine.clone());
        }
        let lake = Lake::open(&config.lake, config.storage.clone())
            .with_context(|| format!("opening the lake at {}", config.lake))?
            .with_engine_settings(config.engine.clone());
        let project = match &config.models_dir {
            Some(dir) => Project::from_dir(dir)?,
            None => Project::embedded(),
        };
        Ok(Context {
            config,
            lake,
            project,
            quiet: cli.quiet,
        })
    }

    /// Everything a run or a step needs, stopping when `stop` is set.
    pub fn run_context(&self, stop: Arc<AtomicBool>) -> RunContext {
        RunContext::new(
            self.lake.clone(),
            self.project.clone(),
            self.config.clone(),
            stop,
        )
    }

    /// The warehouse `url` names, else the configured one, else SQLite beside the lake.
    pub fn warehouse_url(&self, url: Option<String>) -> String {
        url.or_else(|| self.config.warehouse.clone())
            .unwrap_or_else(|| crate::warehouse::default_url(&self.lake))
    }
}
