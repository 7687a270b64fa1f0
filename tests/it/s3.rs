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

/// A lake under a fresh prefix of the test bucket.
fn s3_lake(url: &str, bucket: &str) -> Lake {
    s3_lake_with(url, bucket, &[])
}

/// [`s3_lake`] with more storage options.
fn s3_lake_with(url: &str, bucket: &str, extra: &[(&str, &str)]) -> Lake {
    let mut options: HashMap<String, String> = [
        ("aws_endpoint_url", url),
        ("aws_allow_http", "true"),
        ("aws_region", "us-east-1"),
        ("aws_access_key_id", "testing"),
        ("aws_secret_access_key", "testing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    options.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let prefix = format!("lake-{:016x}", rand::random::<u64>());
    Lake::open(&format!("s3://{bucket}/{prefix}"), options).expect("an S3 lake opens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lake_on_s3_lands_refreshes_and_answers_queries() {
    let Some((url, bucket)) = crate::util::s3_server() else {
        return;
    };
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
    let Some((url, bucket)) = crate::util::s3_server() else {
        return;
    };
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

/// Asks the S3 server itself (boto3 from `JOBLAKE_PYTHON`, the venv `.ci/run` makes): `script`
/// runs with `s3`, `kms`, `bucket` and `prefix` defined and prints one line per result.
fn ask_server(url: &str, bucket: &str, prefix: &str, script: &str) -> Vec<String> {
    let python = std::env::var("JOBLAKE_PYTHON").unwrap_or_else(|_| "python3".into());
    let program = format!(
        "import boto3, sys\n\
         kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         s3 = boto3.client('s3', **kw)\nkms = boto3.client('kms', **kw)\n\
         bucket, prefix = sys.argv[2], sys.argv[3]\n{script}"
    );
    let out = std::process::Command::new(python)
        .args(["-c", &program, url, bucket, prefix])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every object under the lake's prefix, as `key encryption kms-key-id`.
const OBJECT_ENCRYPTION: &str = "\
pages = s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix)
for page in pages:
    for o in page.get('Contents', []):
        h = s3.head_object(Bucket=bucket, Key=o['Key'])
        print(o['Key'], h.get('ServerSideEncryption', 'none'), h.get('SSEKMSKeyId', '-'))
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_object_joblake_writes_on_s3_is_encrypted_with_the_configured_key() {
    let Some((url, bucket)) = crate::util::s3_server() else {
        return;
    };
    let key = ask_server(
        &url,
        &bucket,
        "",
        "print(kms.create_key(Description='joblake test')['KeyMetadata']['Arn'])",
    );
    let key = key.first().expect("a key").clone();
    let lake = s3_lake_with(
        &url,
        &bucket,
        &[
            ("aws_server_side_encryption", "aws:kms"),
            ("aws_sse_kms_key_id", key.as_str()),
        ],
    );
    land_demo(&lake, &small_demo(30)).await.expect("landed");
    let report = run_refresh(&lake, false).await;
    assert!(report.failed_tests().is_empty());
    let prefix = lake.url().path().trim_start_matches('/').to_string();
    let objects = ask_server(&url, &bucket, &prefix, OBJECT_ENCRYPTION);
    // Bronze, Delta data and logs, _meta (the run's audit, refresh state, leases, markers).
    for part in ["/bronze/", "/_delta_log/", ".parquet", "/_meta/"] {
        assert!(
            objects.iter().any(|o| o.contains(part)),
            "no {part} object among {} objects",
            objects.len()
        );
    }
    let unencrypted: Vec<&String> = objects
        .iter()
        .filter(|o| {
            // `key encryption kms-key-id`; the server may name the key by id or by ARN.
            let mut fields = o.rsplitn(3, ' ');
            let (kms_key, encryption) = (fields.next(), fields.next());
            !(encryption == Some("aws:kms")
                && kms_key.is_some_and(|k| k != "-" && key.ends_with(k)))
        })
        .collect();
    assert!(
        unencrypted.is_empty(),
        "objects not under the KMS key: {unencrypted:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lake_on_s3_asks_for_sse_s3_by_default() {
    let Some((url, bucket)) = crate::util::s3_server() else {
        return;
    };
    let lake = s3_lake(&url, &bucket);
    assert_eq!(
        lake.options()
            .get(joblake::lake::SSE_OPTION)
            .map(String::as_str),
        Some("AES256")
    );
    land_demo(&lake, &small_demo(10)).await.expect("landed");
    let prefix = lake.url().path().trim_start_matches('/').to_string();
    let objects = ask_server(&url, &bucket, &prefix, OBJECT_ENCRYPTION);
    assert!(!objects.is_empty());
    let plain: Vec<&String> = objects.iter().filter(|o| !o.contains(" AES256 ")).collect();
    assert!(plain.is_empty(), "objects without SSE-S3: {plain:?}");
}
