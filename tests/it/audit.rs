//! The audit trail: Delta refuses to change it, SQL cannot write it under any spelling of its
//! name, concurrent appends keep one unbroken hash chain, and `joblake audit verify` finds a
//! row edited or removed at the storage level.

use std::sync::Arc;

use chrono::NaiveDate;
use deltalake::protocol::SaveMode;
use joblake::lake::Lake;
use joblake::lake::audit::{self, AuditEvent};
use joblake::pipeline;
use joblake_gen::DemoSpec;

use crate::util::{query, query_i64, query_text, run_refresh, temp_lake};

fn joblake(lake: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("joblake").expect("binary");
    cmd.env("JOBLAKE_LAKE", lake).env_remove("RUST_LOG");
    cmd
}

/// Records `n` events, one commit each.
async fn record_n(lake: &Lake, n: usize, label: &str) {
    for i in 0..n {
        let e = AuditEvent::new("test", format!("{label}/{i}")).detail(format!("event {i}"));
        audit::record(lake, &[e]).await.expect("recorded");
    }
}

/// Replaces the trail with the rows `select` returns, as someone with write access to the
/// storage could: the table's directory removed, a new table written in its place.
async fn rewrite_trail(lake: &Lake, dir: &std::path::Path, select: &str) {
    let batches = query(lake, select).await;
    std::fs::remove_dir_all(dir.join("_meta/audit")).expect("trail removed");
    lake.table("_meta", "audit")
        .await
        .expect("table")
        .write(batches)
        .with_save_mode(SaveMode::Append)
        .await
        .expect("rewritten");
}

/// Every column of the trail, with `detail` replaced by `detail_expr`.
fn trail_with_detail(detail_expr: &str, filter: &str) -> String {
    format!(
        "SELECT at, \"user\", host, command, run_id, action, target, version, rows, outcome, \
         {detail_expr} AS detail, seq, prev_hash, hash FROM meta.audit {filter}"
    )
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten_or_deleted() {
    let t = temp_lake();
    let spec = DemoSpec {
        seed: 2,
        jobs: 20,
        anchor: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
    };
    let reports = pipeline::land_demo(&t.lake, &spec).await.expect("landed");
    joblake::ops::runs::steps::audit_land(&t.lake, &reports)
        .await
        .expect("audited");
    let rows = query_i64(
        &t.lake,
        "SELECT count(*) FROM meta.audit WHERE action = 'land'",
    )
    .await;
    assert_eq!(rows as usize, reports.len());

    // Delta refuses a delete and an overwrite of an append-only table, from any writer.
    let table = t.lake.table("_meta", "audit").await.expect("audit table");
    let deleted = table.clone().delete().await;
    let err = deleted.expect_err("a delete of the audit trail is refused");
    assert!(err.to_string().to_lowercase().contains("append"), "{err}");
    let batches = query(&t.lake, "SELECT * FROM meta.audit LIMIT 1").await;
    let overwrite = table
        .write(batches)
        .with_save_mode(SaveMode::Overwrite)
        .await;
    let err = overwrite.expect_err("an overwrite of the audit trail is refused");
    assert!(err.to_string().to_lowercase().contains("append"), "{err}");
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM meta.audit").await,
        rows,
        "nothing changed"
    );

    // SQL cannot write `meta.*`, whatever name it gives the table.
    for forged in [
        "INSERT INTO meta.audit SELECT * FROM meta.audit LIMIT 1",
        "INSERT INTO datafusion.meta.audit SELECT * FROM meta.audit LIMIT 1",
        "INSERT INTO \"datafusion\".\"meta\".\"audit\" SELECT * FROM meta.audit LIMIT 1",
        "SET datafusion.catalog.default_schema = 'meta'; INSERT INTO audit SELECT * FROM meta.audit LIMIT 1",
        "DELETE FROM datafusion.meta.audit",
        "UPDATE meta.audit SET outcome = 'ok'",
        "CREATE VIEW meta.audit AS SELECT 1 AS x",
        "DROP TABLE meta.audit",
    ] {
        let out = joblake(t.dir.path())
            .args(["sql", "--allow-writes", "-c", forged])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted: {forged}");
        assert!(
            stderr.contains("written by joblake only"),
            "{forged}: {stderr}"
        );
    }
    let copy_into_meta = format!(
        "COPY (SELECT 1 AS x) TO '{}/_meta/audit/forged.parquet'",
        t.dir.path().display()
    );
    joblake(t.dir.path())
        .args(["sql", "--allow-writes", "-c", &copy_into_meta])
        .assert()
        .failure()
        .stderr(predicates::str::contains("written by joblake only"));
    assert!(!t.dir.path().join("_meta/audit/forged.parquet").exists());
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM meta.audit").await,
        rows
    );

    // Below the SQL guard, the tables themselves refuse writes.
    let project = joblake::project::Project::embedded();
    let ctx = joblake::engine::session(&t.lake, &project, joblake::bronze::FileSelection::All)
        .await
        .expect("session");
    let bypass = async {
        ctx.sql("INSERT INTO meta.audit SELECT * FROM meta.audit LIMIT 1")
            .await?
            .collect()
            .await
    }
    .await;
    assert!(bypass.is_err(), "the meta provider accepted an insert");

    // SQL that writes another table (`--allow-writes`) is audited.
    run_refresh(&t.lake, false).await;
    joblake(t.dir.path())
        .args(["sql", "--allow-writes", "-c"])
        .arg("INSERT INTO silver.rejects SELECT * FROM silver.rejects LIMIT 1")
        .assert()
        .success();
    let sql_events = query_text(
        &t.lake,
        "SELECT target, outcome, detail FROM meta.audit WHERE action = 'sql'",
    )
    .await;
    assert!(
        sql_events.contains("silver.rejects") && sql_events.contains("INSERT INTO silver.rejects"),
        "{sql_events}"
    );
    joblake(t.dir.path())
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicates::str::contains("the chain holds"));
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let t = temp_lake();
    let lake = Arc::new(t.lake.clone());
    let mut tasks = Vec::new();
    for w in 0..6 {
        let lake = lake.clone();
        tasks.push(tokio::spawn(async move {
            record_n(&lake, 5, &format!("writer{w}")).await
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let verdict = audit::check(&t.lake).await.expect("checked");
    assert_eq!(verdict.chained, 30);
    assert!(verdict.breaks.is_empty(), "{:?}", verdict.breaks);
    assert_eq!(verdict.tip.map(|t| t.seq), Some(29));
    let seqs = query_text(
        &t.lake,
        "SELECT count(DISTINCT seq) AS n, min(seq) AS lo, max(seq) AS hi FROM meta.audit",
    )
    .await;
    assert!(seqs.contains("30") && seqs.contains("29"), "{seqs}");
}

#[tokio::test]
async fn verify_finds_an_edited_a_deleted_and_a_removed_last_row() {
    let t = temp_lake();
    record_n(&t.lake, 8, "x").await;
    let verify = || joblake(t.dir.path()).args(["audit", "verify"]).output();
    let out = verify().expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let tip = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tip: "))
        .expect("a tip is printed")
        .to_string();
    assert!(tip.starts_with("7:"), "{tip}");

    // An edited detail.
    rewrite_trail(
        &t.lake,
        t.dir.path(),
        &trail_with_detail(
            "CASE WHEN seq = 3 THEN 'nothing happened' ELSE detail END",
            "",
        ),
    )
    .await;
    let out = verify().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("row 3 was changed"), "{text}");

    // Back to the true rows, then one deleted.
    rewrite_trail(
        &t.lake,
        t.dir.path(),
        &trail_with_detail("CASE WHEN seq = 3 THEN 'event 3' ELSE detail END", ""),
    )
    .await;
    assert!(verify().expect("runs").status.success(), "restored");
    rewrite_trail(
        &t.lake,
        t.dir.path(),
        &trail_with_detail("detail", "WHERE seq <> 5"),
    )
    .await;
    let out = verify().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("row 5 is missing"), "{text}");

    // The last row removed along with the log: only a tip kept elsewhere can tell.
    rewrite_trail(
        &t.lake,
        t.dir.path(),
        &trail_with_detail("detail", "WHERE seq < 6"),
    )
    .await;
    assert!(
        verify().expect("runs").status.success(),
        "the chain itself holds"
    );
    let out = joblake(t.dir.path())
        .args(["audit", "verify", "--tip", &tip])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("rows at the end were removed"), "{text}");
}

#[tokio::test]
async fn rows_written_before_the_chain_are_counted_and_the_chain_starts_after_them() {
    let t = temp_lake();
    record_n(&t.lake, 3, "old").await;
    // A trail from before the chain: the same rows without its three columns.
    let batches = query(
        &t.lake,
        "SELECT at, \"user\", host, command, run_id, action, target, version, rows, outcome, \
         detail FROM meta.audit",
    )
    .await;
    std::fs::remove_dir_all(t.dir.path().join("_meta/audit")).expect("removed");
    t.lake
        .table("_meta", "audit")
        .await
        .expect("table")
        .write(batches)
        .with_save_mode(SaveMode::Append)
        .await
        .expect("old trail");
    record_n(&t.lake, 2, "new").await;
    let verdict = audit::check(&t.lake).await.expect("checked");
    assert_eq!((verdict.unchained, verdict.chained), (3, 2));
    assert!(verdict.breaks.is_empty(), "{:?}", verdict.breaks);
    assert_eq!(verdict.tip.map(|t| t.seq), Some(1));
}
