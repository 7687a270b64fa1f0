//! The engine: sessions take their settings from the lake handle they are built over, so one
//! process can hold sessions with different memory limits at the same time.

use joblake::bronze::FileSelection;
use joblake::engine;
use joblake::lake::EngineSettings;
use joblake::project::Project;

use crate::util::temp_lake;

/// A sort of about 16 MB of strings in one partition: more than 1 MiB can hold, so it must
/// spill, and with no spill directory allowed to grow that far it fails under 1 MiB.
const BIG_SORT: &str = "SELECT repeat(CAST(v AS VARCHAR), 40) AS s FROM unnest(range(400000)) AS t(v) \
                        ORDER BY s DESC";

async fn sort_rows(lake: &joblake::lake::Lake) -> Result<usize, String> {
    let ctx = engine::session(lake, &Project::embedded(), FileSelection::All)
        .await
        .map_err(|e| e.to_string())?;
    ctx.sql("SET datafusion.execution.target_partitions = 1")
        .await
        .map_err(|e| e.to_string())?;
    let batches = ctx
        .sql(BIG_SORT)
        .await
        .map_err(|e| e.to_string())?
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    Ok(batches.iter().map(|b| b.num_rows()).sum())
}

#[tokio::test]
async fn two_lakes_in_one_process_keep_their_own_memory_limits() {
    let t = temp_lake();
    let tiny = t.lake.clone().with_engine_settings(EngineSettings {
        memory_limit_mb: Some(1),
        ..EngineSettings::default()
    });
    let unlimited = t.lake.clone();
    assert_eq!(unlimited.engine_settings(), &EngineSettings::default());

    // Both at once, in the same process: the limit of one does not leak into the other.
    let (limited, free) = tokio::join!(sort_rows(&tiny), sort_rows(&unlimited));
    assert_eq!(free, Ok(400_000), "the unlimited session sorts everything");
    let err = limited.expect_err("1 MiB cannot hold the sort's merge buffers");
    assert!(err.contains("Resources exhausted"), "{err}");
}
