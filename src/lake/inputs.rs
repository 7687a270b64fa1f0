//! Which versions of its inputs a model's table was built from, recorded in the commit that
//! wrote it (`joblake.inputs` in the Delta commit info). A rollup answers for its inputs only
//! while they are still at those versions (`engine::rollups`), and `DESCRIBE HISTORY`-style
//! tools see each version's lineage.

use std::collections::BTreeMap;

use deltalake::DeltaTable;
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

/// What the commit that wrote `table`'s loaded version recorded (None: it recorded nothing,
/// as a commit by `maintain` or by another writer does).
pub async fn recorded(table: &DeltaTable) -> Result<Option<InputVersions>> {
    let Some(version) = table.version() else {
        return Ok(None);
    };
    let Some(bytes) = table.log_store().read_commit_entry(version).await? else {
        return Ok(None);
    };
    // A commit is one JSON action per line; the commit info is one of them.
    for line in bytes.split(|b| *b == b'\n') {
        let Ok(action) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(serde_json::Value::Object(map)) = action
            .get("commitInfo")
            .and_then(|info| info.get(COMMIT_KEY))
        {
            return Ok(map
                .iter()
                .map(|(t, v)| v.as_u64().map(|v| (t.clone(), v)))
                .collect());
        }
    }
    Ok(None)
}
