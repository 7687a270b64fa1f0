//! Which versions of its inputs a model's table was built from, recorded in the commit that
//! wrote it (`joblake.inputs` in the Delta commit info). A rollup answers for its inputs only
//! while their rows are still those of these versions (`engine::rollups`), and tools that read
//! a table's history see each version's lineage.

use std::collections::BTreeMap;

use deltalake::DeltaTable;
use deltalake::kernel::DeletionVectorDescriptor;
use deltalake::kernel::transaction::CommitProperties;

use super::{DELTA_LAYERS, Lake};
use crate::error::Result;

/// Key of the record in a commit's info.
pub const COMMIT_KEY: &str = "joblake.inputs";

/// Input table (`layer.table`) → its version.
pub type InputVersions = BTreeMap<String, u64>;

/// The latest versions of the Delta tables among `tables` (qualified names; other layers such
/// as `ref` and `bronze` have no versions and are left out, as are tables not yet written).
pub async fn current<'a>(
    lake: &Lake,
    tables: impl IntoIterator<Item = &'a String>,
) -> Result<InputVersions> {
    let mut out = BTreeMap::new();
    for qualified in tables {
        let Some((layer, name)) = qualified.split_once('.') else {
            continue;
        };
        if !DELTA_LAYERS.contains(&layer) {
            continue;
        }
        if let Some(v) = lake.latest_version(layer, name).await? {
            out.insert(qualified.clone(), v);
        }
    }
    Ok(out)
}

/// The commit properties that record `inputs`.
pub fn commit_properties(inputs: &InputVersions) -> CommitProperties {
    let value = serde_json::Value::Object(
        inputs
            .iter()
            .map(|(t, v)| (t.clone(), serde_json::Value::from(*v)))
            .collect(),
    );
    CommitProperties::default().with_metadata([(COMMIT_KEY.to_string(), value)])
}

/// What the commit that wrote `table`'s rows, as of its loaded version, recorded: the newest
/// commit that says, past later ones that only compacted or vacuumed it (None: it recorded
/// nothing, as a commit by another writer does, or rows changed since). A restore (how a
/// failed refresh puts its tables back) holds the rows of the version it went back to, so
/// the walk goes on from that version: the refresh after a failed one merges its tables
/// again instead of writing them whole.
pub async fn recorded(table: &DeltaTable) -> Result<Option<InputVersions>> {
    let Some(mut version) = table.version() else {
        return Ok(None);
    };
    let log = table.log_store();
    loop {
        let Some(bytes) = log.read_commit_entry(version).await? else {
            return Ok(None);
        };
        let actions = actions(&bytes);
        if let Some(restored) = restored_version(&actions) {
            if restored >= version {
                return Ok(None);
            }
            version = restored;
            continue;
        }
        if let Some(inputs) = actions.iter().find_map(|a| {
            a.get("commitInfo")
                .and_then(|info| info.get(COMMIT_KEY))
                .and_then(serde_json::Value::as_object)
        }) {
            return Ok(inputs
                .iter()
                .map(|(t, v)| v.as_u64().map(|v| (t.clone(), v)))
                .collect());
        }
        if !keeps_rows(&actions) || version == 0 {
            return Ok(None);
        }
        version -= 1;
    }
}

/// A commit's actions, one JSON object per line; an unreadable line is `Null`, which no check
/// accepts.
fn actions(commit: &[u8]) -> Vec<serde_json::Value> {
    commit
        .split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| serde_json::from_slice(line).unwrap_or(serde_json::Value::Null))
        .collect()
}

/// True when a commit only set table properties (turning the change data feed on): such a
/// commit rewrites the metadata with new properties, not a new schema, and changes no row.
fn is_set_properties(actions: &[serde_json::Value]) -> bool {
    let operation = actions.iter().find_map(|a| {
        a.get("commitInfo")
            .and_then(|info| info.get("operation"))
            .and_then(serde_json::Value::as_str)
    });
    operation == Some("SET TBLPROPERTIES")
        && actions.iter().all(|action| {
            action.as_object().is_some_and(|action| {
                action
                    .keys()
                    .all(|kind| matches!(kind.as_str(), "commitInfo" | "metaData" | "protocol"))
            })
        })
}

/// True when a commit's actions only rearranged files (compaction adds and removes them with
/// `dataChange: false`, the Delta protocol's mark for that) or recorded a vacuum. Any other
/// action (rows added or removed, a schema change, a restore): false.
fn keeps_rows(actions: &[serde_json::Value]) -> bool {
    actions.iter().all(|action| {
        action.as_object().is_some_and(|action| {
            action.iter().all(|(kind, body)| match kind.as_str() {
                "commitInfo" => true,
                "add" | "remove" => data_change(body) == Some(false),
                _ => false,
            })
        })
    })
}

/// True when no commit of `layer.name` after version `from`, up to `to`, changed its rows
/// (see [`keeps_rows`]); an unreadable commit counts as a change.
pub async fn rows_unchanged(
    lake: &Lake,
    layer: &str,
    name: &str,
    from: u64,
    to: u64,
) -> Result<bool> {
    Ok(grown(lake, layer, name, from, to)
        .await?
        .is_some_and(|added| added.is_empty()))
}

/// An action's `dataChange` flag.
fn data_change(body: &serde_json::Value) -> Option<bool> {
    body.get("dataChange").and_then(serde_json::Value::as_bool)
}

/// The data files the commits of `layer.name` after version `from`, up to `to`, added (paths
/// relative to the table, as its log writes them), when those commits only added rows
/// (appends) or only rearranged them ([`row_changes`] with no row deleted): the rows of version
/// `from` are all still there, unchanged, and these files hold the new ones. None when a commit
/// did anything else; an unreadable commit counts as that.
pub async fn grown(
    lake: &Lake,
    layer: &str,
    name: &str,
    from: u64,
    to: u64,
) -> Result<Option<Vec<String>>> {
    Ok(row_changes(lake, layer, name, from, to)
        .await?
        .filter(|changes| changes.marked.is_empty() && changes.change_files.is_empty())
        .map(|changes| changes.added))
}

/// What the commits of a table between two versions did to its rows, when they only added
/// files and marked rows deleted ([`row_changes`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowChanges {
    /// Data files added with new rows (paths relative to the table, as its log writes them).
    pub added: Vec<String>,
    /// Files some of whose rows were marked deleted (`super::deletion_vectors::replace_rows`).
    pub marked: Vec<Marked>,
    /// Change data files (`super::rewrite::replace_rows`): every row a commit that wrote them
    /// deleted or added (that commit's data files are left out: they hold rows it kept).
    pub change_files: Vec<String>,
}

/// A data file re-added with a larger deletion vector: its rows in `after` and not in `before`
/// were deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    /// The file (relative to the table, as its log writes it).
    pub path: String,
    /// Its vector before the commit (None: no row of it was deleted).
    pub before: Option<DeletionVectorDescriptor>,
    /// Its vector after.
    pub after: DeletionVectorDescriptor,
}

/// The rows the commits of `layer.name` after version `from`, up to `to`, added and
/// deleted, when each commit only added files of new rows ([`grown`]), marked rows of files
/// deleted (a file removed and re-added with a deletion vector, as a merge by key writes it),
/// wrote its changes to change data files (a merge that rewrites files, `super::rewrite`),
/// rearranged files (`dataChange: false`), raised the protocol or set table properties. None
/// when a commit removed a file's rows whole without change data (a rewrite), changed the
/// schema, or did anything else; an unreadable commit counts as that. The changed rows are
/// then found by comparing versions instead. A restore to a version at or after `from` (how
/// a failed refresh puts its tables back) undoes the commits after that version: the changes
/// are those up to it, then the commits after the restore's.
pub async fn row_changes(
    lake: &Lake,
    layer: &str,
    name: &str,
    from: u64,
    to: u64,
) -> Result<Option<RowChanges>> {
    if to < from {
        return Ok(None);
    }
    let log = lake.unloaded_table(layer, name)?.log_store();
    // The changes from `from` up to each version read (None: not known from the commits).
    let mut at: BTreeMap<u64, Option<RowChanges>> = BTreeMap::new();
    let mut changes = Some(RowChanges::default());
    at.insert(from, changes.clone());
    for version in from + 1..=to {
        let Some(bytes) = log.read_commit_entry(version).await? else {
            return Ok(None);
        };
        let actions = actions(&bytes);
        changes = match restored_version(&actions) {
            Some(restored) => at.get(&restored).cloned().flatten(),
            None => changes.and_then(|before| commit_changes(before, actions)),
        };
        at.insert(version, changes.clone());
    }
    Ok(changes)
}

/// The version a restore commit (`RESTORE`, as `DeltaTable::restore` writes it) took its
/// table back to.
fn restored_version(actions: &[serde_json::Value]) -> Option<u64> {
    let info = actions.iter().find_map(|a| a.get("commitInfo"))?;
    if info.get("operation").and_then(serde_json::Value::as_str) != Some("RESTORE") {
        return None;
    }
    let version = info.get("operationParameters")?.get("version")?;
    // The log writes operation parameters as text.
    match version {
        serde_json::Value::String(v) => v.parse().ok(),
        other => other.as_u64(),
    }
}

/// `changes` with one commit's (its `actions`) added ([`row_changes`]); None when the commit
/// did something else than add, mark or rearrange rows.
fn commit_changes(mut changes: RowChanges, actions: Vec<serde_json::Value>) -> Option<RowChanges> {
    if is_set_properties(&actions) {
        return Some(changes);
    }
    // path -> the vector it had, for the files this commit removed with a data change.
    let mut removed: BTreeMap<String, Option<DeletionVectorDescriptor>> = BTreeMap::new();
    let mut added: Vec<(String, Option<DeletionVectorDescriptor>)> = Vec::new();
    // With change data files, they are the commit's changes (the Delta protocol's rule): its
    // data files hold the rows it kept as well.
    let mut change_files = Vec::new();
    for action in actions {
        let action = action.as_object()?;
        for (kind, body) in action {
            let path = || body.get("path").and_then(serde_json::Value::as_str);
            let vector = || -> std::result::Result<Option<DeletionVectorDescriptor>, ()> {
                match body.get("deletionVector") {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|_| ()),
                }
            };
            match kind.as_str() {
                "commitInfo" | "protocol" => {}
                "cdc" => change_files.push(path()?.to_string()),
                "add" | "remove" if data_change(body) == Some(false) => {}
                "add" | "remove" => {
                    let (Some(path), Ok(vector)) = (path(), vector()) else {
                        return None;
                    };
                    if kind == "add" {
                        added.push((path.to_string(), vector));
                    } else {
                        removed.insert(path.to_string(), vector);
                    }
                }
                _ => return None,
            }
        }
    }
    if !change_files.is_empty() {
        changes.change_files.extend(change_files);
        return Some(changes);
    }
    for (path, vector) in added {
        match (removed.remove(&path), vector) {
            (None, None) => changes.added.push(path),
            (Some(before), Some(after)) => changes.marked.push(Marked {
                path,
                before,
                after,
            }),
            _ => return None,
        }
    }
    // Rows removed with their file: a rewrite.
    removed.is_empty().then_some(changes)
}
