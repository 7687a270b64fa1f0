//! Data tests over the rows changed since they last passed: they find every failure the whole
//! tests find (reported with the whole test's rows), read no table the refresh left alone,
//! and read every table whole after the tests themselves changed.

use std::collections::{BTreeMap, HashSet};

use deltalake::kernel::transaction::CommitProperties;
use deltalake::protocol::SaveMode;
use joblake::lake::Lake;
use joblake::pipeline::land_demo;
use joblake::project::Project;
use joblake::project::model::load_models;
use joblake::transform::checks::{self, Changes, TestOutcome, TestScope};
use joblake::transform::{RefreshOptions, refresh};

use crate::util::*;

/// The version of every table of the built-in project, as a refresh records them when its
/// tests passed.
async fn stamps(lake: &Lake) -> (Vec<String>, BTreeMap<String, joblake::lake::TableStamp>) {
    let models = load_models(&Project::embedded()).expect("models");
    let mut tables = Vec::new();
    let mut stamps = BTreeMap::new();
    for m in models
        .iter()
        .filter(|m| m.materialized != joblake::project::model::Materialized::View)
    {
        tables.push(m.qualified());
        if let Some(stamp) = lake.stamp(&m.layer, &m.name).await.expect("stamp") {
            stamps.insert(m.qualified(), stamp);
        }
    }
    (tables, stamps)
}

/// The built-in data tests over `lake`, each table read whole (`tested` None) or as it
/// changed since the versions `tested` stamps.
async fn run_tests(
    lake: &Lake,
    tested: Option<(&[String], &BTreeMap<String, joblake::lake::TableStamp>)>,
) -> Vec<TestOutcome> {
    let project = Project::embedded();
    let models = load_models(&project).expect("models");
    let ctx = joblake::engine::session(lake, &project, joblake::bronze::FileSelection::All)
        .await
        .expect("session");
    joblake::transform::run::register_views(&ctx, &models)
        .await
        .expect("views");
    let tests = checks::collect(&models, &project);
    let changes = match tested {
        Some((tables, stamps)) => Changes::since(lake, &ctx, &tests, tables, stamps)
            .await
            .expect("changes"),
        None => Changes::default(),
    };
    checks::run(&ctx, &tests, &changes).await
}

/// Name → (failing rows, passed) of every test.
fn results(outcomes: &[TestOutcome]) -> BTreeMap<String, (usize, bool)> {
    outcomes
        .iter()
        .map(|t| (t.name.clone(), (t.failing_rows, t.passed())))
        .collect()
}

/// The first value of the first column `sql` returns, as text.
async fn first_text(lake: &Lake, sql: &str) -> String {
    let batches = query(lake, sql).await;
    let column = deltalake::arrow::compute::cast(
        batches.first().expect("a batch").column(0),
        &deltalake::arrow::datatypes::DataType::Utf8,
    )
    .expect("as text");
    use deltalake::arrow::array::AsArray;
    column.as_string::<i32>().value(0).to_string()
}

/// Appends the rows `select` returns to `layer.name`, as another writer of the storage could.
async fn append(lake: &Lake, layer: &str, name: &str, select: &str) {
    let batches = query(lake, select).await;
    assert!(batches.iter().any(|b| b.num_rows() > 0), "{select}");
    lake.table(layer, name)
        .await
        .expect("table")
        .write(batches)
        .with_save_mode(SaveMode::Append)
        .await
        .expect("appended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_over_changed_rows_find_what_whole_checks_find() {
    let t = temp_lake();
    land_demo(&t.lake, &postings_spec(3, 600))
        .await
        .expect("lands");
    run_refresh(&t.lake, false).await;
    let (tables, tested) = stamps(&t.lake).await;

    // Nothing written since: every declared check holds without reading a row.
    let unchanged = run_tests(&t.lake, Some((&tables, &tested))).await;
    assert!(unchanged.iter().all(TestOutcome::passed));
    let declared = unchanged.iter().filter(|o| o.name.contains(':')).count();
    let skipped = unchanged
        .iter()
        .filter(|o| o.scope == TestScope::Unchanged)
        .count();
    assert_eq!(skipped, declared, "{unchanged:#?}");

    // A record written twice, a source row pointing at no posting, and a posting that the
    // rows of its sources still point at deleted.
    append(
        &t.lake,
        "silver",
        "posting_records",
        "SELECT * FROM silver.posting_records ORDER BY bronze_file, bronze_line LIMIT 1",
    )
    .await;
    append(
        &t.lake,
        "silver",
        "posting_sources",
        "SELECT * REPLACE ('no-such-posting' AS posting_id) FROM silver.posting_sources \
         ORDER BY source, source_id LIMIT 1",
    )
    .await;
    // A posting with skills: the bridge's rows point at it too.
    let gone = first_text(
        &t.lake,
        "SELECT posting_id FROM silver.job_postings WHERE cardinality(skills) > 0 \
         ORDER BY posting_id LIMIT 1",
    )
    .await;
    // Deleted as an incremental refresh's merges delete: a row marked in its file (deletion
    // vectors) in the silver table, its file rewritten with change data in the fact.
    let gone_keys: HashSet<String> = [gone.clone()].into();
    let (_, replaced) = joblake::lake::deletion_vectors::replace_rows(
        t.lake.table("silver", "job_postings").await.expect("table"),
        "posting_id",
        &gone_keys,
        Vec::new(),
        joblake::lake::parquet::writer_properties(),
        CommitProperties::default(),
    )
    .await
    .expect("marked deleted");
    assert_eq!(replaced.deleted, 1);
    let (_, replaced) = joblake::lake::rewrite::replace_rows(
        t.lake
            .table("gold", "fact_job_posting")
            .await
            .expect("table"),
        "posting_id",
        &gone_keys,
        Vec::new(),
        joblake::lake::parquet::writer_properties(),
        CommitProperties::default(),
        joblake::lake::rewrite::Writers::default(),
    )
    .await
    .expect("rewritten");
    assert_eq!(replaced.deleted, 1);

    let whole = run_tests(&t.lake, None).await;
    let changed = run_tests(&t.lake, Some((&tables, &tested))).await;
    let (changed_results, whole_results) = (results(&changed), results(&whole));
    let differ: Vec<_> = whole_results
        .iter()
        .filter(|(name, r)| changed_results.get(*name) != Some(r))
        .map(|(name, r)| (name, r, changed_results.get(name)))
        .collect();
    assert!(
        differ.is_empty(),
        "(test, whole, changed) differ: {differ:?}"
    );
    assert_eq!(changed_results.len(), whole_results.len());
    let failed: Vec<&str> = whole
        .iter()
        .filter(|o| !o.passed())
        .map(|o| o.name.as_str())
        .collect();
    for expected in [
        "unique:silver.posting_records.bronze_file_bronze_line",
        "unique:silver.posting_sources.source_source_id",
        "relationship:silver.posting_sources.posting_id",
        "relationship:silver.posting_lifecycle.posting_id",
        "relationship:gold.bridge_posting_skill.posting_key",
    ] {
        assert!(failed.contains(&expected), "{expected} in {failed:?}");
    }
    // The broken reference is found both ways: the new row, and the rows whose posting went.
    let sources_of_gone = query_i64(
        &t.lake,
        &format!("SELECT count(*) FROM silver.posting_sources WHERE posting_id = '{gone}'"),
    )
    .await;
    assert!(sources_of_gone >= 1);
    let broken = changed
        .iter()
        .find(|o| o.name == "relationship:silver.posting_sources.posting_id")
        .expect("the test");
    assert_eq!(broken.failing_rows as i64, sources_of_gone + 1);
    // Tables not written since were not read, the others only where they changed.
    let scope = |name: &str| {
        changed
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.scope)
            .expect(name)
    };
    assert_eq!(
        scope("unique:gold.dim_company.company_key"),
        TestScope::Unchanged
    );
    assert_eq!(
        scope("unique:gold.bridge_posting_skill.posting_key_skill_key"),
        TestScope::Unchanged
    );
    // The fact lost a row: what points at it is looked up by the keys it lost.
    assert_eq!(
        scope("relationship:gold.fact_posting_prediction.posting_key"),
        TestScope::Changed
    );
    assert_eq!(
        scope("not_null:silver.posting_records.bronze_file"),
        TestScope::Changed
    );
    assert_eq!(
        scope("unique:silver.posting_records.bronze_file_bronze_line"),
        TestScope::Whole,
        "a failure found over the changed rows is reported by the whole test"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_refresh_tests_the_changed_rows_and_a_new_check_reads_whole_tables() {
    let t = temp_lake();
    land_demo(&t.lake, &postings_spec(5, 600))
        .await
        .expect("lands");
    let first = run_refresh(&t.lake, false).await;
    assert!(first.tests.iter().all(|o| o.scope == TestScope::Whole));
    land_demo(&t.lake, &postings_spec(6, 30))
        .await
        .expect("more lands");
    let second = run_refresh(&t.lake, false).await;
    let changed = second
        .tests
        .iter()
        .filter(|o| o.scope == TestScope::Changed)
        .count();
    assert!(changed > 0, "{:#?}", second.tests);

    // A check added since the tests last passed reads its table whole, and finds its rows.
    land_demo(&t.lake, &postings_spec(7, 30))
        .await
        .expect("more lands");
    let report = refresh(
        &t.lake,
        &salary_min_not_null(),
        &RefreshOptions::new(false),
        &|_| {},
    )
    .await
    .expect("refresh runs");
    assert!(!report.full);
    let failed: Vec<_> = report.failed_tests();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].name, "not_null:silver.job_postings.salary_min");
    assert_eq!(failed[0].scope, TestScope::Whole);
    // Counted on the version tested, which the failure then put back.
    assert!(failed[0].failing_rows > 0);
    assert!(
        report
            .tests
            .iter()
            .all(|o| o.scope == TestScope::Whole || !o.name.contains(':'))
    );
}
