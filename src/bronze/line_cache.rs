//! Where each bronze file's records are, kept between runs in `_meta/bronze_lines.json`: a
//! scan that needs only record positions (the reconciliation data test, a count) takes them
//! from here instead of decompressing the file again. At a million postings that scan
//! decompressed 1.9 GB on every refresh, incremental ones included, to count lines that had
//! not changed.
//!
//! Bronze files are written once and never changed (`bronze` module docs); an entry still
//! holds only for the size, modification time and entity tag (when the store gives one: S3's
//! is a hash of the content; a local file's, its inode, is left out so that a copied or
//! restored lake keeps its entries) the file had when it was read, so a file replaced by hand
//! is read again. The cache is best-effort: an unreadable or missing one, or a
//! lost update (two processes recording at once), only means reading the files again. Two
//! writers record: a landing, the positions of the files it wrote (taken from the text it
//! compressed, by the scan's own rule: `bronze::remember_positions`), and a session marked
//! with [`record_in`] (a refresh's data tests), those its position-only scans read. A query
//! session never writes to the lake, and a cluster's executors, which lack the mark, only read.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use deltalake::arrow::array::Int64Array;
use deltalake::datafusion::prelude::SessionContext;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use super::BronzeFile;
use crate::lake::Lake;

/// The cache's place in the lake.
pub const PATH: &str = "_meta/bronze_lines.json";

/// One file's record positions: its line numbers as inclusive runs (blank lines are not
/// records, so a file may have several runs), for the file's size and modification time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLines {
    /// Size in bytes when read.
    pub size: u64,
    /// Modification time when read (microseconds since the epoch).
    pub modified: i64,
    /// The store's entity tag when read, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// Line numbers, as inclusive `(first, last)` runs in order.
    pub runs: Vec<(i64, i64)>,
}

impl FileLines {
    /// The entry of `file` whose records are at `lines` (in order, as decoding found them).
    pub fn of(file: &BronzeFile, lines: &Int64Array) -> FileLines {
        Self::from_lines(file, lines.values().iter().copied())
    }

    /// The entry of `file` whose records are at `lines` (in order).
    pub fn from_lines(file: &BronzeFile, lines: impl IntoIterator<Item = i64>) -> FileLines {
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for line in lines {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == line => *last = line,
                _ => runs.push((line, line)),
            }
        }
        FileLines {
            size: file.size,
            modified: file.modified,
            e_tag: file.e_tag.clone(),
            runs,
        }
    }

    /// True when the entry was read from this version of `file`.
    fn describes(&self, file: &BronzeFile) -> bool {
        self.size == file.size && self.modified == file.modified && self.e_tag == file.e_tag
    }

    /// The line numbers, in order.
    pub fn lines(&self) -> impl Iterator<Item = i64> + '_ {
        self.runs.iter().flat_map(|&(first, last)| first..=last)
    }
}

/// The mark of a session whose position-only bronze scans record what they read.
#[derive(Debug)]
pub struct RecordLines;

/// Marks `ctx`: its position-only bronze scans record the positions they read.
pub fn record_in(ctx: &SessionContext) {
    ctx.state_ref()
        .write()
        .config_mut()
        .set_extension(Arc::new(RecordLines));
}

/// The file as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    /// By bronze path relative to the lake root.
    files: BTreeMap<String, FileLines>,
}

/// One process records at a time (load, merge, put), so that its own scans lose no entry.
static RECORDING: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

async fn load(lake: &Lake) -> Stored {
    let read = async {
        let found = lake.store().get(&lake.path(PATH)).await?;
        found.bytes().await
    };
    match read.await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!("{PATH} is unreadable ({e}); bronze files will be read again");
            Stored::default()
        }),
        Err(object_store::Error::NotFound { .. }) => Stored::default(),
        Err(e) => {
            tracing::warn!("{PATH} cannot be read ({e}); bronze files will be read again");
            Stored::default()
        }
    }
}

/// The cached positions of those of `files` whose entry describes them, by relative path.
pub async fn known(lake: &Lake, files: &[BronzeFile]) -> BTreeMap<String, FileLines> {
    let mut stored = load(lake).await.files;
    files
        .iter()
        .filter_map(|f| {
            let entry = stored.remove(&f.relative)?;
            entry.describes(f).then(|| (f.relative.clone(), entry))
        })
        .collect()
}

/// Adds `entries` (relative path, positions) to the cache. A failure is logged, not returned:
/// the scan that read the files has its answer either way.
pub async fn record(lake: &Lake, entries: Vec<(String, FileLines)>) {
    if entries.is_empty() {
        return;
    }
    let _one = RECORDING.lock().await;
    let started = std::time::Instant::now();
    let added = entries.len();
    let mut stored = load(lake).await;
    stored.files.extend(entries);
    match put(lake, &stored).await {
        Ok(_) => tracing::debug!(
            "{PATH}: {added} files recorded in {:.3} s",
            started.elapsed().as_secs_f64()
        ),
        Err(e) => tracing::warn!("cannot write {PATH} ({e}); bronze files will be read again"),
    }
}

/// Removes the entries of `files` (relative paths): bronze that `maintain` archived or
/// deleted, so that the cache keeps only what bronze holds. Best-effort, as [`record`].
pub async fn forget(lake: &Lake, files: &[String]) {
    if files.is_empty() {
        return;
    }
    let _one = RECORDING.lock().await;
    let mut stored = load(lake).await;
    let before = stored.files.len();
    for f in files {
        stored.files.remove(f);
    }
    if stored.files.len() == before {
        return;
    }
    if let Err(e) = put(lake, &stored).await {
        tracing::warn!("cannot write {PATH} ({e}); it keeps entries of files no longer in bronze");
    }
}

async fn put(lake: &Lake, stored: &Stored) -> std::io::Result<()> {
    let body = serde_json::to_vec(stored).map_err(std::io::Error::other)?;
    lake.store()
        .put(&lake.path(PATH), PutPayload::from(body))
        .await
        .map_err(std::io::Error::other)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64, modified: i64) -> BronzeFile {
        BronzeFile {
            path: "bronze/x/a.ndjson".into(),
            relative: "bronze/x/a.ndjson".into(),
            source: "x".into(),
            ingest_date: None,
            size,
            modified,
            e_tag: Some("v1".into()),
        }
    }

    #[test]
    fn positions_are_kept_as_runs_and_given_back_in_order() {
        let lines = Int64Array::from(vec![1, 2, 3, 5, 6, 9]);
        let entry = FileLines::of(&file(10, 7), &lines);
        assert_eq!(entry.runs, vec![(1, 3), (5, 6), (9, 9)]);
        assert_eq!(entry.lines().collect::<Vec<_>>(), vec![1, 2, 3, 5, 6, 9]);
        assert!(
            FileLines::of(&file(10, 7), &Int64Array::from(Vec::<i64>::new()))
                .runs
                .is_empty()
        );
    }

    #[test]
    fn an_entry_describes_only_the_version_of_the_file_it_was_read_from() {
        let entry = FileLines::of(&file(10, 7), &Int64Array::from(vec![1]));
        assert!(entry.describes(&file(10, 7)));
        assert!(!entry.describes(&file(11, 7)));
        assert!(!entry.describes(&file(10, 8)));
        let mut replaced = file(10, 7);
        replaced.e_tag = Some("v2".into());
        assert!(!entry.describes(&replaced));
    }

    #[tokio::test]
    async fn a_copied_local_lake_keeps_its_positions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let lake = Lake::open(&a.to_string_lossy(), Default::default()).expect("opens");
        lake.store()
            .put(
                &lake.path("bronze/x/ingest_date=2026-12-01/one.ndjson"),
                PutPayload::from_static(b"{}\n{}\n"),
            )
            .await
            .expect("lands");
        let files = crate::bronze::list_files(&lake, None).await.expect("lists");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].e_tag, None, "a local file's tag is its inode");
        record(
            &lake,
            vec![(
                files[0].relative.clone(),
                FileLines::of(&files[0], &Int64Array::from(vec![1, 2])),
            )],
        )
        .await;
        assert_eq!(known(&lake, &files).await.len(), 1);

        // Contents and modification times kept, new inodes.
        let copied = std::process::Command::new("cp")
            .arg("-a")
            .arg(&a)
            .arg(&b)
            .status()
            .expect("cp runs");
        assert!(copied.success());
        let copy = Lake::open(&b.to_string_lossy(), Default::default()).expect("opens");
        let copied = crate::bronze::list_files(&copy, None).await.expect("lists");
        let kept = known(&copy, &copied).await;
        assert_eq!(
            kept.get(&copied[0].relative)
                .map(|l| l.lines().collect::<Vec<_>>()),
            Some(vec![1, 2]),
            "the copy's files are the same versions"
        );
    }
}
