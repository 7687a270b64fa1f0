//! `joblake dashboard` and `joblake serve`: one self-contained HTML page of the job market,
//! built from the gold `dash_*` tables (`sql/gold/dash_*.sql`). `web/CONTRACT.md` is the data
//! contract between this module and the page (`web/dashboard/`): [`data`] builds the data,
//! [`page`] assembles the file, [`serve`] serves it on localhost, rebuilt when the lake
//! changes.

pub mod data;
pub mod page;
pub mod serve;

use std::path::Path;

use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::Project;

/// What a written dashboard holds.
#[derive(Debug, Clone)]
pub struct Written {
    /// Size of the page in bytes.
    pub bytes: usize,
    /// Postings the page shows.
    pub postings: u64,
    /// Seconds spent reading the lake and writing the page.
    pub seconds: f64,
}

/// Builds the page from the lake as it is.
pub async fn build(lake: &Lake, project: &Project) -> Result<(String, u64)> {
    let data = data::build(lake, project).await?;
    let postings = data.meta.postings;
    let json = serde_json::to_string(&data).map_err(|e| Error::Encode {
        what: "the dashboard's data".into(),
        message: e.to_string(),
    })?;
    Ok((page::render(&json)?, postings))
}

/// Builds the page and writes it to `out`.
pub async fn write(lake: &Lake, project: &Project, out: &Path) -> Result<Written> {
    let started = std::time::Instant::now();
    let (html, postings) = build(lake, project).await?;
    std::fs::write(out, &html).map_err(|source| Error::Io {
        context: format!("writing {}", out.display()),
        source,
    })?;
    Ok(Written {
        bytes: html.len(),
        postings,
        seconds: started.elapsed().as_secs_f64(),
    })
}
