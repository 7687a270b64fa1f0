//! `mirror`: gold into a real SQLite file and a real PostgreSQL server (started by `.ci/run`
//! on 127.0.0.1; `JOBLAKE_TEST_POSTGRES_URL` points at it).

use std::collections::HashMap;
use std::time::Duration;

use deltalake::arrow::array::{Array, AsArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Int64Type};
use joblake::lake::Lake;
use joblake::lake::run_log::RunStatus;
use joblake::pipeline::land_demo;
use joblake::project::{Project, mirrored};
use joblake::warehouse::{MirrorOptions, MirrorReport, mirror};
use sqlx::{Connection, Executor, PgConnection, SqliteConnection};

use crate::util::{TempLake, query, query_i64, run_refresh, small_demo, temp_lake, test_service};

/// The admin URL of the test server, or None (and a message) when there is none; on CI a
/// missing server is an error, not a skip.
fn postgres() -> Option<String> {
    test_service(
        "JOBLAKE_TEST_POSTGRES_URL",
        "skipping the PostgreSQL checks",
    )
}

/// A new empty database on the test server; returns its URL.
async fn fresh_database(admin: &str) -> String {
    let name = format!("jl_{:016x}", rand::random::<u64>());
    let mut conn = PgConnection::connect(admin)
        .await
        .expect("admin connection");
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    let mut url = url::Url::parse(admin).expect("admin URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A lake with a refreshed demo sample.
async fn demo_lake(jobs: usize, seed: u64) -> TempLake {
    let t = temp_lake();
    let spec = joblake_gen::DemoSpec {
        seed,
        ..small_demo(jobs)
    };
    land_demo(&t.lake, &spec).await.expect("demo lands");
    run_refresh(&t.lake, false).await;
    t
}

/// Lands `jobs` more demo jobs (another seed) and refreshes.
async fn add_postings(lake: &Lake, seed: u64, jobs: usize) {
    let spec = joblake_gen::DemoSpec {
        seed,
        ..small_demo(jobs)
    };
    land_demo(lake, &spec).await.expect("more postings land");
    run_refresh(lake, false).await;
}

async fn gold_counts(lake: &Lake) -> HashMap<String, i64> {
    let mut counts = HashMap::new();
    let project = Project::embedded();
    for t in mirrored(&project).expect("mirrored tables").tables() {
        counts.insert(
            t.to_string(),
            query_i64(lake, &format!("SELECT count(*) FROM gold.{t}")).await,
        );
    }
    counts
}

/// (posting_id, posting_key) of every posting in the lake's gold.
async fn lake_keys(lake: &Lake) -> HashMap<String, i64> {
    let batches = query(
        lake,
        "SELECT posting_id, posting_key FROM gold.fact_job_posting",
    )
    .await;
    let mut keys = HashMap::new();
    for b in batches {
        let ids = cast(b.column(0), &DataType::Utf8).expect("text");
        let ids = ids.as_string::<i32>();
        let k = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            keys.insert(ids.value(i).to_string(), k.value(i));
        }
    }
    keys
}

/// A fact row compared value by value: key, id, title, mid salary, remote, date, first seen.
type FactRow = (
    i64,
    String,
    Option<String>,
    Option<f64>,
    bool,
    Option<String>,
    Option<String>,
);

async fn lake_facts(lake: &Lake) -> Vec<FactRow> {
    let batches = query(
        lake,
        "SELECT posting_key, posting_id, title, salary_annual_mid_eur, remote, \
         CAST(posted_date AS VARCHAR), \
         to_char(first_seen, '%Y-%m-%dT%H:%M:%S%.6f') \
         FROM gold.fact_job_posting ORDER BY posting_key",
    )
    .await;
    let mut rows = Vec::new();
    for b in batches {
        let text = |i: usize| cast(b.column(i), &DataType::Utf8).expect("text");
        let (id, title, date, seen) = (text(1), text(2), text(5), text(6));
        let (id, title, date, seen) = (
            id.as_string::<i32>(),
            title.as_string::<i32>(),
            date.as_string::<i32>(),
            seen.as_string::<i32>(),
        );
        let key = b.column(0).as_primitive::<Int64Type>();
        let mid = b
            .column(3)
            .as_primitive::<deltalake::arrow::datatypes::Float64Type>();
        let remote = b.column(4).as_boolean();
        let opt = |a: &deltalake::arrow::array::StringArray, i: usize| {
            a.is_valid(i).then(|| a.value(i).to_string())
        };
        for i in 0..b.num_rows() {
            rows.push((
                key.value(i),
                id.value(i).to_string(),
                opt(title, i),
                mid.is_valid(i).then(|| mid.value(i)),
                remote.value(i),
                opt(date, i),
                opt(seen, i),
            ));
        }
    }
    rows
}

fn assert_report(report: &MirrorReport, expect_loaded: bool) {
    for t in &report.tables {
        assert_eq!(!t.unchanged, expect_loaded, "{t:?}");
    }
    let expected = mirrored(&Project::embedded()).expect("mirrored tables");
    assert_eq!(report.tables.len(), expected.len());
    // 10 star tables (7 dimensions, the fact, the bridge, the predictions), 6 aggregates.
    assert_eq!(expected.len(), 16, "{expected:?}");
}

#[tokio::test]
async fn sqlite_mirror_equals_gold_and_follows_refreshes() {
    let t = demo_lake(200, 7).await;
    let db = t.dir.path().join("warehouse.db");
    let url = format!("sqlite://{}", db.display());
    let project = Project::embedded();

    let first = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    assert!(first.migrations_applied >= 2, "{first:?}");
    assert_report(&first, true);
    assert_no_wal(&db);

    let mut conn = SqliteConnection::connect(&url).await.expect("sqlite");
    for (table, rows) in gold_counts(&t.lake).await {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut conn)
                .await
                .expect("count");
        assert_eq!(n, rows, "{table}");
    }
    let violations: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .expect("fk check");
    assert!(violations.is_empty(), "{violations:?}");
    // The load drops the secondary indexes and rebuilds them: all are back, as the
    // migrations define them.
    let indexes = sqlite_indexes(&mut conn).await;
    assert!(
        indexes
            .iter()
            .any(|(n, _)| n == "fact_job_posting_company_key"),
        "{indexes:?}"
    );

    // Value by value, NULLs included.
    let lake_rows = lake_facts(&t.lake).await;
    let wh_rows: Vec<FactRow> = sqlx::query_as(
        "SELECT posting_key, posting_id, title, salary_annual_mid_eur, remote, posted_date, \
         substr(first_seen, 1, 26) FROM fact_job_posting ORDER BY posting_key",
    )
    .fetch_all(&mut conn)
    .await
    .expect("facts");
    assert_eq!(lake_rows.len(), wh_rows.len());
    for (l, w) in lake_rows.iter().zip(&wh_rows) {
        assert_eq!(
            (&l.0, &l.1, &l.2, &l.3, l.4, &l.5),
            (&w.0, &w.1, &w.2, &w.3, w.4, &w.5)
        );
        assert_eq!(l.6.is_some(), w.6.is_some());
    }
    let nulls: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM fact_job_posting WHERE salary_annual_mid_eur IS NULL",
    )
    .fetch_one(&mut conn)
    .await
    .expect("nulls");
    assert!(
        nulls > 0,
        "the demo has postings without salary: they must stay NULL"
    );

    // Nothing changed: nothing loaded, migrations not re-applied.
    let again = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    assert_eq!(again.migrations_applied, 0);
    assert_report(&again, false);

    // New postings: reloaded; the keys of postings that were there do not move.
    let before = lake_keys(&t.lake).await;
    add_postings(&t.lake, 8, 120).await;
    // A staging table left by a killed mirror of an older joblake (it staged, then copied).
    conn.execute("CREATE TABLE joblake_stage_fact_job_posting (posting_key INTEGER)")
        .await
        .expect("leftover");
    let third = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    assert_report(&third, true);
    // With a reader connected (`conn`, as a BI tool stays), no connection closes last, so the
    // mirror folds its write-ahead log into the database itself.
    assert_no_wal(&db);
    let keys: Vec<(String, i64)> =
        sqlx::query_as("SELECT posting_id, posting_key FROM fact_job_posting")
            .fetch_all(&mut conn)
            .await
            .expect("keys");
    assert!(keys.len() > before.len());
    for (id, key) in &keys {
        if let Some(old) = before.get(id) {
            assert_eq!(old, key, "the key of {id} moved");
        }
    }
    let views: i64 = sqlx::query_scalar("SELECT count(*) FROM v_postings")
        .fetch_one(&mut conn)
        .await
        .expect("view");
    assert_eq!(views as usize, keys.len());
    assert_eq!(sqlite_indexes(&mut conn).await, indexes);
    let leftovers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'joblake_stage%'")
            .fetch_one(&mut conn)
            .await
            .expect("leftovers");
    assert_eq!(leftovers, 0, "the old staging table is dropped");
}

/// Fails when a write-ahead log with pages in it is left beside `db`: a mirror writes every
/// table again, and the log it leaves is as large as the database until a checkpoint.
fn assert_no_wal(db: &std::path::Path) {
    let wal = db.with_extension("db-wal");
    let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(size, 0, "{} left after the mirror", wal.display());
}

/// The warehouse's own indexes (not SQLite's automatic ones), by name, with their definition.
async fn sqlite_indexes(conn: &mut SqliteConnection) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         ORDER BY name",
    )
    .fetch_all(conn)
    .await
    .expect("indexes")
}

/// Gold whose bridge names a skill the dimension lacks: the mirror fails naming the table, and
/// the warehouse keeps every row and index of the previous mirror.
#[tokio::test]
async fn a_broken_foreign_key_rolls_the_sqlite_mirror_back() {
    let t = demo_lake(150, 3).await;
    let url = format!("sqlite://{}", t.dir.path().join("warehouse.db").display());
    let project = Project::embedded();
    mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    let mut conn = SqliteConnection::connect(&url).await.expect("sqlite");
    let counts_sql = "SELECT (SELECT count(*) FROM fact_job_posting), \
                      (SELECT count(*) FROM bridge_posting_skill), \
                      (SELECT count(*) FROM dim_skill)";
    let before: (i64, i64, i64) = sqlx::query_as(counts_sql)
        .fetch_one(&mut conn)
        .await
        .expect("counts");
    let indexes = sqlite_indexes(&mut conn).await;

    let skill = query_i64(
        &t.lake,
        "SELECT skill_key FROM gold.bridge_posting_skill ORDER BY skill_key LIMIT 1",
    )
    .await;
    let dim = t.lake.table("gold", "dim_skill").await.expect("dim_skill");
    dim.delete()
        .with_predicate(format!("skill_key = {skill}"))
        .await
        .expect("delete one skill");

    let err = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect_err("a bridge row refers to a skill that is gone")
        .to_string();
    assert!(err.contains("bridge_posting_skill"), "{err}");
    assert!(err.contains("dim_skill"), "{err}");
    let after: (i64, i64, i64) = sqlx::query_as(counts_sql)
        .fetch_one(&mut conn)
        .await
        .expect("counts");
    assert_eq!(after, before, "the warehouse kept its previous rows");
    assert_eq!(sqlite_indexes(&mut conn).await, indexes);
}

#[tokio::test]
async fn postgres_mirror_equals_gold_and_follows_refreshes() {
    let Some(admin) = postgres() else { return };
    let url = fresh_database(&admin).await;
    let t = demo_lake(200, 7).await;
    let project = Project::embedded();
    let first = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    assert!(first.migrations_applied >= 2);
    assert_report(&first, true);

    let mut conn = PgConnection::connect(&url).await.expect("pg");
    for (table, rows) in gold_counts(&t.lake).await {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM gold.{table}"
        )))
        .fetch_one(&mut conn)
        .await
        .expect("count");
        assert_eq!(n, rows, "{table}");
    }
    let lake_rows = lake_facts(&t.lake).await;
    let wh_rows: Vec<FactRow> = sqlx::query_as(
        "SELECT posting_key, posting_id, title, salary_annual_mid_eur, remote, posted_date::text, \
         to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') \
         FROM gold.fact_job_posting ORDER BY posting_key",
    )
    .fetch_all(&mut conn)
    .await
    .expect("facts");
    assert_eq!(
        lake_rows, wh_rows,
        "fact rows differ between the lake and PostgreSQL"
    );
    // Foreign keys are declared, so PostgreSQL checked them; and the comments are there.
    let comment: Option<String> =
        sqlx::query_scalar("SELECT obj_description('gold.fact_job_posting'::regclass)")
            .fetch_one(&mut conn)
            .await
            .expect("comment");
    assert!(comment.is_some_and(|c| c.contains("deduplicated")));

    let again = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    assert_eq!(again.migrations_applied, 0);
    assert_report(&again, false);
    let full = mirror(&t.lake, &project, &url, MirrorOptions { full: true })
        .await
        .expect("mirror");
    assert_report(&full, true);
    // The reload drops and re-creates foreign keys and secondary indexes: all are back.
    let (fks, indexes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f' \
                 AND connamespace = 'gold'::regnamespace), \
                (SELECT count(*) FROM pg_indexes WHERE schemaname = 'gold')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("catalog");
    assert_eq!(
        fks, 9,
        "6 from the fact, 2 from the bridge, 1 from the predictions"
    );
    assert!(indexes >= 9 + 7 + 1 + 3, "{indexes} indexes");

    let before = lake_keys(&t.lake).await;
    add_postings(&t.lake, 8, 120).await;
    mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    let keys: Vec<(String, i64)> =
        sqlx::query_as("SELECT posting_id, posting_key FROM gold.fact_job_posting")
            .fetch_all(&mut conn)
            .await
            .expect("keys");
    assert!(keys.len() > before.len());
    for (id, key) in &keys {
        if let Some(old) = before.get(id) {
            assert_eq!(old, key, "the key of {id} moved");
        }
    }
}

#[tokio::test]
async fn postgres_readers_never_see_a_partial_or_empty_star() {
    let Some(admin) = postgres() else { return };
    let url = fresh_database(&admin).await;
    let t = demo_lake(300, 7).await;
    let project = Project::embedded();
    mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    let counts_sql = "SELECT (SELECT count(*) FROM gold.fact_job_posting), \
                      (SELECT count(*) FROM gold.bridge_posting_skill)";
    let mut conn = PgConnection::connect(&url).await.expect("pg");
    let old: (i64, i64) = sqlx::query_as(counts_sql)
        .fetch_one(&mut conn)
        .await
        .expect("old");
    add_postings(&t.lake, 9, 300).await;
    let new_fact = query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await;
    let new_bridge = query_i64(&t.lake, "SELECT count(*) FROM gold.bridge_posting_skill").await;
    assert_ne!(old.0, new_fact);

    let reader_url = url.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_reader = stop.clone();
    let reader = tokio::spawn(async move {
        let mut conn = PgConnection::connect(&reader_url).await.expect("reader");
        let mut seen = Vec::new();
        while !stop_reader.load(std::sync::atomic::Ordering::SeqCst) {
            let pair: (i64, i64) = sqlx::query_as(counts_sql)
                .fetch_one(&mut conn)
                .await
                .expect("read");
            seen.push(pair);
        }
        seen
    });
    for _ in 0..3 {
        mirror(&t.lake, &project, &url, MirrorOptions { full: true })
            .await
            .expect("mirror");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.expect("reader");
    assert!(
        seen.len() > 10,
        "the reader ran only {} queries",
        seen.len()
    );
    for pair in &seen {
        assert!(
            *pair == old || *pair == (new_fact, new_bridge),
            "a reader saw {pair:?}: neither the old {old:?} nor the new ({new_fact}, {new_bridge})"
        );
    }
    assert_eq!(seen.last(), Some(&(new_fact, new_bridge)));
}

/// psql, from PATH or the distribution's PostgreSQL directory.
fn psql() -> std::path::PathBuf {
    if let Ok(found) = which("psql") {
        return found;
    }
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin/psql")).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.pop().expect("psql is installed with PostgreSQL")
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

#[tokio::test]
async fn a_mirror_killed_before_its_swap_leaves_the_warehouse_intact() {
    let Some(admin) = postgres() else { return };
    let url = fresh_database(&admin).await;
    let t = demo_lake(200, 7).await;
    let project = Project::embedded();
    mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    add_postings(&t.lake, 10, 150).await;
    let mut conn = PgConnection::connect(&url).await.expect("pg");
    let old: i64 = sqlx::query_scalar("SELECT count(*) FROM gold.fact_job_posting")
        .fetch_one(&mut conn)
        .await
        .expect("old");

    // A BI session holding a lock makes the mirror wait at its swap; it is killed there.
    let mut blocker = PgConnection::connect(&url).await.expect("pg");
    blocker.execute("BEGIN").await.expect("begin");
    blocker
        .execute("LOCK TABLE gold.dim_source IN ACCESS SHARE MODE")
        .await
        .expect("lock");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_joblake"))
        .args([
            "--lake",
            &t.dir.path().to_string_lossy(),
            "-q",
            "mirror",
            "--warehouse",
            &url,
        ])
        .env_remove("RUST_LOG")
        .spawn()
        .expect("mirror starts");
    let mut waiting = false;
    for _ in 0..600 {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
             AND query ~ '^(TRUNCATE|ALTER|DROP)' AND datname = current_database()",
        )
        .fetch_one(&mut conn)
        .await
        .expect("activity");
        if n > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waiting, "the mirror never reached its swap");
    child.kill().expect("kill");
    child.wait().expect("reaped");
    blocker.execute("ROLLBACK").await.expect("release");

    let mut tries = 0;
    let after: i64 = loop {
        // The server notices the dead client and rolls its transaction back.
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM gold.fact_job_posting")
            .fetch_one(&mut conn)
            .await
            .expect("count");
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE query ~ '^(TRUNCATE|ALTER|DROP)' \
             AND state <> 'idle' AND datname = current_database()",
        )
        .fetch_one(&mut conn)
        .await
        .expect("activity");
        if busy == 0 || tries > 100 {
            break n;
        }
        tries += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(after, old, "the killed mirror changed the live table");
    let fks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' \
         AND connamespace = 'gold'::regnamespace",
    )
    .fetch_one(&mut conn)
    .await
    .expect("catalog");
    // Six from the fact to its dimensions, two from the bridge, one from the predictions.
    assert_eq!(
        fks, 9,
        "the foreign keys dropped by the dead swap are back (rolled back)"
    );

    let report = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("the next mirror completes");
    assert_report(&report, true);
    let now: i64 = sqlx::query_scalar("SELECT count(*) FROM gold.fact_job_posting")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(
        now,
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await
    );
}

#[tokio::test]
async fn the_reader_role_reads_gold_and_can_change_nothing() {
    let Some(admin) = postgres() else { return };
    let url = fresh_database(&admin).await;
    let status = std::process::Command::new(psql())
        .arg(&url)
        .args([
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            "loader_password=loader-pw",
        ])
        .args(["-v", "reader_password=reader-pw", "-f"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/postgres/roles.sql"
        ))
        .status()
        .expect("psql runs");
    assert!(status.success(), "roles.sql failed");
    let as_role = |role: &str, pw: &str| {
        let mut u = url::Url::parse(&url).expect("url");
        u.set_username(role).expect("user");
        u.set_password(Some(pw)).expect("password");
        u.to_string()
    };
    let t = demo_lake(120, 7).await;
    let report = mirror(
        &t.lake,
        &Project::embedded(),
        &as_role("joblake_loader", "loader-pw"),
        MirrorOptions::default(),
    )
    .await
    .expect("the loader role mirrors");
    assert!(
        !report.warehouse.contains("loader-pw"),
        "{}",
        report.warehouse
    );

    // A run that mirrors copies the run log into `meta`, which the reader may read too.
    let ctx = joblake::ops::runs::RunContext {
        lake: t.lake.clone(),
        project: Project::embedded(),
        config: joblake::config::Config {
            warehouse: Some(as_role("joblake_loader", "loader-pw")),
            ..joblake::config::Config::default()
        },
        stop: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        secrets: joblake_sources::Secrets::default(),
        demo: None,
        reports: None,
        stream_limits: None,
    };
    let job = joblake::ops::runs::JobSpec {
        steps: vec![joblake::ops::runs::Step::Mirror],
        ..joblake::ops::runs::default_jobs()["pipeline"].clone()
    };
    let run = joblake::ops::runs::execute(
        &ctx,
        "publish",
        &job,
        joblake::ops::runs::Trigger::Manual,
        1,
        "run-under-test",
        &|_| {},
    )
    .await
    .expect("the run is logged");
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");

    let mut reader = PgConnection::connect(&as_role("joblake_reader", "reader-pw"))
        .await
        .expect("reader connects");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM v_postings")
        .fetch_one(&mut reader)
        .await
        .expect("the reader reads the views");
    assert!(n > 0);
    let (job, status, steps): (String, String, i64) = sqlx::query_as(
        "SELECT r.job, r.status, (SELECT count(*) FROM meta.run_steps s WHERE s.run_id = r.run_id) \
         FROM meta.runs r WHERE r.run_id = 'run-under-test'",
    )
    .fetch_one(&mut reader)
    .await
    .expect("the reader reads the run log");
    assert_eq!(
        (job.as_str(), status.as_str(), steps),
        ("publish", "succeeded", 1)
    );
    for forbidden in [
        "DELETE FROM gold.fact_job_posting",
        "INSERT INTO gold.dim_source (source_key, source_kind) VALUES (1, 'api')",
        "UPDATE gold.dim_company SET postings = 0",
        "TRUNCATE gold.agg_postings_daily",
        "CREATE TABLE gold.mine (x int)",
        "CREATE TABLE public.mine (x int)",
        "CREATE TEMP TABLE mine (x int)",
        "SELECT count(*) FROM joblake.mirror_state",
        "DROP VIEW gold.v_postings",
        "DELETE FROM meta.runs",
    ] {
        let result = reader.execute(forbidden).await;
        assert!(result.is_err(), "the reader role could run: {forbidden}");
    }
}

/// A model marked `mirror:` whose table the migrations do not create is an error naming it,
/// before anything is read or loaded; an unmarked model is simply not mirrored.
#[tokio::test]
async fn a_mirrored_model_without_a_warehouse_table_is_named() {
    let t = temp_lake();
    let url = format!("sqlite://{}", t.dir.path().join("warehouse.db").display());
    let mut files = std::collections::BTreeMap::new();
    files.insert(
        "gold/agg_new_thing.sql".to_string(),
        "-- A new aggregate.\n-- materialized: table\n-- mirror: aggregate\nSELECT 1 AS n"
            .to_string(),
    );
    files.insert(
        "gold/not_mirrored.sql".to_string(),
        "-- Lake only.\n-- materialized: table\nSELECT 1 AS n".to_string(),
    );
    let project = Project::from_files(files);
    let err = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect_err("no warehouse table for agg_new_thing")
        .to_string();
    assert!(
        err.contains("gold.agg_new_thing (mirror: aggregate)"),
        "{err}"
    );
    assert!(err.contains("migrations/sqlite/"), "{err}");
    assert!(!err.contains("not_mirrored"), "{err}");
}

#[tokio::test]
async fn sqlite_readers_never_see_a_partial_or_empty_star() {
    let t = demo_lake(300, 7).await;
    let url = format!("sqlite://{}", t.dir.path().join("warehouse.db").display());
    let project = Project::embedded();
    mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror");
    let counts_sql = "SELECT (SELECT count(*) FROM fact_job_posting), \
                      (SELECT count(*) FROM bridge_posting_skill)";
    let mut conn = SqliteConnection::connect(&url).await.expect("sqlite");
    let old: (i64, i64) = sqlx::query_as(counts_sql)
        .fetch_one(&mut conn)
        .await
        .expect("old");
    add_postings(&t.lake, 11, 300).await;
    let new = (
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await,
        query_i64(&t.lake, "SELECT count(*) FROM gold.bridge_posting_skill").await,
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_reader = stop.clone();
    let reader_url = url.clone();
    let reader = tokio::spawn(async move {
        let mut conn = SqliteConnection::connect(&reader_url)
            .await
            .expect("reader");
        let mut seen = Vec::new();
        while !stop_reader.load(std::sync::atomic::Ordering::SeqCst) {
            let pair: (i64, i64) = sqlx::query_as(counts_sql)
                .fetch_one(&mut conn)
                .await
                .expect("read");
            seen.push(pair);
            tokio::task::yield_now().await;
        }
        seen
    });
    for _ in 0..2 {
        mirror(&t.lake, &project, &url, MirrorOptions { full: true })
            .await
            .expect("mirror");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.expect("reader");
    assert!(
        seen.len() > 10,
        "the reader ran only {} queries",
        seen.len()
    );
    for pair in &seen {
        assert!(
            *pair == old || *pair == new,
            "a reader saw {pair:?}: neither {old:?} nor {new:?}"
        );
    }
    assert_eq!(seen.last(), Some(&new));
}

#[tokio::test]
async fn the_mirror_connects_over_tls_when_asked() {
    let Some(admin) = postgres() else { return };
    if std::env::var_os("JOBLAKE_TEST_POSTGRES_TLS").is_none() {
        eprintln!("JOBLAKE_TEST_POSTGRES_TLS is not set: the test server has no TLS, skipping");
        return;
    }
    let url = format!("{}?sslmode=require", fresh_database(&admin).await);
    let t = demo_lake(60, 7).await;
    let report = mirror(
        &t.lake,
        &Project::embedded(),
        &url,
        MirrorOptions::default(),
    )
    .await
    .expect("mirror over TLS");
    assert!(report.rows() > 0);
    let mut conn = PgConnection::connect(&url).await.expect("TLS connection");
    let tls: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .expect("pg_stat_ssl");
    assert!(tls, "sslmode=require gave a plain connection");
}

/// The CA that signed the test server's certificate and an unrelated one, or None (and a
/// message) when there are none; on CI missing CAs are an error, not a skip.
fn postgres_cas() -> Option<(String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("JOBLAKE_TEST_POSTGRES_CA"),
        var("JOBLAKE_TEST_POSTGRES_OTHER_CA"),
    ) {
        (Some(ca), Some(other)) => Some((ca, other)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must provide JOBLAKE_TEST_POSTGRES_CA and JOBLAKE_TEST_POSTGRES_OTHER_CA \
                 (see .ci/run)"
            );
            eprintln!(
                "JOBLAKE_TEST_POSTGRES_CA or JOBLAKE_TEST_POSTGRES_OTHER_CA is not set: \
                 skipping the verify-full checks"
            );
            None
        }
    }
}

/// `url` with `sslmode=verify-full`, `sslrootcert=ca` and a dummy password (the test server's
/// trust authentication ignores it), to check that messages do not carry it.
fn verify_full(url: &str, ca: &str) -> String {
    let mut u = url::Url::parse(url).expect("url");
    u.set_password(Some("s3cret")).expect("password");
    u.query_pairs_mut()
        .append_pair("sslmode", "verify-full")
        .append_pair("sslrootcert", ca);
    u.to_string()
}

#[tokio::test]
async fn the_mirror_verifies_the_server_certificate_with_verify_full() {
    let Some(admin) = postgres() else { return };
    let Some((ca, other_ca)) = postgres_cas() else {
        return;
    };
    let db = fresh_database(&admin).await;
    let t = demo_lake(60, 7).await;
    let project = Project::embedded();

    // A certificate the given CA did not sign: refused before anything is written, with an
    // error that names the problem and not the password.
    let wrong = verify_full(&db, &other_ca);
    let err = mirror(&t.lake, &project, &wrong, MirrorOptions::default())
        .await
        .expect_err("verify-full with another CA must fail")
        .to_string();
    assert!(err.contains("invalid peer certificate"), "{err}");
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert!(err.contains(":***@"), "{err}");
    let mut plain = PgConnection::connect(&db).await.expect("pg");
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables \
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&mut plain)
    .await
    .expect("catalog");
    assert_eq!(tables, 0, "the refused mirror created tables");

    // The right CA: the host is 127.0.0.1 (as in .ci/run), which verify-full accepts because
    // the certificate names it (subjectAltName IP:127.0.0.1).
    let url = verify_full(&db, &ca);
    assert_eq!(
        url::Url::parse(&url).expect("url").host_str(),
        Some("127.0.0.1")
    );
    let report = mirror(&t.lake, &project, &url, MirrorOptions::default())
        .await
        .expect("mirror with verify-full");
    assert!(report.rows() > 0);
    assert!(!report.warehouse.contains("s3cret"), "{}", report.warehouse);
    let mut conn = PgConnection::connect(&url)
        .await
        .expect("verify-full connection");
    let (tls, version): (bool, Option<String>) =
        sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .expect("pg_stat_ssl");
    assert!(tls, "sslmode=verify-full gave a plain connection");
    assert!(version.is_some_and(|v| v.starts_with("TLS")));
    let facts: i64 = sqlx::query_scalar("SELECT count(*) FROM gold.fact_job_posting")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(
        facts,
        query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await
    );
}

/// `joblake bench mirror` into a new warehouse: its synthetic star has no predictions table,
/// while the migrations made `gold.fact_posting_prediction`, whose foreign key points at the
/// fact. The swap must still replace the star (twice: first load and reload), keep that key,
/// and psql must load the same tables.
#[tokio::test]
async fn the_mirror_bench_replaces_a_star_that_other_tables_reference() {
    let Some(admin) = postgres() else { return };
    let url = fresh_database(&admin).await;
    let t = temp_lake();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let psql = std::path::Path::new("psql");
    for _ in 0..2 {
        let bench = joblake::bench::mirror_vs_copy(&t.lake, scratch.path(), &url, 3000, psql)
            .await
            .expect("the mirror bench runs");
        assert_eq!(bench.fact_rows, 3000);
        assert!(
            bench.total_rows > bench.fact_rows,
            "dimensions and bridge too"
        );
        assert!(bench.copy_seconds > 0.0 && bench.mirror_seconds > 0.0);
    }
    let mut conn = PgConnection::connect(&url).await.expect("pg");
    let keys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' \
         AND conrelid = 'gold.fact_posting_prediction'::regclass \
         AND confrelid = 'gold.fact_job_posting'::regclass",
    )
    .fetch_one(&mut conn)
    .await
    .expect("constraints");
    assert_eq!(keys, 1, "the predictions' key to the fact is back");
}
