//! `joblake maintain`: compaction of a table fragmented by many small refreshes (same answers
//! before and after, time travel intact), and bronze retention.

use std::time::Instant;

use chrono::NaiveDate;
use joblake::maintain::{self, BronzeExpiry, MaintainSettings};
use joblake::pipeline;
use joblake_gen::DemoSpec;

use crate::util::{query_i64, query_text, run_refresh, temp_lake};

const ANSWER: &str = "SELECT source, count(*) AS n, count(DISTINCT match_key) AS postings, \
     round(avg(salary_annual_mid_eur)) AS salary FROM silver.posting_records GROUP BY source ORDER BY source";

#[tokio::test]
async fn maintain_compacts_a_fragmented_table_and_answers_stay_the_same() {
    let t = temp_lake();
    // Eight small landings, each followed by an incremental refresh: every one appends a few
    // small files to the incremental silver tables.
    for seed in 0..8 {
        let spec = DemoSpec {
            seed,
            jobs: 25,
            anchor: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
        };
        pipeline::land_demo(&t.lake, &spec).await.expect("landed");
        let report = run_refresh(&t.lake, false).await;
        assert!(report.failed_tests().is_empty());
    }
    let table = t
        .lake
        .table("silver", "posting_records")
        .await
        .expect("table");
    let version_before = table.version().expect("version");
    let (files_before, _) = maintain::active_files(&table).expect("files");
    let answer_before = query_text(&t.lake, ANSWER).await;
    let started = Instant::now();
    for _ in 0..5 {
        query_text(&t.lake, ANSWER).await;
    }
    let query_before = started.elapsed() / 5;

    let report = maintain::maintain(&t.lake, &MaintainSettings::default(), None)
        .await
        .expect("maintain");
    let entry = report
        .tables
        .iter()
        .find(|m| m.table == "silver.posting_records")
        .expect("the table was maintained");
    assert_eq!(entry.files_before, files_before);
    let table = t
        .lake
        .table("silver", "posting_records")
        .await
        .expect("table");
    let (files_after, _) = maintain::active_files(&table).expect("files");
    assert_eq!(entry.files_after, files_after);
    assert!(
        files_after * 2 <= files_before,
        "{files_before} files -> {files_after}"
    );
    assert_eq!(query_text(&t.lake, ANSWER).await, answer_before);
    let started = Instant::now();
    for _ in 0..5 {
        query_text(&t.lake, ANSWER).await;
    }
    let query_after = started.elapsed() / 5;
    eprintln!(
        "silver.posting_records: {files_before} files -> {files_after}; query {:.1} ms -> {:.1} ms",
        query_before.as_secs_f64() * 1e3,
        query_after.as_secs_f64() * 1e3
    );
    // The default retention (7 days) keeps the files of earlier versions: time travel works.
    let travelled = query_i64(
        &t.lake,
        &format!("SELECT count(*) FROM table_at('silver.posting_records', {version_before})"),
    )
    .await;
    assert_eq!(
        travelled,
        query_i64(&t.lake, "SELECT count(*) FROM silver.posting_records").await
    );
    // A checkpoint was written, and every change is in the audit trail.
    assert!(
        t.dir
            .path()
            .join("silver/posting_records/_delta_log/_last_checkpoint")
            .exists()
    );
    let audited = query_text(
        &t.lake,
        "SELECT action, target, outcome FROM meta.audit WHERE target = 'silver.posting_records'",
    )
    .await;
    assert!(audited.contains("optimize"), "{audited}");
    // Maintaining again finds nothing left to compact in that table.
    let again = maintain::maintain(&t.lake, &MaintainSettings::default(), None)
        .await
        .expect("maintain");
    let entry = again
        .tables
        .iter()
        .find(|m| m.table == "silver.posting_records")
        .expect("entry");
    assert_eq!(entry.optimize_version, None);
    assert_eq!(entry.files_before, files_after);
}

#[tokio::test]
async fn bronze_past_its_retention_is_archived_not_lost_and_the_archive_is_audited() {
    let t = temp_lake();
    let spec = DemoSpec {
        seed: 1,
        jobs: 20,
        anchor: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
    };
    pipeline::land_demo(&t.lake, &spec).await.expect("landed");
    // An old file: the same bytes under an ingest date of 2020.
    let landed = joblake::bronze::list_files(&t.lake, Some("remotive"))
        .await
        .expect("listed");
    let file = landed.first().expect("a remotive file");
    let old_relative = format!(
        "bronze/remotive/ingest_date=2020-01-01/{}",
        file.path.filename().expect("name")
    );
    let old_path = t.dir.path().join(&old_relative);
    std::fs::create_dir_all(old_path.parent().expect("parent")).expect("dir");
    std::fs::copy(t.dir.path().join(&file.relative), &old_path).expect("copy");
    // A refresh keeps every file's record positions (bronze::line_cache), the old one's too.
    run_refresh(&t.lake, false).await;
    let cached = |files: Vec<joblake::bronze::BronzeFile>| {
        let lake = t.lake.clone();
        async move { joblake::bronze::line_cache::known(&lake, &files).await }
    };
    let all = joblake::bronze::list_files(&t.lake, None)
        .await
        .expect("listed");
    assert!(cached(all.clone()).await.contains_key(&old_relative));

    let settings = MaintainSettings {
        bronze_retention_days: Some(365),
        bronze_expiry: BronzeExpiry::Archive,
        ..MaintainSettings::default()
    };
    let report = maintain::maintain(&t.lake, &settings, None)
        .await
        .expect("maintain");
    assert_eq!(report.bronze_expired, 1);
    assert!(!old_path.exists());
    assert!(t.dir.path().join("archive").join(&old_relative).exists());
    assert!(
        t.dir.path().join(&file.relative).exists(),
        "recent files stay"
    );
    let audited = query_text(&t.lake, "SELECT action, target FROM meta.audit").await;
    assert!(audited.contains("archive_bronze"), "{audited}");
    assert!(audited.contains(&old_relative), "{audited}");
    // Its cached positions went with it; the others stay.
    let left = cached(all).await;
    assert!(!left.contains_key(&old_relative));
    assert!(left.contains_key(&file.relative));
}
