//! The scheduler's health and metrics endpoint: `GET /metrics` in the OpenMetrics text format
//! (which Prometheus scrapes),
//! `GET /health` as JSON, served on localhost by a small thread.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::lake::run_log::RunRecord;
use crate::stream::consume::ConsumeReport;

type Labels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;
type FloatCounter = Counter<f64, AtomicU64>;

/// The figures the endpoint serves, updated by the scheduler.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    last_success: Family<Labels, FloatGauge>,
    last_run: Family<Labels, FloatGauge>,
    last_duration: Family<Labels, FloatGauge>,
    next_run: Family<Labels, FloatGauge>,
    running: Family<Labels, Gauge>,
    runs: Family<Labels, Counter>,
    skipped: Family<Labels, Counter>,
    step_seconds: Family<Labels, FloatGauge>,
    rows: Family<Labels, Counter>,
    energy: Family<Labels, FloatCounter>,
    co2e: Family<Labels, FloatCounter>,
    stream_lag: Family<Labels, Gauge>,
    stream_messages: Family<Labels, Counter>,
    stream_bytes: Family<Labels, Counter>,
    stream_batches: Family<Labels, Counter>,
    stream_dead_letters: Family<Labels, Counter>,
    stream_rate: Family<Labels, FloatGauge>,
    health: BTreeMap<String, JobHealth>,
}

/// What `/health` says about a job.
#[derive(Debug, Clone, Serialize, Default)]
pub struct JobHealth {
    /// Cron expression.
    pub cron: String,
    /// Status of the last run.
    pub last_status: Option<String>,
    /// Its error, if any.
    pub last_error: Option<String>,
    /// When the last run ended.
    pub last_run: Option<chrono::DateTime<chrono::Utc>>,
    /// When the last successful run ended.
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// When the next run is due.
    pub next_run: Option<chrono::DateTime<chrono::Utc>>,
    /// True while a run is going.
    pub running: bool,
}

fn partition(topic: &str, partition: i32) -> Labels {
    vec![
        ("topic".into(), topic.to_string()),
        ("partition".into(), partition.to_string()),
    ]
}

fn job(job: &str) -> Labels {
    vec![("job".into(), job.into())]
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// An empty registry with every metric declared.
    pub fn new() -> Metrics {
        let mut m = Metrics {
            registry: Registry::with_prefix("joblake"),
            last_success: Family::default(),
            last_run: Family::default(),
            last_duration: Family::default(),
            next_run: Family::default(),
            running: Family::default(),
            runs: Family::default(),
            skipped: Family::default(),
            step_seconds: Family::default(),
            rows: Family::default(),
            energy: Family::default(),
            co2e: Family::default(),
            stream_lag: Family::default(),
            stream_messages: Family::default(),
            stream_bytes: Family::default(),
            stream_batches: Family::default(),
            stream_dead_letters: Family::default(),
            stream_rate: Family::default(),
            health: BTreeMap::new(),
        };
        let r = &mut m.registry;
        r.register(
            "job_last_success_timestamp_seconds",
            "End of the job's last successful (or partial) run, Unix time",
            m.last_success.clone(),
        );
        r.register(
            "job_last_run_timestamp_seconds",
            "End of the job's last run, whatever its status, Unix time",
            m.last_run.clone(),
        );
        r.register(
            "job_last_duration_seconds",
            "Wall time of the job's last run",
            m.last_duration.clone(),
        );
        r.register(
            "job_next_run_timestamp_seconds",
            "When the job's next slot is due, Unix time",
            m.next_run.clone(),
        );
        r.register(
            "job_running",
            "1 while a run of the job is going",
            m.running.clone(),
        );
        r.register(
            "job_runs",
            "Runs by job and status (succeeded, partial, failed, cancelled)",
            m.runs.clone(),
        );
        r.register(
            "job_skipped_slots",
            "Slots not run by this scheduler: busy (another holder), taken (run elsewhere), overrun (a run outlasted them)",
            m.skipped.clone(),
        );
        r.register(
            "step_last_duration_seconds",
            "Wall time of each step in the job's last run",
            m.step_seconds.clone(),
        );
        r.register(
            "step_rows",
            "Rows read (direction=in) and written (direction=out) by each step",
            m.rows.clone(),
        );
        r.register(
            "energy_watt_hours",
            "Estimated energy of the job's runs (see docs/operations.md)",
            m.energy.clone(),
        );
        r.register(
            "stream_lag_messages",
            "Messages published to the partition and not yet committed to bronze (joblake stream)",
            m.stream_lag.clone(),
        );
        r.register(
            "stream_messages",
            "Messages consumed from the topic's partition into bronze",
            m.stream_messages.clone(),
        );
        r.register(
            "stream_bytes",
            "Bytes of messages (keys and values) consumed from the topic's partition",
            m.stream_bytes.clone(),
        );
        r.register(
            "stream_batches",
            "Micro-batches committed to bronze",
            m.stream_batches.clone(),
        );
        r.register(
            "stream_dead_letters",
            "Messages sent to the dead letters (not JSON, not an envelope, too large)",
            m.stream_dead_letters.clone(),
        );
        r.register(
            "stream_last_cycle_messages_per_second",
            "Messages per second of the last consumption cycle",
            m.stream_rate.clone(),
        );
        r.register(
            "co2e_grams",
            "Estimated CO2-equivalent emissions of the job's runs",
            m.co2e.clone(),
        );
        m
    }

    /// Declares a job, so that its series exist before its first run.
    pub fn job(&mut self, name: &str, cron: &str) {
        self.running.get_or_create(&job(name)).set(0);
        self.health.insert(
            name.to_string(),
            JobHealth {
                cron: cron.to_string(),
                ..JobHealth::default()
            },
        );
    }

    /// The next slot of a job.
    pub fn next_run(&mut self, name: &str, at: chrono::DateTime<chrono::Utc>) {
        self.next_run
            .get_or_create(&job(name))
            .set(at.timestamp() as f64);
        if let Some(h) = self.health.get_mut(name) {
            h.next_run = Some(at);
        }
    }

    /// A run started or ended.
    pub fn running(&mut self, name: &str, running: bool) {
        self.running
            .get_or_create(&job(name))
            .set(i64::from(running));
        if let Some(h) = self.health.get_mut(name) {
            h.running = running;
        }
    }

    /// A slot this scheduler did not run, and why.
    pub fn skipped(&mut self, name: &str, reason: &str) {
        let mut labels = job(name);
        labels.push(("reason".into(), reason.into()));
        self.skipped.get_or_create(&labels).inc();
    }

    /// A finished run.
    pub fn finished(&mut self, run: &RunRecord) {
        let name = run.job.as_str();
        let ended = run.ended_at.timestamp_millis() as f64 / 1000.0;
        self.last_run.get_or_create(&job(name)).set(ended);
        if run.status.completed() {
            self.last_success.get_or_create(&job(name)).set(ended);
        }
        self.last_duration
            .get_or_create(&job(name))
            .set(run.wall_seconds);
        let mut labels = job(name);
        labels.push(("status".into(), run.status.as_str().to_string()));
        self.runs.get_or_create(&labels).inc();
        self.energy.get_or_create(&job(name)).inc_by(run.energy_wh);
        self.co2e.get_or_create(&job(name)).inc_by(run.co2e_g);
        for step in &run.steps {
            let mut labels = job(name);
            labels.push(("step".into(), step.step.clone()));
            self.step_seconds
                .get_or_create(&labels)
                .set(step.wall_seconds);
            for (direction, rows) in [("in", step.rows_in), ("out", step.rows_out)] {
                if let Some(rows) = rows {
                    let mut l = labels.clone();
                    l.push(("direction".into(), direction.into()));
                    self.rows.get_or_create(&l).inc_by(rows.max(0) as u64);
                }
            }
        }
        if let Some(h) = self.health.get_mut(name) {
            h.last_status = Some(run.status.as_str().to_string());
            h.last_error = run.error.clone();
            h.last_run = Some(run.ended_at);
            if run.status.completed() {
                h.last_success = Some(run.ended_at);
            }
        }
    }

    /// A consumption cycle of `joblake stream`.
    pub fn stream(&mut self, report: &ConsumeReport) {
        for p in &report.partitions {
            let labels = partition(&report.topic, p.partition);
            self.stream_lag.get_or_create(&labels).set(p.lag);
            self.stream_messages
                .get_or_create(&labels)
                .inc_by(p.messages as u64);
            self.stream_bytes
                .get_or_create(&labels)
                .inc_by(p.message_bytes as u64);
            self.stream_batches
                .get_or_create(&labels)
                .inc_by(p.batches as u64);
            self.stream_dead_letters
                .get_or_create(&labels)
                .inc_by(p.dead_letters as u64);
        }
        let topic: Labels = vec![("topic".into(), report.topic.clone())];
        self.stream_rate
            .get_or_create(&topic)
            .set(report.messages() as f64 / report.seconds.max(1e-9));
    }

    /// The lag of each partition, measured between cycles.
    pub fn stream_lag(&mut self, topic: &str, p: i32, lag: i64) {
        self.stream_lag.get_or_create(&partition(topic, p)).set(lag);
    }

    /// The Prometheus text exposition.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// The `/health` document.
    pub fn health(&self) -> String {
        serde_json::json!({"status": "ok", "jobs": self.health}).to_string()
    }
}

/// The endpoint's server thread; stops when dropped.
pub struct Endpoint {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The address it listens on (the port is chosen by the system when 0 was asked).
    pub addr: String,
}

/// Serves `metrics` on `addr` (e.g. `127.0.0.1:9464`).
pub fn serve(addr: &str, metrics: Arc<Mutex<Metrics>>) -> Result<Endpoint> {
    let server = tiny_http::Server::http(addr).map_err(|e| Error::Serve {
        addr: addr.to_string(),
        message: format!("metrics endpoint: {e}"),
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .map(|a| a.to_string())
        .unwrap_or_else(|| addr.to_string());
    let server = Arc::new(server);
    let serving = server.clone();
    let thread = std::thread::spawn(move || {
        for request in serving.incoming_requests() {
            let (status, body, kind) = {
                let Ok(m) = metrics.lock() else { break };
                match request.url() {
                    "/metrics" => (
                        200,
                        m.text(),
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ),
                    "/health" | "/healthz" => (200, m.health(), "application/json"),
                    _ => (
                        404,
                        "not found: try /metrics or /health\n".to_string(),
                        "text/plain",
                    ),
                }
            };
            let mut response = tiny_http::Response::from_string(body).with_status_code(status);
            if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", kind) {
                response = response.with_header(h);
            }
            let _ = request.respond(response);
        }
    });
    Ok(Endpoint {
        server,
        thread: Some(thread),
        addr: bound,
    })
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            // The accept loop ends on unblock; do not hang shutdown if a client is slow.
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}
