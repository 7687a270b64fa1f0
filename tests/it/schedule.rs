//! Runs and the scheduler, as an operator uses them: `joblake schedule` and `joblake run`
//! processes on a real lake, replay servers on loopback for the sources, signals, a killed
//! lease holder, the run log in `meta.runs`, the warehouse copy, and the metrics endpoint.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use joblake::lake::Lake;
use joblake::pipeline;

use crate::ingest::{arbeitnow_page, remotive_page};
use crate::replay::{Replay, Reply};
use crate::util::{http_get, query_i64, query_text, small_demo, temp_lake};

/// A `joblake` process whose stderr is collected line by line.
struct Proc {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

fn spawn(lake: &Path, config: &Path, args: &[&str]) -> Proc {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("joblake"))
        .env("JOBLAKE_LAKE", lake)
        .env("JOBLAKE_CONFIG", config)
        .env_remove("RUST_LOG")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("joblake starts");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("stderr piped");
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().expect("lines").push(line);
        }
    });
    Proc { child, lines }
}

impl Proc {
    fn text(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }

    /// Waits until some stderr line satisfies `pred` (panics with the output after `limit`).
    fn wait_for(&self, what: &str, limit: Duration, pred: impl Fn(&[String]) -> bool) {
        let started = Instant::now();
        while started.elapsed() < limit {
            let lines = self.lines.lock().expect("lines").clone();
            if pred(&lines) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("timed out waiting for {what}; stderr:\n{}", self.text());
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill {sig} failed");
    }

    /// Waits for the process to exit (panics after `limit`).
    fn exit(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // Let the reader thread drain the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("did not exit within {limit:?}; stderr:\n{}", self.text());
    }

    fn metrics_addr(&self) -> String {
        let text = self.text();
        let at = text
            .find("metrics at http://")
            .expect("metrics address printed");
        text[at + "metrics at http://".len()..]
            .split('/')
            .next()
            .expect("address")
            .to_string()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A lake holding a small demo sample in bronze (not refreshed yet).
fn landed_lake(jobs: usize) -> (crate::util::TempLake, PathBuf) {
    let t = temp_lake();
    let lake_dir = t.dir.path().join("lake");
    let lake = Lake::open(&lake_dir.to_string_lossy(), Default::default()).expect("lake");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(pipeline::land_demo(&lake, &small_demo(jobs)))
        .expect("demo landed");
    (t, lake_dir)
}

fn open(lake_dir: &Path) -> Lake {
    Lake::open(&lake_dir.to_string_lossy(), Default::default()).expect("lake")
}

fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("joblake.toml");
    std::fs::write(&path, body).expect("config written");
    path
}

const QUICK_HTTP: &str = "[http]\nrequests_per_second = 100.0\nmax_retries = 1\nbackoff_initial_ms = 20\nbackoff_max_secs = 0.1\ntimeout_secs = 10.0\n";

#[test]
fn a_one_second_schedule_runs_the_pipeline_and_logs_each_run_with_its_cost() {
    let server = Replay::start(|r, _| match r.path() {
        "/api/remote-jobs" => Reply::ok(remotive_page(1..40)),
        _ => Reply::not_found(),
    });
    let (t, lake_dir) = landed_lake(120);
    let config = write_config(
        t.dir.path(),
        &format!(
            "{QUICK_HTTP}
[sources.remotive]
base_url = \"{}\"
[schedule]
metrics_addr = \"127.0.0.1:0\"
lease_ttl = \"10s\"
[schedule.jobs.pipeline]
cron = \"* * * * * *\"
steps = [\"ingest\", \"refresh\", \"mirror\"]
retries = 0
",
            server.base
        ),
    );
    let mut sched = spawn(&lake_dir, &config, &["schedule"]);
    sched.wait_for("two runs", Duration::from_secs(180), |lines| {
        sched_runs(lines) >= 2
    });
    let addr = sched.metrics_addr();
    let metrics = http_get(&addr, "/metrics");
    let health = http_get(&addr, "/health");
    sched.signal("-TERM");
    let status = sched.exit(Duration::from_secs(120));
    assert!(status.success(), "{status:?}\n{}", sched.text());
    assert!(sched.text().contains("joblake schedule: stopped"));

    assert!(
        metrics.starts_with("HTTP/1.") && metrics.contains(" 200 "),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"joblake_job_runs_total{job="pipeline",status="succeeded"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("joblake_job_last_success_timestamp_seconds{job=\"pipeline\"}"));
    assert!(metrics.contains("joblake_energy_watt_hours_total{job=\"pipeline\"}"));
    assert!(health.contains("\"last_status\":\"succeeded\""), "{health}");

    let lake = open(&lake_dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let runs = query_i64(
            &lake,
            "SELECT count(*) FROM meta.runs WHERE job = 'pipeline' AND trigger = 'scheduled' \
             AND status = 'succeeded' AND slot IS NOT NULL",
        )
        .await;
        assert!(runs >= 2, "{}", query_text(&lake, "SELECT * FROM meta.runs").await);
        // Each run has its four steps, measured.
        let steps = query_text(
            &lake,
            "SELECT step, count(*) AS n FROM meta.run_steps GROUP BY step ORDER BY step",
        )
        .await;
        for step in ["ingest", "refresh", "test", "mirror"] {
            assert!(steps.contains(step), "{steps}");
        }
        let costed = query_i64(
            &lake,
            "SELECT count(*) FROM meta.runs WHERE cpu_seconds > 0 AND energy_wh > 0 \
             AND co2e_g > 0 AND peak_memory_bytes > 0 AND wall_seconds > 0",
        )
        .await;
        assert_eq!(costed, runs, "every run has its cost");
        // The first run ingested the replayed postings and refreshed the demo sample.
        let first = "(SELECT run_id FROM meta.runs ORDER BY started_at LIMIT 1)";
        let landed = query_i64(
            &lake,
            &format!("SELECT rows_out FROM meta.run_steps WHERE step = 'ingest' AND run_id = {first}"),
        )
        .await;
        assert_eq!(landed, 39);
        let read = query_i64(
            &lake,
            &format!("SELECT rows_in FROM meta.run_steps WHERE step = 'refresh' AND run_id = {first}"),
        )
        .await;
        assert!(read > 100, "bronze envelopes read by the first refresh: {read}");
        let remotive = query_i64(
            &lake,
            "SELECT count(*) FROM silver.posting_records WHERE source = 'remotive' AND title LIKE 'Data Engineer %'",
        )
        .await;
        assert!(remotive > 0);
        // Runs are in the warehouse too, and the audit trail names each change.
        let audited = query_text(
            &lake,
            "SELECT DISTINCT action FROM meta.audit ORDER BY action",
        )
        .await;
        for action in ["ingest", "mirror", "refresh"] {
            assert!(audited.contains(action), "{audited}");
        }
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            lake_dir.join("warehouse.db").display()
        ))
        .await
        .expect("warehouse");
        let mirrored: i64 = sqlx::query_scalar("SELECT count(*) FROM meta_runs WHERE status = 'succeeded'")
            .fetch_one(&pool)
            .await
            .expect("meta_runs");
        assert!(mirrored >= 1, "the run log reaches the warehouse");
    });
    drop(server);
}

/// The bronze files a run lands carry the run's own id: bronze joins `meta.runs`.
#[test]
fn a_run_lands_bronze_under_its_own_run_id() {
    let server = Replay::start(|r, _| match r.path() {
        "/api/remote-jobs" => Reply::ok(remotive_page(1..6)),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let lake_dir = t.dir.path().join("lake");
    let config = write_config(
        t.dir.path(),
        &format!(
            "{QUICK_HTTP}
[sources.remotive]
base_url = \"{}\"
[schedule.jobs.land]
cron = \"@daily\"
steps = [\"ingest\"]
retries = 0
",
            server.base
        ),
    );
    let mut run = spawn(&lake_dir, &config, &["run", "land"]);
    let status = run.exit(Duration::from_secs(120));
    assert!(status.success(), "{}", run.text());

    let lake = open(&lake_dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let landed = query_i64(&lake, "SELECT count(*) FROM bronze.envelopes").await;
        assert_eq!(landed, 5);
        let joined = query_i64(
            &lake,
            "SELECT count(*) FROM (SELECT DISTINCT run_id FROM bronze.envelopes) e \
             JOIN meta.runs r ON r.run_id = e.run_id \
             WHERE r.job = 'land' AND r.status = 'succeeded'",
        )
        .await;
        assert_eq!(
            joined,
            1,
            "bronze: {}\nruns: {}",
            query_text(&lake, "SELECT DISTINCT run_id FROM bronze.envelopes").await,
            query_text(&lake, "SELECT run_id, job, status FROM meta.runs").await
        );
        // The audit trail names the same run.
        let audited = query_i64(
            &lake,
            "SELECT count(*) FROM meta.audit a JOIN meta.runs r ON a.run_id = r.run_id \
             WHERE a.action = 'ingest'",
        )
        .await;
        assert_eq!(audited, 1);
    });
    drop(server);
}

fn sched_runs(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| l.starts_with("joblake schedule: ") && l.contains(" succeeded in "))
        .count()
}

/// The newest lease generation of `name`: (holder, released).
fn lease_holder(lake_dir: &Path, name: &str) -> Option<(String, bool)> {
    let dir = lake_dir.join("_meta/leases").join(name);
    let newest = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .max()?;
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(newest).ok()?).ok()?;
    Some((
        info["holder"].as_str()?.to_string(),
        info["released"].as_bool()?,
    ))
}

#[test]
fn two_schedulers_run_each_slot_once_never_together_and_take_over_from_a_dead_holder() {
    // Each ingest takes about 1.5 s, so runs straddle slots and both schedulers contend.
    let server = Replay::start(|r, _| match r.path() {
        "/api/job-board-api" => {
            Reply::ok(arbeitnow_page(1..5, true)).delayed(Duration::from_millis(1500))
        }
        _ => Reply::not_found(),
    });
    let (t, lake_dir) = landed_lake(30);
    let config = write_config(
        t.dir.path(),
        &format!(
            "{QUICK_HTTP}
[sources.arbeitnow]
base_url = \"{}\"
[schedule]
metrics_addr = \"\"
lease_ttl = \"3s\"
[schedule.jobs.fetch]
cron = \"* * * * * *\"
steps = [\"ingest\"]
retries = 0
",
            server.base
        ),
    );
    let a = spawn(&lake_dir, &config, &["schedule"]);
    let mut b = spawn(&lake_dir, &config, &["schedule"]);
    let both = |_: &[String]| {
        sched_runs(&a.lines.lock().expect("a")) + sched_runs(&b.lines.lock().expect("b")) >= 4
    };
    a.wait_for("four runs between the two", Duration::from_secs(120), both);

    // Kill -9 whichever holds the job while it runs; the other, on the same host, sees that
    // the holder's process is gone and takes over without waiting for the lease to expire,
    // and logs the dead holder's run as lost.
    let (victim, survivor) = loop {
        if let Some((holder, false)) = lease_holder(&lake_dir, "fetch") {
            if holder.ends_with(&format!("pid {}", a.child.id())) {
                break (a, b);
            }
            if holder.ends_with(&format!("pid {}", b.child.id())) {
                break (b, a);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    b = survivor;
    let victim_pid = victim.child.id();
    victim.signal("-KILL");
    let killed_at = chrono::Utc::now();
    drop(victim);
    b.wait_for(
        "a run after the take-over",
        Duration::from_secs(60),
        |lines| lines.iter().any(|l| l.contains("died holding it")),
    );
    let before = sched_runs(&b.lines.lock().expect("b"));
    b.wait_for(
        "the survivor runs again",
        Duration::from_secs(60),
        |lines| sched_runs(lines) > before,
    );
    b.signal("-TERM");
    assert!(b.exit(Duration::from_secs(60)).success(), "{}", b.text());

    let lake = open(&lake_dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let all = query_text(&lake, "SELECT slot, started_at, ended_at, host, status FROM meta.runs ORDER BY started_at").await;
        // Once per slot.
        let doubled = query_i64(
            &lake,
            "SELECT count(*) FROM (SELECT slot FROM meta.runs WHERE status <> 'lost' GROUP BY slot HAVING count(*) > 1)",
        )
        .await;
        assert_eq!(doubled, 0, "a slot ran twice:\n{all}");
        // Never two at once: each run ends before the next one starts.
        let overlapping = query_i64(
            &lake,
            "SELECT count(*) FROM (SELECT started_at, lag(ended_at) OVER (ORDER BY started_at) AS previous_end \
             FROM meta.runs WHERE status <> 'lost') WHERE started_at < previous_end",
        )
        .await;
        assert_eq!(overlapping, 0, "two runs overlapped:\n{all}");
        // Both took slots: the victim held one when it was killed (its run is logged as lost),
        // which may be its only one when the survivor won every slot before (a race a loaded
        // machine makes likely, so succeeded runs alone cannot be required of both).
        let hosts = query_i64(&lake, "SELECT count(DISTINCT host) FROM meta.runs WHERE status IN ('succeeded', 'lost')").await;
        assert_eq!(hosts, 2, "both schedulers ran some slots:\n{all}");
        // The dead holder's run is logged as lost, and nobody ran the job while it was alive:
        // no run started between the lost run's start and the kill.
        let lost = query_text(
            &lake,
            &format!("SELECT ended_at FROM meta.runs WHERE status = 'lost' AND host LIKE '%pid {victim_pid}'"),
        )
        .await;
        assert!(lost.contains("20"), "no lost run for pid {victim_pid}:\n{all}");
        let while_alive = query_i64(
            &lake,
            &format!(
                "SELECT count(*) FROM meta.runs WHERE status <> 'lost' \
                 AND started_at < TIMESTAMP '{}' \
                 AND started_at > (SELECT max(started_at) FROM meta.runs WHERE status = 'lost')",
                killed_at.format("%Y-%m-%dT%H:%M:%S%.6f")
            ),
        )
        .await;
        assert_eq!(while_alive, 0, "a run started while the holder was alive:\n{all}");
    });
}

#[test]
fn sigterm_during_a_refresh_stops_it_puts_its_tables_back_and_the_next_run_completes() {
    let (t, lake_dir) = landed_lake(1500);
    let config = write_config(
        t.dir.path(),
        "[schedule.jobs.nightly]\ncron = \"@daily\"\nsteps = [\"refresh\", \"mirror\"]\n",
    );
    let mut run = spawn(&lake_dir, &config, &["run", "nightly"]);
    // The refresh holds the tables lease while it writes.
    let started = Instant::now();
    while lease_holder(&lake_dir, "tables").is_none_or(|(_, released)| released) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the refresh never started: {}",
            run.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    run.signal("-TERM");
    let status = run.exit(Duration::from_secs(300));
    assert_eq!(status.code(), Some(130), "{}", run.text());

    let lake = open(&lake_dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let steps = query_text(
            &lake,
            "SELECT step, status, error FROM meta.run_steps ORDER BY position",
        )
        .await;
        // The refresh stopped before its next model, and the mirror did not start.
        assert!(squash(&steps).contains("| refresh | skipped"), "{steps}");
        assert!(steps.contains("stopped on request before"), "{steps}");
        assert!(squash(&steps).contains("| mirror | skipped"), "{steps}");
        let status = query_text(&lake, "SELECT status FROM meta.runs").await;
        assert!(status.contains("cancelled"), "{status}");
        // The tables this first refresh wrote were put back: none is left half-built.
        for table in ["posting_records", "job_postings"] {
            assert!(
                !lake.is_table("silver", table).await.expect("lists"),
                "silver.{table} left behind"
            );
        }
        assert!(
            !lake
                .is_table("gold", "fact_job_posting")
                .await
                .expect("lists")
        );
    });
    assert!(lease_holder(&lake_dir, "tables").is_some_and(|(_, released)| released));
    assert!(lease_holder(&lake_dir, "nightly").is_some_and(|(_, released)| released));

    // The next run does the stopped refresh's work, and the mirror it skipped.
    let mut again = spawn(&lake_dir, &config, &["run", "nightly"]);
    let status = again.exit(Duration::from_secs(300));
    assert!(status.success(), "{}", again.text());
    rt.block_on(async {
        let last = query_text(
            &lake,
            "SELECT status FROM meta.runs ORDER BY started_at DESC LIMIT 1",
        )
        .await;
        assert!(last.contains("succeeded"), "{last}");
        // Tables are whole: silver and gold agree.
        let silver = query_i64(&lake, "SELECT count(*) FROM silver.job_postings").await;
        let fact = query_i64(&lake, "SELECT count(*) FROM gold.fact_job_posting").await;
        assert!(silver > 0);
        assert_eq!(silver, fact);
    });
    assert!(lake_dir.join("warehouse.db").exists());
    // `joblake runs` lists both, newest first.
    let out = assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .env("JOBLAKE_LAKE", &lake_dir)
        .env("JOBLAKE_CONFIG", &config)
        .args(["runs", "--last", "5", "--format", "csv"])
        .assert()
        .success();
    let listed = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let rows: Vec<&str> = listed.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows[0].contains(",nightly,manual,succeeded,"), "{listed}");
    assert!(rows[1].contains(",nightly,manual,cancelled,"), "{listed}");
}

#[test]
fn a_failing_source_is_logged_retried_and_the_scheduler_keeps_going() {
    let server = Replay::start(|r, _| match r.path() {
        "/api/remote-jobs" => Reply::status(500, "upstream down"),
        "/api/job-board-api" => Reply::ok(arbeitnow_page(1..4, true)),
        _ => Reply::not_found(),
    });
    let (t, lake_dir) = landed_lake(30);
    let config = write_config(
        t.dir.path(),
        &format!(
            "{QUICK_HTTP}
[sources.remotive]
base_url = \"{0}\"
[sources.arbeitnow]
base_url = \"{0}\"
[schedule]
metrics_addr = \"127.0.0.1:0\"
lease_ttl = \"5s\"
# One good and one failing source: the run goes on, partial.
[schedule.jobs.boards]
cron = \"*/2 * * * * *\"
steps = [\"ingest\", \"refresh\"]
retries = 0
# Only the failing source: the run fails, is retried once, and the next slot comes anyway.
[schedule.jobs.remotive]
cron = \"* * * * * *\"
steps = [\"ingest\"]
sources = [\"remotive\"]
retries = 1
retry_delay = \"1s\"
",
            server.base
        ),
    );
    let mut sched = spawn(&lake_dir, &config, &["schedule"]);
    sched.wait_for(
        "failed runs and partial runs",
        Duration::from_secs(180),
        |lines| {
            let failed = lines
                .iter()
                .filter(|l| l.contains("remotive run") && l.contains(" failed in "))
                .count();
            let partial = lines
                .iter()
                .filter(|l| l.contains("boards run") && l.contains(" partial in "))
                .count();
            failed >= 3 && partial >= 1
        },
    );
    let metrics = http_get(&sched.metrics_addr(), "/metrics");
    sched.signal("-TERM");
    assert!(
        sched.exit(Duration::from_secs(120)).success(),
        "{}",
        sched.text()
    );
    assert!(
        metrics.contains(r#"joblake_job_runs_total{job="remotive",status="failed"}"#),
        "{metrics}"
    );

    let lake = open(&lake_dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let failed = query_text(
            &lake,
            "SELECT attempt, failed_step, error FROM meta.runs WHERE job = 'remotive' ORDER BY started_at",
        )
        .await;
        assert!(squash(&failed).contains("| 2 | ingest"), "a retry is logged as attempt 2:\n{failed}");
        assert!(failed.contains("ingest") && failed.contains("500"), "{failed}");
        let partial = query_text(
            &lake,
            "SELECT step, status, error FROM meta.run_steps WHERE run_id = \
             (SELECT run_id FROM meta.runs WHERE job = 'boards' AND status = 'partial' \
              ORDER BY started_at LIMIT 1) ORDER BY position",
        )
        .await;
        let partial = squash(&partial);
        assert!(partial.contains("| ingest | partial | failed sources: remotive"), "{partial}");
        assert!(partial.contains("| refresh | succeeded"), "{partial}");
        let arbeitnow = query_i64(&lake, "SELECT count(*) FROM silver.posting_records WHERE source = 'arbeitnow' AND company LIKE 'Firma %'").await;
        assert!(arbeitnow > 0, "the good source's postings were refreshed");
    });
}

/// A printed table with runs of spaces made one, so that assertions do not depend on widths.
fn squash(text: &str) -> String {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
