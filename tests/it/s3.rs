//! The lake on an S3-protocol server on 127.0.0.1 (`JOBLAKE_TEST_S3_URL` and
//! `JOBLAKE_TEST_S3_BUCKET`; `.ci/run` starts moto and creates the bucket): landing, a refresh
//! into Delta tables, queries, and the create-only puts that landing markers and leases rely on.

use std::collections::HashMap;
use std::time::Duration;

use joblake::bronze::{self, LandOutcome};
use joblake::lake::Lake;
use joblake::lake::lease::{self, Acquired};
use joblake::pipeline::land_demo;

use crate::util::{query_i64, run_refresh, small_demo};

/// The server and bucket, or None (with a message) when not configured outside CI.
fn s3() -> Option<(String, String)> {
    let url = std::env::var("JOBLAKE_TEST_S3_URL").unwrap_or_default();
    let bucket = std::env::var("JOBLAKE_TEST_S3_BUCKET").unwrap_or_default();
    if url.is_empty() || bucket.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide JOBLAKE_TEST_S3_URL and JOBLAKE_TEST_S3_BUCKET (see .ci/run)"
        );
        eprintln!("JOBLAKE_TEST_S3_URL is not set: skipping the S3 checks");
        return None;
    }
    Some((url, bucket))
}

/// A lake under a fresh prefix of the test bucket.
fn s3_lake(url: &str, bucket: &str) -> Lake {
    let options: HashMap<String, String> = [
        ("aws_endpoint_url", url),
        ("aws_allow_http", "true"),
        ("aws_region", "us-east-1"),
        ("aws_access_key_id", "testing"),
        ("aws_secret_access_key", "testing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let prefix = format!("lake-{:016x}", rand::random::<u64>());
    Lake::open(&format!("s3://{bucket}/{prefix}"), options).expect("an S3 lake opens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lake_on_s3_lands_refreshes_and_answers_queries() {
    let Some((url, bucket)) = s3() else { return };
    let lake = s3_lake(&url, &bucket);
    let landed: usize = land_demo(&lake, &small_demo(60))
        .await
        .expect("the demo lands on S3")
        .iter()
        .map(|(_, r)| r.records())
        .sum();
    assert!(landed > 0);
    let report = run_refresh(&lake, false).await;
    assert!(
        report.failed_tests().is_empty(),
        "{:?}",
        report.failed_tests()
    );
    let records = query_i64(&lake, "SELECT count(*) FROM silver.posting_records").await;
    assert_eq!(records as usize, landed, "every landed record is in silver");
    let postings = query_i64(&lake, "SELECT count(*) FROM silver.job_postings").await;
    let facts = query_i64(&lake, "SELECT count(*) FROM gold.fact_job_posting").await;
    assert!(postings > 0 && postings <= records);
    assert_eq!(facts, postings);
    // A second refresh with nothing new writes nothing.
    let again = run_refresh(&lake, false).await;
    assert!(again.up_to_date(), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_s3_identical_landings_at_once_write_one_file_and_a_lease_has_one_holder() {
    let Some((url, bucket)) = s3() else { return };
    let lake = s3_lake(&url, &bucket);
    let file = joblake_gen::generate(&small_demo(10))
        .into_iter()
        .next()
        .expect("the demo has files");
    let landings = (0..6).map(|i| {
        let (lake, bytes, source) = (lake.clone(), file.bytes.clone(), file.source);
        tokio::spawn(async move {
            bronze::land_raw(&lake, source, "same.json", &bytes, &format!("run{i}"), i).await
        })
    });
    let outcomes = futures::future::join_all(landings).await;
    let written = outcomes
        .into_iter()
        .map(|o| o.expect("task ran").expect("lands"))
        .filter(|o| matches!(o, LandOutcome::Landed(_)))
        .count();
    assert_eq!(written, 1, "one landing wins the create-only marker");
    assert_eq!(
        bronze::list_files(&lake, None).await.expect("list").len(),
        1
    );

    // Leases are create-only generations too: a second taker finds the first holder.
    let ttl = Duration::from_secs(30);
    let first = lease::try_acquire(&lake, "pipeline", ttl, None, Some("run-a"))
        .await
        .expect("first acquire");
    let Acquired::Held { guard, lost } = first else {
        panic!("the first taker holds the lease: {first:?}");
    };
    assert!(lost.is_none());
    let second = lease::try_acquire(&lake, "pipeline", ttl, None, Some("run-b"))
        .await
        .expect("second acquire");
    assert!(matches!(second, Acquired::Busy(_)), "{second:?}");
    guard.release().await.expect("released");
    let third = lease::try_acquire(&lake, "pipeline", ttl, None, Some("run-c"))
        .await
        .expect("third acquire");
    assert!(
        matches!(third, Acquired::Held { .. }),
        "free again after release: {third:?}"
    );
}
