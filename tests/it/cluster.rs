//! The cluster engine (`--features cluster`): a Ballista scheduler and two executors started as
//! processes of their own on 127.0.0.1, and a client that sends joblake's queries to them. Its
//! answers must be the single-node answers.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{copy_missing, files_under, temp_lake};

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The processes of one cluster, killed when dropped.
struct Cluster {
    scheduler: SocketAddr,
    children: Vec<Child>,
    /// Held while the cluster lives: one cluster at a time. On a 2-core machine the
    /// killed-executor refresh hung in CI while the 100k cluster refresh ran beside it (alone it
    /// completes in about 25 s); why is not understood yet (docs/scale.md, Tests).
    _alone: std::sync::MutexGuard<'static, ()>,
}

/// Taken by every cluster a test starts.
static ONE_CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn joblake(lake: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_joblake"));
    cmd.env("JOBLAKE_LAKE", lake)
        .env_remove("JOBLAKE_ENGINE")
        .env_remove("RUST_LOG");
    cmd
}

/// A scheduler and `executors` executors over `lake`, once the scheduler answers and the
/// executors had time to register.
fn start(lake: &std::path::Path, executors: usize) -> Cluster {
    start_with_work_dirs(lake, executors, None)
}

/// [`start`], executor `i` writing its shuffle files under `work/i` when `work` is given.
fn start_with_work_dirs(
    lake: &std::path::Path,
    executors: usize,
    work: Option<&std::path::Path>,
) -> Cluster {
    // A test that failed while holding it poisons nothing the next one needs.
    let alone = ONE_CLUSTER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let scheduler: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("address");
    let mut cluster = Cluster {
        scheduler,
        children: Vec::new(),
        _alone: alone,
    };
    let spawn = |args: &[String]| {
        joblake(lake)
            .args(["-q", "cluster"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("a cluster process starts")
    };
    cluster.children.push(spawn(&[
        "scheduler".into(),
        "--bind".into(),
        scheduler.to_string(),
        // A killed executor is noticed within seconds, not a minute.
        "--executor-timeout".into(),
        "12".into(),
    ]));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(scheduler).is_err() {
        assert!(Instant::now() < deadline, "the scheduler did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    for i in 0..executors {
        let mut args: Vec<String> = vec![
            "executor".into(),
            "--scheduler".into(),
            scheduler.to_string(),
            "--port".into(),
            free_port().to_string(),
            "--grpc-port".into(),
            free_port().to_string(),
            "--slots".into(),
            "2".into(),
        ];
        if let Some(work) = work {
            let dir = work.join(i.to_string());
            std::fs::create_dir_all(&dir).expect("a work directory");
            args.extend(["--work-dir".into(), dir.to_string_lossy().into_owned()]);
        }
        cluster.children.push(spawn(&args));
    }
    // Executors register within their first heartbeat.
    std::thread::sleep(Duration::from_secs(3));
    cluster
}

/// `joblake sql` output of `query` as CSV, on the cluster when `engine` is given.
fn sql(lake: &std::path::Path, engine: Option<&str>, query: &str) -> String {
    sql_as(lake, engine, query, "csv")
}

/// `joblake sql` output of `query` in `format`, on the cluster when `engine` is given.
fn sql_as(lake: &std::path::Path, engine: Option<&str>, query: &str, format: &str) -> String {
    let mut cmd = joblake(lake);
    if let Some(engine) = engine {
        cmd.args(["--engine", engine]);
    }
    let out = cmd
        .args(["sql", "-q", "--format", format, "-c", query])
        .output()
        .expect("joblake sql runs");
    assert!(
        out.status.success(),
        "{query} (engine {engine:?}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn queries_on_a_two_executor_cluster_answer_as_one_machine() {
    let t = temp_lake();
    let lake = t.dir.path();
    let demo = joblake(lake)
        .args(["-q", "demo", "--jobs", "300", "--anchor", "2026-10-01"])
        .output()
        .expect("demo runs");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let cluster = start(lake, 2);
    let engine = format!("ballista://{}", cluster.scheduler);
    // Delta tables (partitioned and not), a reference table, joblake's UDFs, joins,
    // aggregations and a window: each answered by the cluster and by this machine.
    let queries = [
        "SELECT count(*) AS n, count(DISTINCT posting_id) AS postings FROM silver.job_postings",
        "SELECT posted_month, count(*) AS n FROM silver.job_postings GROUP BY 1 ORDER BY 1",
        "SELECT source, count(*) AS n, sum(CASE WHEN reject_reason IS NULL THEN 1 ELSE 0 END) AS ok \
         FROM silver.posting_records GROUP BY source ORDER BY source",
        "SELECT f.job_family, count(*) AS n, round(avg(salary_annual_mid_eur)) AS pay \
         FROM gold.fact_job_posting p JOIN gold.dim_job_family f ON f.job_family_key = p.job_family_key \
         GROUP BY 1 ORDER BY 1",
        "SELECT normalize_key(title) AS k, count(*) AS n FROM silver.job_postings \
         GROUP BY 1 ORDER BY n DESC, k LIMIT 20",
        "SELECT c.name, count(*) AS n FROM silver.job_postings j \
         JOIN ref.countries c ON c.iso2 = j.country GROUP BY 1 ORDER BY 1",
        "SELECT posting_id, rank() OVER (PARTITION BY job_family ORDER BY first_seen, posting_id) AS r \
         FROM silver.job_postings ORDER BY posting_id LIMIT 50",
        // Answered from the rollups (engine::rollups): a median from (value, count) pairs
        // whose partial states cross the shuffle, and counts over the skills rollup.
        "SELECT l.country_name, j.job_family_name, count(*) AS n, \
         median(f.salary_annual_mid_eur) AS mid FROM gold.fact_job_posting f \
         JOIN gold.dim_location l ON l.location_key = f.location_key \
         JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key \
         WHERE f.salary_annual_mid_eur IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
        "SELECT k.skill, s.source, count(*) AS n FROM gold.bridge_posting_skill b \
         JOIN gold.dim_skill k ON k.skill_key = b.skill_key \
         JOIN gold.fact_job_posting f ON f.posting_key = b.posting_key \
         JOIN gold.dim_source s ON s.source_key = f.source_key GROUP BY 1, 2 ORDER BY 1, 2",
    ];
    // The plan runs in stages on the cluster, not collected to this process.
    let plan = sql(lake, Some(&engine), &format!("EXPLAIN {}", queries[3]));
    assert!(
        plan.contains("distributed_plan") && plan.contains("ShuffleWriterExec"),
        "{plan}"
    );
    for rollup in ["rollup_salaries", "rollup_posting_skills"] {
        let used = queries
            .iter()
            .any(|q| sql(lake, Some(&engine), &format!("EXPLAIN {q}")).contains(rollup));
        assert!(used, "no query read {rollup} on the cluster");
    }
    for query in queries {
        let here = sql(lake, None, query);
        let there = sql(lake, Some(&engine), query);
        assert!(here.lines().count() > 1, "{query}: no rows\n{here}");
        assert_eq!(there, here, "{query}: the cluster's answer differs");
    }
}

#[test]
fn a_cluster_that_is_not_there_is_named() {
    let t = temp_lake();
    let port = free_port();
    let out = joblake(t.dir.path())
        .args(["--engine", &format!("ballista://127.0.0.1:{port}")])
        .args(["sql", "-q", "-c", "SELECT 1"])
        .output()
        .expect("joblake sql runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&port.to_string()), "{err}");
}

/// Columns that hold the wall clock of the refresh that wrote them, not data.
const WALL_CLOCK: [(&str, &str); 1] = [("gold.fact_posting_prediction", "created_at")];

/// Every silver and gold table of `lake`, with its number of columns.
fn delta_tables(lake: &std::path::Path) -> Vec<(String, usize)> {
    let csv = sql(
        lake,
        None,
        "SELECT table_schema || '.' || table_name AS t, count(*) AS n \
         FROM information_schema.columns WHERE table_schema IN ('silver', 'gold') \
         AND table_name IN (SELECT table_name FROM information_schema.tables \
                            WHERE table_type = 'BASE TABLE') \
         GROUP BY 1 ORDER BY 1",
    );
    csv.lines()
        .skip(1)
        .map(|l| {
            let (t, n) = l.split_once(',').expect("table,columns");
            (t.to_string(), n.parse().expect("a count"))
        })
        .collect()
}

/// `table` of `lake`, every row sorted by every column, as NDJSON (read on this machine).
fn dump(lake: &std::path::Path, table: &str, columns: usize) -> String {
    let excluded: Vec<&str> = WALL_CLOCK
        .iter()
        .filter(|(t, _)| *t == table)
        .map(|(_, c)| *c)
        .collect();
    let select = if excluded.is_empty() {
        "*".to_string()
    } else {
        format!("* EXCLUDE ({})", excluded.join(", "))
    };
    let order: Vec<String> = (1..=columns - excluded.len())
        .map(|i| i.to_string())
        .collect();
    sql_as(
        lake,
        None,
        &format!("SELECT {select} FROM {table} ORDER BY {}", order.join(", ")),
        "ndjson",
    )
}

/// Asserts that every silver and gold table of `there` holds the rows of the same table of
/// `here`, no more, no fewer (a multiset comparison: stronger than `EXCEPT` both ways).
fn assert_same_tables(here: &std::path::Path, there: &std::path::Path) {
    let tables = delta_tables(here);
    assert!(tables.len() > 10, "too few tables: {tables:?}");
    assert_eq!(delta_tables(there), tables, "not the same tables");
    for (table, columns) in tables {
        let (a, b) = (dump(here, &table, columns), dump(there, &table, columns));
        if a != b {
            let first = a
                .lines()
                .zip(b.lines())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("one machine: {x}\ncluster:     {y}"))
                .unwrap_or_default();
            panic!(
                "{table}: the cluster's table differs ({} vs {} lines)\n{first}",
                a.lines().count(),
                b.lines().count()
            );
        }
    }
}

/// Copies the bronze files of `from` that `to` lacks (the same bytes, under the same names).
fn copy_bronze(from: &std::path::Path, to: &std::path::Path) {
    copy_missing(&files_under(&from.join("bronze")), from, to);
}

/// `joblake gen` into `lake`.
fn generate(lake: &std::path::Path, postings: usize, seed: u64) {
    let out = joblake(lake)
        .args(["-q", "gen", "--postings", &postings.to_string()])
        .args(["--seed", &seed.to_string(), "--anchor", "2026-10-01"])
        .output()
        .expect("gen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `joblake refresh` of `lake` (on the cluster when `engine` is given); its output.
fn refresh(lake: &std::path::Path, engine: Option<&str>, full: bool) -> std::process::Output {
    let mut cmd = joblake(lake);
    if let Some(engine) = engine {
        cmd.args(["--engine", engine]);
    }
    cmd.arg("refresh");
    if full {
        cmd.arg("--full");
    }
    cmd.output().expect("refresh runs")
}

/// Postings of the lakes refreshed on the cluster: 2,000, or `JOBLAKE_CLUSTER_POSTINGS` (the
/// 100k comparison of docs/scale.md is this test with 100000).
fn cluster_postings() -> usize {
    std::env::var("JOBLAKE_CLUSTER_POSTINGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn a_refresh_on_the_cluster_builds_the_tables_one_machine_builds() {
    let (single, clustered_lake) = (temp_lake(), temp_lake());
    let (single, clustered) = (single.dir.path(), clustered_lake.dir.path());
    let postings = cluster_postings();
    generate(single, postings, 7);
    copy_bronze(single, clustered);
    let work = tempfile::tempdir().expect("temp dir");
    let cluster = start_with_work_dirs(clustered, 2, Some(work.path()));
    let engine = format!("ballista://{}", cluster.scheduler);

    // Full: every model runs on the cluster, the data tests too; the client commits.
    refresh_both(single, clustered, &engine, true);
    // Both executors ran stages of their own: each wrote shuffle files.
    for i in 0..2 {
        let dir = work.path().join(i.to_string());
        assert!(
            !files_under(&dir).is_empty(),
            "executor {i} wrote no shuffle file in {}",
            dir.display()
        );
    }

    // Incremental: new bronze in both lakes, only it is read.
    generate(single, postings / 4, 8);
    copy_bronze(single, clustered);
    refresh_both(single, clustered, &engine, false);

    // A few postings refreshed on one machine: rows replaced in place, and deletion vectors
    // left in the tables only models read; the openings' increment reads its own stored table
    // (one listing's rows replaced by themselves there). The next refresh on the cluster,
    // which reads whole files, rewrites them first.
    generate(single, postings / 100, 9);
    copy_bronze(single, clustered);
    for lake in [single, clustered] {
        let out = refresh(lake, None, false);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let lake = &clustered_lake.lake;
        let key = crate::util::query_text(
            lake,
            "SELECT min(source_id) AS k FROM silver.int_listing_openings",
        )
        .await;
        let key = key
            .lines()
            .nth(3)
            .expect("a value")
            .trim_matches(['|', ' ']);
        let rows = crate::util::query(
            lake,
            &format!("SELECT * FROM silver.int_listing_openings WHERE source_id = '{key}'"),
        )
        .await;
        let table = lake
            .table("silver", "int_listing_openings")
            .await
            .expect("table");
        let (_, replaced) = joblake::lake::deletion_vectors::replace_rows(
            table,
            "source_id",
            &std::collections::HashSet::from([key.to_string()]),
            rows,
            joblake::lake::parquet::writer_properties(),
            Default::default(),
        )
        .await
        .expect("replaced");
        assert!(replaced.deleted >= 1, "{replaced:?}");
    });
    generate(single, postings / 100, 10);
    copy_bronze(single, clustered);
    refresh_both(single, clustered, &engine, false);
}

/// A refresh (`full` or incremental) of `single` on one machine and of `clustered` on the
/// cluster at `engine`; both must succeed and give the same tables.
fn refresh_both(single: &std::path::Path, clustered: &std::path::Path, engine: &str, full: bool) {
    let kind = if full { "full" } else { "incremental" };
    for (lake, engine) in [(single, None), (clustered, Some(engine))] {
        let out = refresh(lake, engine, full);
        assert!(
            out.status.success(),
            "{kind} refresh (engine {engine:?}) failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_same_tables(single, clustered);
}

#[test]
fn an_executor_killed_during_a_refresh_leaves_every_table_whole() {
    let t = temp_lake();
    let lake = t.dir.path();
    generate(lake, 2_000, 7);
    let out = refresh(lake, None, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables = delta_tables(lake);
    let before: Vec<String> = tables.iter().map(|(t, n)| dump(lake, t, *n)).collect();

    let mut cluster = start(lake, 2);
    let engine = format!("ballista://{}", cluster.scheduler);
    let mut cmd = joblake(lake);
    let mut refreshing = cmd
        .args(["--engine", &engine, "refresh", "--full"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("refresh starts");
    // The second executor dies while the models run.
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        refreshing.try_wait().expect("the refresh runs").is_none(),
        "the refresh ended before the executor was killed: nothing was tested"
    );
    let mut victim = cluster.children.remove(2);
    victim.kill().expect("the executor is killed");
    victim.wait().expect("the executor is gone");
    let deadline = Instant::now() + Duration::from_secs(600);
    while refreshing
        .try_wait()
        .expect("the refresh is waited for")
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = refreshing.kill();
            panic!("the refresh hung after an executor was killed");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = refreshing.wait_with_output().expect("refresh output");
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "refresh after losing an executor: {}\n{err}",
        if out.status.success() {
            "completed"
        } else {
            "failed"
        }
    );
    if !out.status.success() {
        // Failed: it says which model, and every table was put back.
        assert!(err.contains("model ") || err.contains("cluster"), "{err}");
    }
    // Either way, every table holds whole data: the refresh's (the same bronze gives the same
    // rows) or the previous version's.
    assert_eq!(delta_tables(lake), tables);
    for ((table, columns), before) in tables.iter().zip(&before) {
        assert!(
            dump(lake, table, *columns) == *before,
            "{table} changed after a refresh that lost an executor (it {}):\n{err}",
            if out.status.success() {
                "succeeded"
            } else {
                "failed"
            }
        );
    }
}
