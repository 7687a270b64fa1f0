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

/// Star queries the eager aggregation must answer exactly as the plain plan does, and whether
/// it rewrites each (a query it must not touch: a median, a DISTINCT, a filtered dimension, a
/// global aggregate, a join that is not with a dimension).
const STAR_QUERIES: &[(&str, bool)] = &[
    (
        "SELECT d.year_month, j.job_family_name, count(*) AS postings, sum(f.listings) AS listings \
         FROM gold.fact_job_posting f JOIN gold.dim_date d ON d.date_key = f.date_key \
         JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key \
         GROUP BY d.year_month, j.job_family_name",
        true,
    ),
    // The fact on the right, a fact column among the groups, count of a nullable column,
    // min and max of a float, a filter on the fact and a HAVING.
    (
        "SELECT l.country_name, f.remote, count(f.salary_annual_mid_eur) AS with_salary, \
         min(f.salary_annual_mid_eur) AS lo, max(f.salary_annual_mid_eur) AS hi, \
         sum(f.skill_count) AS skills \
         FROM gold.dim_location l JOIN gold.fact_job_posting f ON f.location_key = l.location_key \
         WHERE f.source_count >= 1 \
         GROUP BY l.country_name, f.remote HAVING count(*) >= 2",
        true,
    ),
    // Three dimensions, one of them joined through a key the groups do not name.
    (
        "SELECT s.source_kind, c.contract_type, count(*) AS n, sum(f.salary_annual_mid_eur) AS pay \
         FROM gold.fact_job_posting f JOIN gold.dim_source s ON s.source_key = f.source_key \
         JOIN gold.dim_contract c ON c.contract_key = f.contract_key \
         JOIN gold.dim_company co ON co.company_key = f.company_key \
         GROUP BY s.source_kind, c.contract_type",
        true,
    ),
    // The bridge and the fact: pushed below the source dimension only.
    (
        "SELECT src.source_name, count(*) AS postings \
         FROM gold.bridge_posting_skill b JOIN gold.dim_skill k ON k.skill_key = b.skill_key \
         JOIN gold.fact_job_posting f ON f.posting_key = b.posting_key \
         JOIN gold.dim_source src ON src.source_key = f.source_key \
         WHERE k.skill_family IS NOT NULL GROUP BY src.source_name",
        true,
    ),
    // A dimension joined through another one: pushed below `d2` only (the fact has no
    // `d.date_key` to group by).
    (
        "SELECT d.year_month, count(*) AS n FROM gold.fact_job_posting f \
         JOIN gold.dim_date d ON d.date_key = f.date_key \
         JOIN gold.dim_date d2 ON d2.date_key = d.date_key GROUP BY d.year_month",
        true,
    ),
    (
        "SELECT l.country_name, median(f.salary_annual_mid_eur) AS m \
         FROM gold.fact_job_posting f JOIN gold.dim_location l ON l.location_key = f.location_key \
         GROUP BY l.country_name",
        false,
    ),
    (
        "SELECT j.job_family_name, count(DISTINCT f.company_key) AS companies \
         FROM gold.fact_job_posting f JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key \
         GROUP BY j.job_family_name",
        false,
    ),
    (
        "SELECT d.year_month, count(*) AS n \
         FROM gold.fact_job_posting f JOIN gold.dim_date d ON d.date_key = f.date_key \
         WHERE d.is_weekend GROUP BY d.year_month",
        false,
    ),
    (
        "SELECT count(*) AS n, sum(f.listings) AS l \
         FROM gold.fact_job_posting f JOIN gold.dim_date d ON d.date_key = f.date_key",
        false,
    ),
    // Grouped by the fact's unique key: one group per row, nothing to gain.
    (
        "SELECT f.posting_key, d.year, count(*) AS n \
         FROM gold.fact_job_posting f JOIN gold.dim_date d ON d.date_key = f.date_key \
         GROUP BY f.posting_key, d.year",
        false,
    ),
    // silver.job_postings is referenced by key too, but is not a dimension of the star.
    (
        "SELECT j.job_family, count(*) AS n, sum(s.records) AS records \
         FROM silver.posting_sources s JOIN silver.job_postings j ON j.posting_id = s.posting_id \
         GROUP BY j.job_family",
        false,
    ),
    (
        "SELECT f.remote, count(*) AS n \
         FROM gold.bridge_posting_skill b JOIN gold.fact_job_posting f ON f.posting_key = b.posting_key \
         GROUP BY f.remote",
        false,
    ),
];

/// A query's rows as sorted lines, floats to 6 significant digits (partial sums add up in
/// another order).
async fn sorted_rows(
    ctx: &deltalake::datafusion::prelude::SessionContext,
    sql: &str,
) -> Vec<String> {
    use deltalake::arrow::array::{Array, AsArray};
    use deltalake::arrow::datatypes::{DataType, Float64Type};
    let batches = ctx
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows = Vec::new();
    for b in &batches {
        for i in 0..b.num_rows() {
            let cells: Vec<String> = b
                .columns()
                .iter()
                .map(|c| match c.data_type() {
                    DataType::Float64 if !c.is_null(i) => {
                        format!("{:.6e}", c.as_primitive::<Float64Type>().value(i))
                    }
                    _ => deltalake::arrow::util::display::array_value_to_string(c, i)
                        .unwrap_or_default(),
                })
                .collect();
            rows.push(cells.join(" | "));
        }
    }
    rows.sort();
    rows
}

#[tokio::test]
async fn star_aggregates_pushed_below_the_dimensions_give_the_same_rows() {
    use deltalake::datafusion::execution::SessionStateBuilder;
    use deltalake::datafusion::prelude::SessionContext;
    let t = temp_lake();
    joblake::pipeline::land_demo(&t.lake, &crate::util::small_demo(150))
        .await
        .expect("demo lands");
    crate::util::run_refresh(&t.lake, true).await;

    let eager = engine::session(&t.lake, &Project::embedded(), FileSelection::All)
        .await
        .expect("session");
    let mut plain = SessionStateBuilder::new_from_existing(eager.state());
    if let Some(optimizer) = plain.optimizer() {
        optimizer
            .rules
            .retain(|r| r.name() != "joblake_eager_aggregate");
    }
    let plain = SessionContext::new_with_state(plain.build());

    for (sql, rewritten) in STAR_QUERIES {
        let plan = eager
            .sql(sql)
            .await
            .expect("plans")
            .into_optimized_plan()
            .expect("optimizes")
            .display_indent()
            .to_string();
        assert_eq!(
            plan.contains("__eager_"),
            *rewritten,
            "{sql}\nrewritten: expected {rewritten}\n{plan}"
        );
        let (a, b) = (
            sorted_rows(&eager, sql).await,
            sorted_rows(&plain, sql).await,
        );
        assert!(!b.is_empty(), "{sql}: the demo lake gives rows");
        assert_eq!(a, b, "{sql}\n{plan}");
    }
}

/// Plans on one machine take two partitions per core (uneven work balances across cores),
/// one per core under a memory limit, whose pool the partitions' operators share.
#[tokio::test]
async fn sessions_take_two_partitions_per_core_unless_memory_is_bounded() {
    let t = temp_lake();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let partitions = async |lake: &joblake::lake::Lake| {
        engine::session(lake, &Project::embedded(), FileSelection::All)
            .await
            .expect("session")
            .state()
            .config()
            .target_partitions()
    };
    assert_eq!(
        partitions(&t.lake).await,
        cores * engine::PARTITIONS_PER_CORE
    );
    let bounded = t.lake.clone().with_engine_settings(EngineSettings {
        memory_limit_mb: Some(1024),
        ..EngineSettings::default()
    });
    assert_eq!(partitions(&bounded).await, cores);
}

/// A filter on a Delta table prunes by the files' statistics but runs on the decoded rows, as
/// on DataFusion's own Parquet tables: delta-rs, left to its defaults, moves it into the
/// Parquet decoder (no `FilterExec` left), which made the star's salary queries slower. Where
/// steps run in passes (a memory limit), the filter stays in the decoder: a pass keeps one row
/// in N. Either way the rows are the same.
#[tokio::test]
async fn delta_filters_prune_by_statistics_and_run_on_decoded_rows() {
    use crate::util::{query, query_i64};
    use deltalake::arrow::array::Float64Array;
    use deltalake::datafusion::physical_plan::displayable;
    let t = temp_lake();
    joblake::pipeline::land_demo(&t.lake, &crate::util::small_demo(60))
        .await
        .expect("demo lands");
    crate::util::run_refresh(&t.lake, true).await;
    let sql = "SELECT count(*) AS n FROM gold.fact_job_posting WHERE salary_annual_mid_eur > 40000";
    let bounded = t.lake.clone().with_engine_settings(EngineSettings {
        memory_limit_mb: Some(1024),
        ..EngineSettings::default()
    });

    let mut counts = Vec::new();
    for (lake, in_passes) in [(&t.lake, false), (&bounded, true)] {
        let ctx = engine::session(lake, &Project::embedded(), FileSelection::All)
            .await
            .expect("session");
        let frame = ctx.sql(sql).await.expect("plans");
        let plan = frame.create_physical_plan().await.expect("physical plan");
        let text = displayable(plan.as_ref()).indent(true).to_string();
        assert_eq!(
            text.contains("FilterExec: salary_annual_mid_eur"),
            !in_passes,
            "a filter above the scan unless steps run in passes:\n{text}"
        );
        assert!(
            text.contains("pruning_predicate=salary_annual_mid_eur_null_count"),
            "the scan is pruned by statistics either way:\n{text}"
        );
        counts.push(query_i64(lake, sql).await);
    }

    // The same count as reading every row and filtering by hand.
    let all = "SELECT salary_annual_mid_eur AS s FROM gold.fact_job_posting";
    let by_hand: usize = query(&t.lake, all)
        .await
        .iter()
        .map(|b| {
            let s = b
                .column(0)
                .as_any()
                .downcast_ref::<Float64Array>()
                .expect("a double column");
            s.iter().flatten().filter(|v| *v > 40_000.0).count()
        })
        .sum();
    assert!(by_hand > 0, "the demo has salaries above 40,000");
    let by_hand = i64::try_from(by_hand).expect("a count");
    assert_eq!(counts, vec![by_hand, by_hand]);
}

/// A hash join builds its table from its first input when the planner cannot tell which input
/// is smaller (an aggregate's row count is unknown to it). The records' view joins every
/// record with the runs: built from the runs it holds a few thousand rows and the records
/// stream through; built from the records it held more than 3 GB at ten million postings.
#[tokio::test]
async fn the_listing_records_view_builds_its_run_join_from_the_runs() {
    use deltalake::datafusion::physical_plan::displayable;
    let t = temp_lake();
    joblake::pipeline::land_demo(&t.lake, &crate::util::small_demo(60))
        .await
        .expect("demo lands");
    crate::util::run_refresh(&t.lake, true).await;
    let ctx = joblake::query::repl::sql_session(&t.lake, &Project::embedded())
        .await
        .expect("the shell's session, views registered");
    let plan = ctx
        .sql("SELECT * FROM silver.int_listing_records")
        .await
        .expect("plans")
        .create_physical_plan()
        .await
        .expect("physical plan");
    let text = displayable(plan.as_ref()).indent(true).to_string();
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let join = lines
        .iter()
        .position(|l| l.contains("HashJoinExec") && l.contains("on=[(run@"))
        .unwrap_or_else(|| panic!("a hash join on the run:\n{text}"));
    // The first child's subtree: the lines below the join, up to its second child.
    let child = indent(lines[join]) + 2;
    let first: Vec<&str> = lines[join + 1..]
        .iter()
        .enumerate()
        .take_while(|(i, l)| *i == 0 || indent(l) > child)
        .map(|(_, l)| *l)
        .collect();
    assert!(
        first
            .iter()
            .any(|l| l.contains("AggregateExec") && l.contains("gby=[run")),
        "the join is built from the runs:\n{text}"
    );
}
