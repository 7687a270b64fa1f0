//! Data quality per landing run and source: `gold.quality_by_run_source` accounts for every
//! record, and the `[quality]` thresholds catch a source that suddenly lands garbage, in
//! `joblake quality` and as the failed `quality` step of a run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use joblake::lake::run_log::RunStatus;
use joblake::ops::runs::{self, JobSpec, RunContext, Step, Trigger};
use joblake::pipeline::{land_bytes, land_demo};
use joblake::project::Project;
use joblake::quality::{self, Breach, QualitySettings};

use crate::util::*;

/// The demo's Adzuna files with `strip` removed from every posting: what a source whose
/// response changed shape would land.
fn adzuna_without(strip: &str) -> Vec<(String, Vec<u8>)> {
    demo_adzuna_edited(200, |_, r| {
        if let Some(o) = r.as_object_mut() {
            o.remove(strip);
        }
        true
    })
    .into_iter()
    .map(|(name, bytes)| (format!("changed-{name}"), bytes))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_of_every_run_is_counted_and_a_broken_source_fails_the_run() {
    let t = temp_lake();
    let landed = land_demo(&t.lake, &small_demo(300))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;
    let project = Project::embedded();
    let now = chrono::Utc::now();
    let report = quality::check(&t.lake, &project, &QualitySettings::default(), now)
        .await
        .expect("quality reads gold");
    assert!(report.breaches.is_empty(), "{:?}", report.breaches);
    let sources: Vec<&str> = report.latest.iter().map(|q| q.source.as_str()).collect();
    assert_eq!(sources.len(), landed.len(), "one row per source landed");
    for q in &report.latest {
        assert_eq!(q.records, q.valid + q.rejected, "{q:?}");
        assert!(q.duplicates <= q.valid, "{q:?}");
        for (field, share) in &q.shares {
            assert!(
                share.is_none_or(|s| (0.0..=1.0).contains(&s)),
                "{field}: {share:?}"
            );
        }
    }
    let counted: i64 = report.latest.iter().map(|q| q.records).sum();
    let bronze = query_i64(&t.lake, "SELECT count(*) FROM bronze.envelopes").await;
    assert_eq!(counted, bronze, "every bronze record is in its run's row");

    // Two more ordinary Adzuna runs (three make a habit), then one with no titles (every
    // record quarantined) and one with no companies (a field suddenly empty).
    for run in ["run-again-1", "run-again-2"] {
        let files = demo_adzuna_edited(200, |_, r| {
            r["adref"] = serde_json::json!(run);
            true
        });
        land_bytes(&t.lake, "adzuna", files, run)
            .await
            .expect("lands");
    }
    land_bytes(&t.lake, "adzuna", adzuna_without("title"), "run-no-titles")
        .await
        .expect("lands");
    run_refresh(&t.lake, false).await;
    let report = quality::check(&t.lake, &project, &QualitySettings::default(), now)
        .await
        .expect("quality reads gold");
    assert!(
        matches!(&report.breaches[..], [Breach::Rejects { source, share, .. }] if source == "adzuna" && *share == 1.0),
        "{:?}",
        report.breaches
    );

    land_bytes(
        &t.lake,
        "adzuna",
        adzuna_without("company"),
        "run-no-companies",
    )
    .await
    .expect("lands");
    let ctx = RunContext::new(
        t.lake.clone(),
        project.clone(),
        joblake::config::Config::default(),
        Arc::new(AtomicBool::new(false)),
    );
    let job = JobSpec {
        steps: vec![Step::Refresh],
        sources: Vec::new(),
        ..runs::default_jobs()["pipeline"].clone()
    };
    let run = runs::execute(&ctx, "refresh", &job, Trigger::Manual, 1, "q-run", &|_| {})
        .await
        .expect("the run is logged");
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert_eq!(run.failed_step.as_deref(), Some("quality"), "{run:?}");
    let error = run.error.unwrap_or_default();
    assert!(
        error.contains("adzuna: company in 0% of postings, usually 100%"),
        "{error}"
    );

    // A threshold per source lets a known-poor source through, and says so in the report.
    let settings = QualitySettings {
        max_drop: 0.0,
        min_share: BTreeMap::from([("company".to_string(), 0.0)]),
        ..QualitySettings::default()
    };
    let report = quality::check(&t.lake, &project, &settings, now)
        .await
        .expect("quality reads gold");
    assert!(report.breaches.is_empty(), "{:?}", report.breaches);
}
