//! Aggregate navigation: star queries answered from the rollups (`engine::rollups`) give what
//! the star gives, rollups serve only what their grain holds, and a rollup behind its inputs
//! is not used.

use joblake::lake::{EngineSettings, Lake};

use crate::util::{query_text, refreshed_demo, run_refresh};

/// The same lake with navigation off: every query reads the tables it names.
fn without_rollups(lake: &Lake) -> Lake {
    lake.clone().with_engine_settings(EngineSettings {
        rollups: Some(false),
        ..EngineSettings::default()
    })
}

/// The plan's text, logical and physical.
async fn plan(lake: &Lake, sql: &str) -> String {
    query_text(lake, &format!("EXPLAIN {sql}")).await
}

/// The result's rows as text, sorted, so that two plans' orders of equal rows compare equal.
async fn rows(lake: &Lake, sql: &str) -> Vec<String> {
    let text = query_text(lake, sql).await;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

const PYTHON_BY_SOURCE: &str =
    include_str!("../../bench/queries/gold/python_postings_by_source.sql");
const SALARY_BY_COUNTRY: &str = include_str!("../../bench/queries/gold/salary_by_country.sql");
const FAMILY_AND_MONTH: &str =
    include_str!("../../bench/queries/gold/postings_by_family_and_month.sql");

/// Queries a rollup answers, each with the rollup it reads.
const ANSWERED: &[(&str, &str)] = &[
    (PYTHON_BY_SOURCE, "rollup_posting_skills"),
    (SALARY_BY_COUNTRY, "rollup_salaries"),
    // A count and a pre-summed measure (listings) over time.
    (FAMILY_AND_MONTH, "rollup_postings_daily"),
    // Two rollups hold the family: the coarser grain answers.
    (
        "SELECT j.job_family_name, count(*) AS n FROM gold.fact_job_posting f \
         JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key GROUP BY 1",
        "rollup_postings_daily",
    ),
    // Postings and listings per source and day, filtered on the grain.
    (
        "SELECT s.source, f.date_key, count(*) AS n, sum(f.listings) AS listings \
         FROM gold.fact_job_posting f JOIN gold.dim_source s ON s.source_key = f.source_key \
         WHERE f.date_key >= 20000101 GROUP BY 1, 2",
        "rollup_postings_daily",
    ),
    // Every kind of aggregate with a counterpart, a filter on the grain, a HAVING.
    (
        "SELECT j.job_family_name, count(*) AS n, count(f.salary_annual_mid_eur) AS with_salary, \
         count(DISTINCT l.country_name) AS countries, min(f.salary_annual_mid_eur) AS low, \
         max(l.city) AS last_city, median(f.salary_annual_mid_eur) AS mid, \
         median(f.salary_annual_mid_eur) FILTER (WHERE NOT f.salary_predicted) AS published_mid, \
         sum(CASE WHEN f.salary_predicted THEN 1 ELSE 0 END) AS estimated \
         FROM gold.fact_job_posting f \
         JOIN gold.dim_location l ON l.location_key = f.location_key \
         JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key \
         WHERE f.salary_annual_mid_eur > 20000 OR f.salary_annual_mid_eur IS NULL \
         GROUP BY j.job_family_name HAVING count(*) > 1",
        "rollup_salaries",
    ),
    // Skills per family and contract, the joins written in another order, with a filter on
    // a dimension.
    (
        "SELECT k.skill, c.contract_type, count(*) AS n \
         FROM gold.dim_contract c \
         JOIN gold.fact_job_posting f ON c.contract_key = f.contract_key \
         JOIN gold.bridge_posting_skill b ON f.posting_key = b.posting_key \
         JOIN gold.dim_skill k ON k.skill_key = b.skill_key \
         WHERE k.skill_family IS NOT NULL \
         GROUP BY k.skill, c.contract_type",
        "rollup_posting_skills",
    ),
    // A global aggregate over no rows: a count of 0 (not the NULL a sum of counts gives).
    (
        "SELECT count(*) AS n, median(f.salary_annual_mid_eur) AS mid \
         FROM gold.fact_job_posting f WHERE f.salary_annual_mid_eur < 0",
        "rollup_salaries",
    ),
];

/// Queries no rollup can answer exactly: they read the star.
const NOT_ANSWERED: &[&str] = &[
    // A column outside every grain.
    "SELECT f.title, count(*) FROM gold.fact_job_posting f GROUP BY f.title",
    // An average over a float: a weighted mean rounds otherwise.
    "SELECT f.location_key, avg(f.salary_annual_mid_eur) FROM gold.fact_job_posting f GROUP BY f.location_key",
    // The bridge without the fact's join to it: not what the skills rollup counts.
    "SELECT b.skill_key, count(*) FROM gold.bridge_posting_skill b GROUP BY b.skill_key",
    // A volatile expression would run once per rollup row, not once per posting.
    "SELECT count(*) FROM gold.fact_job_posting f WHERE random() < 2 * f.location_key",
    // NULL keys meet under IS NOT DISTINCT FROM; the rollup's join drops them.
    "SELECT f.source_key, count(*) FROM gold.fact_job_posting f \
     JOIN gold.bridge_posting_skill b ON b.posting_key IS NOT DISTINCT FROM f.posting_key \
     GROUP BY f.source_key",
    // A correlated subquery: its count over no rows must stay 0 after decorrelation.
    "SELECT l.city, (SELECT count(*) FROM gold.fact_job_posting f \
     WHERE f.location_key = l.location_key) AS n FROM gold.dim_location l",
    // An outer join keeps fact rows the rollup's inner join drops.
    "SELECT f.source_key, count(*) FROM gold.fact_job_posting f \
     LEFT JOIN gold.bridge_posting_skill b ON b.posting_key = f.posting_key GROUP BY f.source_key",
];

#[tokio::test]
async fn star_queries_answered_from_rollups_equal_the_star() {
    let t = refreshed_demo(200).await;
    let star = without_rollups(&t.lake);

    for (sql, rollup) in ANSWERED {
        let navigated = plan(&t.lake, sql).await;
        assert!(
            navigated.contains(&format!("gold.{rollup}")),
            "{sql}\nis not answered from {rollup}:\n{navigated}"
        );
        assert!(
            !navigated.contains("gold.fact_job_posting"),
            "{sql}\nstill reads the fact:\n{navigated}"
        );
        let direct = plan(&star, sql).await;
        assert!(!direct.contains("rollup_"), "navigation is off:\n{direct}");
        let (from_rollup, from_star) = (rows(&t.lake, sql).await, rows(&star, sql).await);
        assert_eq!(from_rollup, from_star, "{sql}");
        // The header and at least one row.
        let lines = from_star.iter().filter(|l| l.starts_with('|')).count();
        assert!(lines >= 2, "{sql}: the demo gives rows\n{from_star:#?}");
    }
    for sql in NOT_ANSWERED {
        let p = plan(&t.lake, sql).await;
        assert!(
            !p.contains("rollup_"),
            "{sql}\nanswered from a rollup:\n{p}"
        );
    }
}

/// A rollup answers only for the versions of its inputs it was built from: once the fact
/// changes, queries read the fact again, and see the change.
#[tokio::test]
async fn a_rollup_behind_its_inputs_is_not_used() {
    let t = refreshed_demo(120).await;
    let before = rows(&t.lake, SALARY_BY_COUNTRY).await;
    assert!(
        plan(&t.lake, SALARY_BY_COUNTRY)
            .await
            .contains("rollup_salaries")
    );

    let fact = t
        .lake
        .table("gold", "fact_job_posting")
        .await
        .expect("the fact");
    let (_, metrics) = fact
        .delete()
        .with_predicate("salary_annual_mid_eur > 40000")
        .await
        .expect("delete");
    assert!(
        metrics.num_deleted_rows > Some(0),
        "the delete removed rows"
    );

    let p = plan(&t.lake, SALARY_BY_COUNTRY).await;
    assert!(
        !p.contains("rollup_salaries"),
        "a stale rollup was used:\n{p}"
    );
    let after = rows(&t.lake, SALARY_BY_COUNTRY).await;
    assert_ne!(before, after, "the query sees the deleted rows gone");
    assert_eq!(
        after,
        rows(&without_rollups(&t.lake), SALARY_BY_COUNTRY).await
    );

    // The next refresh rebuilds the rollup from the fact as it is: used again.
    run_refresh(&t.lake, true).await;
    assert!(
        plan(&t.lake, SALARY_BY_COUNTRY)
            .await
            .contains("rollup_salaries")
    );
}

/// A table or view registered in the session under the fact's name is not the fact the rollup
/// counted.
#[tokio::test]
async fn a_session_table_under_an_inputs_name_is_not_answered_from_the_rollup() {
    use joblake::bronze::FileSelection;
    use joblake::engine;
    use joblake::project::Project;

    let t = refreshed_demo(120).await;
    let ctx = engine::session(&t.lake, &Project::embedded(), FileSelection::All)
        .await
        .expect("session");
    for kind in ["TABLE", "VIEW"] {
        ctx.sql(&format!(
            "CREATE OR REPLACE {kind} gold.fact_job_posting AS SELECT * \
             FROM table_at('gold.fact_job_posting', 0) WHERE salary_annual_mid_eur > 40000"
        ))
        .await
        .expect("created")
        .collect()
        .await
        .expect("created");
        let explain = ctx
            .sql(&format!("EXPLAIN {SALARY_BY_COUNTRY}"))
            .await
            .expect("plan")
            .collect()
            .await
            .expect("explained");
        let text = deltalake::arrow::util::pretty::pretty_format_batches(&explain)
            .expect("text")
            .to_string();
        assert!(!text.contains("rollup_salaries"), "{kind}: {text}");
    }
}

/// Compaction and vacuum commit new versions of the fact without changing its rows: the rollup
/// still answers (the commits in between only rearranged files).
#[tokio::test]
async fn compaction_and_vacuum_of_an_input_keep_its_rollup() {
    use joblake::maintain::{self, MaintainSettings};

    // Two refreshes: the second leaves the first's files for vacuum to delete.
    let t = refreshed_demo(120).await;
    run_refresh(&t.lake, true).await;
    let version = |lake: Lake| async move {
        lake.latest_version("gold", "fact_job_posting")
            .await
            .expect("version")
            .expect("a table")
    };
    let built_from = version(t.lake.clone()).await;
    let answer = rows(&t.lake, SALARY_BY_COUNTRY).await;

    let settings = MaintainSettings {
        vacuum_retention: std::time::Duration::ZERO,
        allow_short_retention: true,
        ..MaintainSettings::default()
    };
    maintain::maintain(&t.lake, &settings, None)
        .await
        .expect("maintain");
    assert!(
        version(t.lake.clone()).await > built_from,
        "maintain committed to the fact"
    );
    let p = plan(&t.lake, SALARY_BY_COUNTRY).await;
    assert!(p.contains("rollup_salaries"), "{p}");
    assert_eq!(rows(&t.lake, SALARY_BY_COUNTRY).await, answer);
}
