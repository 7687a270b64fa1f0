//! `joblake stream`: the consumer loop. It waits until the topic holds messages the lake has
//! not committed, then runs one cycle as a run of the `stream` job (logged in `meta.runs`):
//! consume into bronze micro-batches for `[stream] refresh_every` (or `refresh_every_batches`),
//! then refresh silver and gold incrementally and run the data tests. A stop request (SIGTERM,
//! Ctrl-C) commits the batch in hand and ends the loop without starting a refresh; a refresh
//! under way stops before its next model and puts its tables back.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::bronze;
use crate::bronze::stream::resume_offset;
use crate::config::jobs::{Step, stream_job};
use crate::error::{Error, Result};
use crate::lake::run_log::{RunRecord, RunStatus, StepStatus};
use crate::ops::runs::{self, Reports, RunContext, StepReport, Trigger};
use crate::ops::schedule::metrics::{self, Metrics};
use crate::stream::KafkaUrl;
use crate::stream::consume::{ConsumeReport, Consumer, CycleLimits};

/// What the loop did, over all its cycles.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StreamSummary {
    /// Cycles run (each a run of the `stream` job).
    pub cycles: usize,
    /// Messages consumed.
    pub messages: usize,
    /// Envelopes landed in bronze.
    pub records: usize,
    /// Messages sent to the dead letters.
    pub dead_letters: usize,
    /// Batches committed.
    pub batches: usize,
    /// The status of the last cycle's run.
    pub last_status: Option<RunStatus>,
    /// Where the metrics were served, if anywhere.
    pub metrics_addr: Option<String>,
}

/// Runs the loop until a stop request (or, with `once`, one cycle that drains the topic).
/// `on_cycle` sees each cycle's run and consumption report; `on_metrics` the endpoint's
/// address once it listens. Fails when the consumption itself fails (the broker, the lake); a
/// failed refresh or data test is logged in the run and the loop goes on.
pub async fn run(
    ctx: &RunContext,
    once: bool,
    on_metrics: &(dyn Fn(&str) + Sync),
    on_cycle: &(dyn Fn(&RunRecord, Option<&ConsumeReport>) + Sync),
) -> Result<StreamSummary> {
    let settings = &ctx.config.stream;
    let url = KafkaUrl::resolve(None, settings)?;
    let consumer = Consumer::open(&url, settings).await?;
    let metrics = Arc::new(Mutex::new(Metrics::new()));
    let endpoint = match settings.metrics_addr.as_str() {
        "" => None,
        addr => Some(metrics::serve(addr, metrics.clone())?),
    };
    let mut summary = StreamSummary {
        metrics_addr: endpoint.as_ref().map(|e| e.addr.clone()),
        ..StreamSummary::default()
    };
    if let Some(addr) = &summary.metrics_addr {
        on_metrics(addr);
    }
    // Where each partition stands: from the lake at start, then from each cycle's report.
    let mut next = Vec::new();
    for tp in consumer.owned() {
        next.push((
            tp.partition,
            resume_offset(&ctx.lake, tp).await?.unwrap_or(0),
        ));
    }
    let job = stream_job();
    while !ctx.stop.load(Ordering::SeqCst) {
        if !once {
            let lags = consumer.lag(&next).await?;
            if let Ok(mut m) = metrics.lock() {
                for (partition, lag) in &lags {
                    m.stream_lag(&url.topic, *partition, *lag);
                }
            }
            if lags.iter().all(|(_, lag)| *lag == 0) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
        }
        let limits = if once {
            CycleLimits {
                until_caught_up: true,
                deadline: None,
                max_batches: 0,
            }
        } else {
            CycleLimits {
                until_caught_up: false,
                deadline: Some(Instant::now() + settings.refresh_every),
                max_batches: settings.refresh_every_batches,
            }
        };
        let reports = Reports::default();
        let cycle = RunContext {
            stream_limits: Some(limits),
            reports: Some(reports.clone()),
            ..ctx.clone()
        };
        let run_id = bronze::new_run_id();
        let run =
            runs::execute(&cycle, "stream", &job, Trigger::Stream, 1, &run_id, &|_| {}).await?;
        let consumed = reports.take().into_iter().find_map(|r| match r {
            StepReport::Stream(c) => Some(c),
            _ => None,
        });
        summary.cycles += 1;
        summary.last_status = Some(run.status);
        if let Some(c) = &consumed {
            summary.messages += c.messages();
            summary.records += c.records();
            summary.dead_letters += c.dead_letters();
            summary.batches += c.batches();
            next = c
                .partitions
                .iter()
                .map(|p| (p.partition, p.next_offset))
                .collect();
        }
        if let Ok(mut m) = metrics.lock() {
            if let Some(c) = &consumed {
                m.stream(c);
            }
            m.finished(&run);
        }
        on_cycle(&run, consumed.as_ref());
        let consume_failed = run
            .steps
            .iter()
            .any(|s| s.step == Step::Stream.name() && s.status == StepStatus::Failed);
        if consume_failed {
            return Err(Error::Stream {
                what: url.to_string(),
                message: run
                    .error
                    .clone()
                    .unwrap_or_else(|| "the consumption failed".to_string()),
            });
        }
        if once {
            break;
        }
    }
    Ok(summary)
}
