//! The model in the product: `joblake train` on the demo lake and on the real corpus (with its
//! hand labels), the stored versions, the predictions the refresh writes, their mirror into
//! the warehouse, determinism and the floors against the baselines.

use std::path::PathBuf;

use joblake::eval::{self, Labels};
use joblake::lake::Lake;
use joblake::lake::models;
use joblake::ml::{TrainReport, TrainSettings, train};
use joblake::project::Project;
use joblake::warehouse::{MirrorOptions, mirror};
use joblake_model::{ModelKind, ModelMeta};
use object_store::{ObjectStoreExt, PutPayload};

use crate::util::*;

fn figure(m: &ModelMeta, path: &[&str]) -> f64 {
    let mut v = &m.metrics;
    for k in path {
        v = &v[*k];
    }
    v.as_f64()
        .unwrap_or_else(|| panic!("{} has no figure {path:?}: {}", m.name, m.metrics))
}

fn model(report: &TrainReport, kind: ModelKind) -> &ModelMeta {
    report
        .models
        .iter()
        .find(|m| m.name == kind)
        .unwrap_or_else(|| panic!("{kind} was not trained: {:?}", report.skipped))
}

async fn train_default(lake: &Lake) -> TrainReport {
    train(lake, &Project::embedded(), &TrainSettings::default())
        .await
        .expect("train runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trains_predicts_and_mirrors_on_the_demo_lake() {
    let t = refreshed_demo(800).await;
    // Before any training the prediction table exists and is empty.
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_posting_prediction").await,
        0
    );
    // ...and the refresh did not even read the postings for it: the model's guard folds to
    // false while planning, so the plan has no scan.
    let guarded =
        "EXPLAIN SELECT count(description) FROM silver.job_postings WHERE trained_models() > 0";
    assert_eq!(query_i64(&t.lake, "SELECT trained_models()").await, 0);
    let plan = query_text(&t.lake, guarded).await;
    assert!(
        !plan.contains("DataSourceExec"),
        "no model, no scan:\n{plan}"
    );
    let report = train_default(&t.lake).await;
    let family = model(&report, ModelKind::JobFamily);
    let salary = model(&report, ModelKind::Salary);
    assert_eq!((family.version, salary.version), (1, 1));
    assert!(family.test_rows > 50 && salary.test_rows > 20, "{report:?}");
    // The classifier learned the rules' families from the text (measured on postings it
    // never saw), far above the majority class.
    let agreement = figure(family, &["model_agreement_with_rules", "accuracy"]);
    let majority = figure(family, &["baseline_majority", "accuracy"]);
    assert!(
        agreement > 0.9 && agreement > majority + 0.3,
        "{agreement} vs {majority}"
    );
    // The salary estimate beats the median per family x country, and its interval covers
    // about its nominal level.
    let (mae, base) = (
        figure(salary, &["mae"]),
        figure(salary, &["baseline_median_family_country", "mae"]),
    );
    assert!(mae < base, "MAE {mae} vs baseline {base}");
    let coverage = figure(salary, &["coverage"]);
    assert!((0.65..=0.97).contains(&coverage), "coverage {coverage}");
    assert_eq!(
        salary.trained_on.get("silver.job_postings").copied(),
        t.lake
            .stamp("silver", "job_postings")
            .await
            .expect("stamp")
            .map(|s| s.version)
    );

    // Stored: listed, and read back with the same figures.
    let listed = models::list(&t.lake).await.expect("models list");
    assert_eq!(listed.len(), 2);
    let back = listed
        .iter()
        .find(|m| m.name == ModelKind::Salary)
        .expect("salary listed");
    assert_eq!(
        (
            back.version,
            &back.weights_sha256,
            back.test_rows,
            &back.trained_on
        ),
        (
            1,
            &salary.weights_sha256,
            salary.test_rows,
            &salary.trained_on
        )
    );

    // The next refresh predicts (nothing new in bronze: the new model alone makes it run).
    assert_eq!(query_i64(&t.lake, "SELECT trained_models()").await, 2);
    let plan = query_text(&t.lake, guarded).await;
    assert!(plan.contains("DataSourceExec"), "models, a scan:\n{plan}");
    run_refresh(&t.lake, false).await;
    let postings = query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await;
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_posting_prediction").await,
        postings
    );
    let orphans = query_i64(
        &t.lake,
        "SELECT count(*) FROM gold.fact_posting_prediction p
         LEFT JOIN gold.fact_job_posting f ON f.posting_key = p.posting_key
         WHERE f.posting_key IS NULL",
    )
    .await;
    assert_eq!(orphans, 0, "every prediction belongs to a posting");
    let bad = query_i64(
        &t.lake,
        "SELECT count(*) FROM gold.fact_posting_prediction
         WHERE NOT (salary_low_eur <= predicted_salary_eur AND predicted_salary_eur <= salary_high_eur)
            OR predicted_salary_eur < 5000 OR predicted_salary_eur > 1000000
            OR family_probability < 0 OR family_probability > 1
            OR family_model_version <> 1 OR salary_model_version <> 1",
    )
    .await;
    assert_eq!(
        bad, 0,
        "estimates inside their intervals, plausible, from version 1"
    );
    // Without hand labels the classifier never overrules the rules.
    let differs = query_i64(
        &t.lake,
        "SELECT count(*) FROM gold.fact_posting_prediction p
         JOIN silver.job_postings j ON j.posting_id = p.posting_id
         WHERE p.predicted_family <> j.job_family",
    )
    .await;
    assert_eq!(differs, 0);
    // A second refresh with nothing new is a no-op again.
    let again = run_refresh(&t.lake, false).await;
    assert!(again.up_to_date(), "{again:?}");

    // The dashboard lists the estimate where a posting states no salary, never beside a
    // stated one, inside its interval.
    let d = joblake::dashboard::data::build(&t.lake, &Project::embedded())
        .await
        .expect("dashboard data");
    let p = &d.postings;
    let mut estimated = 0;
    for i in 0..p.title.len() {
        match (p.salary_eur[i], p.salary_estimate_eur[i]) {
            (Some(_), Some(_)) => panic!("posting {i} has a stated and an estimated salary"),
            (None, Some(e)) => {
                estimated += 1;
                let (lo, hi) = (
                    p.salary_estimate_low_eur[i].expect("low"),
                    p.salary_estimate_high_eur[i].expect("high"),
                );
                assert!(lo <= e && e <= hi, "{lo} {e} {hi}");
                assert_eq!(p.salary_estimate_level[i], Some(0.8));
            }
            _ => {}
        }
    }
    let unstated = p.salary_eur.iter().filter(|s| s.is_none()).count();
    assert!(
        unstated > 0 && estimated == unstated,
        "{estimated} of {unstated}"
    );

    // Mirrored into the warehouse with its foreign key (SQLite, the default).
    let db = t.dir.path().join("warehouse.db");
    let url = format!("sqlite://{}", db.display());
    mirror(
        &t.lake,
        &Project::embedded(),
        &url,
        MirrorOptions { full: false },
    )
    .await
    .expect("mirror runs");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("sqlite opens");
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM fact_posting_prediction")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(n, postings);
    let (orphans,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM fact_posting_prediction p
         LEFT JOIN fact_job_posting f ON f.posting_key = p.posting_key WHERE f.posting_key IS NULL",
    )
    .fetch_one(&mut conn)
    .await
    .expect("orphans");
    assert_eq!(orphans, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_models_and_figures() {
    let t = refreshed_demo(400).await;
    let a = train_default(&t.lake).await;
    let b = train_default(&t.lake).await;
    for kind in ModelKind::ALL {
        let (x, y) = (model(&a, kind), model(&b, kind));
        assert_eq!((x.version, y.version), (1, 2), "a new version each time");
        assert_eq!(x.metrics, y.metrics, "{kind}: same figures");
        assert_eq!(
            x.weights_sha256, y.weights_sha256,
            "{kind}: same weights, bit for bit"
        );
    }
    let mut other = TrainSettings::default();
    other.split.seed = 7;
    other.family.seed = 7;
    other.salary.seed = 7;
    let c = train(&t.lake, &Project::embedded(), &other)
        .await
        .expect("train runs");
    assert_ne!(
        model(&a, ModelKind::Salary).weights_sha256,
        model(&c, ModelKind::Salary).weights_sha256,
        "another seed, another split"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_weights_file_is_refused_by_name_and_gold_stays() {
    let t = refreshed_demo(300).await;
    let report = train_default(&t.lake).await;
    let salary = model(&report, ModelKind::Salary);
    let path = format!("{}/salary/1/{}", models::DIR, salary.weights_file);
    let store = t.lake.store();
    let mut bytes = store
        .get(&t.lake.path(&path))
        .await
        .expect("weights exist")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    store
        .put(&t.lake.path(&path), PutPayload::from(bytes))
        .await
        .expect("tampered");
    let rows = "SELECT count(*) FROM gold.fact_job_posting";
    let before = query_i64(&t.lake, rows).await;
    let err = joblake::transform::refresh(
        &t.lake,
        &Project::embedded(),
        &joblake::transform::RefreshOptions::new(false),
        &|_| {},
    )
    .await
    .expect_err("a tampered model fails the refresh");
    let message = err.to_string();
    assert!(
        message.contains("fact_posting_prediction")
            && message.contains("SHA-256")
            && message.contains(&path)
            && message.contains("put back"),
        "{message}"
    );
    assert_eq!(query_i64(&t.lake, rows).await, before, "gold as it was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_corpus_the_model_beats_its_baselines_and_never_worsens_the_rules() {
    let Some(corpus) = corpus() else { return };
    let t = temp_lake();
    let labels = Labels::embedded().expect("labels parse");
    eval::run(&t.lake, &Project::embedded(), &corpus, &labels)
        .await
        .expect("the corpus lands and refreshes");
    let settings = TrainSettings {
        labels: ["postings.csv", "family_labels.csv"]
            .map(|f| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/eval")
                    .join(f)
            })
            .to_vec(),
        ..TrainSettings::default()
    };
    let report = train(&t.lake, &Project::embedded(), &settings)
        .await
        .expect("train runs");
    assert!(
        report.hand_labels >= 300,
        "{} hand labels matched",
        report.hand_labels
    );
    let family = model(&report, ModelKind::JobFamily);
    assert_eq!(family.metrics["truth"], "hand labels");
    assert!(figure(family, &["n"]) >= 40.0);
    // The threshold was chosen on every hand label outside the test part (cross-fitted), not
    // on a slice of them.
    let judged = figure(family, &["cross_fitted", "hand_labels"]);
    assert!(
        judged >= 0.7 * report.hand_labels as f64,
        "{judged} of {} hand labels judged the threshold",
        report.hand_labels
    );
    // On held-out hand-labelled postings: never below the rules (the threshold was chosen on
    // other hand-labelled postings), far above the majority class.
    let (f1, rules, majority) = (
        figure(family, &["macro_f1"]),
        figure(family, &["rules", "macro_f1"]),
        figure(family, &["baseline_majority", "macro_f1"]),
    );
    assert!(f1 + 1e-9 >= rules, "classifier {f1} vs rules {rules}");
    assert!(
        f1 > majority + 0.3,
        "classifier {f1} vs majority {majority}"
    );
    let salary = model(&report, ModelKind::Salary);
    let (mae, base) = (
        figure(salary, &["mae"]),
        figure(salary, &["baseline_median_family_country", "mae"]),
    );
    assert!(
        mae < base,
        "salary MAE {mae} vs median per family x country {base}"
    );
    // The refresh predicts for every real posting.
    run_refresh(&t.lake, false).await;
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_posting_prediction").await,
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await
    );
}
