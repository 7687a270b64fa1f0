//! The cluster engine (`--features cluster`): a Ballista scheduler and two executors started as
//! processes of their own on 127.0.0.1, and a client that sends joblake's queries to them. Its
//! answers must be the single-node answers.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::temp_lake;

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
}

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
    let scheduler: SocketAddr = format!("127.0.0.1:{}", free_port())
        .parse()
        .expect("address");
    let mut cluster = Cluster {
        scheduler,
        children: Vec::new(),
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
    ]));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(scheduler).is_err() {
        assert!(Instant::now() < deadline, "the scheduler did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    for _ in 0..executors {
        cluster.children.push(spawn(&[
            "executor".into(),
            "--scheduler".into(),
            scheduler.to_string(),
            "--port".into(),
            free_port().to_string(),
            "--grpc-port".into(),
            free_port().to_string(),
            "--slots".into(),
            "2".into(),
        ]));
    }
    // Executors register within their first heartbeat.
    std::thread::sleep(Duration::from_secs(3));
    cluster
}

/// `joblake sql` output of `query` as CSV, on the cluster when `engine` is given.
fn sql(lake: &std::path::Path, engine: Option<&str>, query: &str) -> String {
    let mut cmd = joblake(lake);
    if let Some(engine) = engine {
        cmd.args(["--engine", engine]);
    }
    let out = cmd
        .args(["sql", "-q", "--format", "csv", "-c", query])
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
    ];
    // The plan runs in stages on the cluster, not collected to this process.
    let plan = sql(lake, Some(&engine), &format!("EXPLAIN {}", queries[3]));
    assert!(
        plan.contains("distributed_plan") && plan.contains("ShuffleWriterExec"),
        "{plan}"
    );
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
