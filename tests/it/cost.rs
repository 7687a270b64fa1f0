//! The cost of a run is the run's own: two refreshes overlapping in one process (what the
//! scheduler does with two jobs) are each charged their own rows and bytes, and CPU that
//! together is no more than the process used.

use joblake::lake::Lake;
use joblake::meter::{self, RunMeter, Usage};
use joblake::pipeline::land_demo;
use joblake::project::Project;
use joblake::transform::{RefreshOptions, refresh};

use crate::util::{TempLake, small_demo, temp_lake};

async fn landed(jobs: usize) -> TempLake {
    let t = temp_lake();
    land_demo(&t.lake, &small_demo(jobs))
        .await
        .expect("sample lands");
    t
}

/// A full refresh through a metered handle: (rows decoded, usage).
async fn metered_refresh(lake: &Lake) -> (u64, Usage) {
    let meter = RunMeter::start();
    let mark = meter.mark();
    let report = refresh(
        &lake.metered(meter.clone()),
        &Project::embedded(),
        &RefreshOptions::new(true),
        &|_| {},
    )
    .await
    .expect("refresh runs");
    assert!(report.failed_tests().is_empty());
    let usage = meter.usage(&mark);
    meter.finish();
    (meter.rows_decoded(), usage)
}

fn close(what: &str, alone: u64, together: u64) {
    let (a, t) = (alone as f64, together as f64);
    assert!(
        (t - a).abs() <= a * 0.2,
        "{what}: {together} overlapping vs {alone} alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_runs_are_each_charged_their_own_work() {
    let (small_alone, large_alone) = (landed(40).await, landed(160).await);
    let (small, large) = (landed(40).await, landed(160).await);
    let (small_rows, small_usage) = metered_refresh(&small_alone.lake).await;
    let (large_rows, large_usage) = metered_refresh(&large_alone.lake).await;
    assert!(small_rows > 0 && large_rows > small_rows);

    let cpu_before = meter::cpu_seconds().expect("getrusage works on Linux");
    let ((rows_a, usage_a), (rows_b, usage_b)) =
        tokio::join!(metered_refresh(&small.lake), metered_refresh(&large.lake));
    let process_cpu = meter::cpu_seconds().expect("getrusage") - cpu_before;

    // A process-wide counter would charge each run the sum of both.
    assert_eq!(rows_a, small_rows);
    assert_eq!(rows_b, large_rows);
    for (what, alone, together) in [
        ("small read", small_usage.bytes_read, usage_a.bytes_read),
        (
            "small written",
            small_usage.bytes_written,
            usage_a.bytes_written,
        ),
        ("large read", large_usage.bytes_read, usage_b.bytes_read),
        (
            "large written",
            large_usage.bytes_written,
            usage_b.bytes_written,
        ),
    ] {
        let (alone, together) = (alone.expect("counted"), together.expect("counted"));
        assert!(alone > 0, "{what}: nothing counted");
        close(what, alone, together);
    }
    let (cpu_a, cpu_b) = (
        usage_a.cpu_seconds.expect("cpu share"),
        usage_b.cpu_seconds.expect("cpu share"),
    );
    assert!(cpu_a > 0.0 && cpu_b > 0.0, "{cpu_a} {cpu_b}");
    // Other tests of this binary may hold meters too: the shares can only be smaller.
    assert!(
        cpu_a + cpu_b <= process_cpu + 1e-6,
        "{cpu_a} + {cpu_b} > the process's {process_cpu}"
    );
}
