//! The reports of `joblake stream`: one line per cycle, a summary at the end.

use crate::lake::run_log::RunRecord;
use crate::ops::stream::StreamSummary;
use crate::stream::consume::ConsumeReport;

/// One cycle: what was consumed, committed and refreshed.
pub(crate) fn print_stream_cycle(run: &RunRecord, consumed: Option<&ConsumeReport>) {
    let refresh = run
        .steps
        .iter()
        .find(|s| s.step == "refresh")
        .map_or("not run".to_string(), |s| {
            format!("{} in {:.1} s", s.status.as_str(), s.wall_seconds)
        });
    match consumed {
        Some(c) => println!(
            "{}: {} messages in {} batch(es) ({} landed, {} dead letters) in {:.1} s, lag {}; refresh {refresh}",
            run.run_id,
            c.messages(),
            c.batches(),
            c.records(),
            c.dead_letters(),
            c.seconds,
            c.lag(),
        ),
        None => println!(
            "{}: {}{}",
            run.run_id,
            run.status.as_str(),
            run.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
    }
}

/// The whole stream, when it stops.
pub(crate) fn print_stream_summary(s: &StreamSummary) {
    println!(
        "stream stopped after {} cycle(s): {} messages, {} batches, {} landed, {} dead letters",
        s.cycles, s.messages, s.batches, s.records, s.dead_letters
    );
}
