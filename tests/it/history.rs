//! Change detection: a listing re-fetched with other content keeps its history (type 2 in
//! silver.listing_history) and shows its current state in silver.job_postings; listings a source
//! stops returning close (silver.posting_lifecycle, gold.agg_postings_lifecycle_monthly).

use joblake::pipeline::land_bytes;

use crate::util::*;

/// The demo's Adzuna responses, each posting passed through `edit` (false drops it).
fn adzuna(edit: impl FnMut(usize, &mut serde_json::Value) -> bool) -> Vec<(String, Vec<u8>)> {
    demo_adzuna_edited(200, edit)
}

/// The position and id of the first posting that passes validation (the sample has broken ones).
fn first_valid() -> (usize, String) {
    let mut found = None;
    adzuna(|n, r| {
        let titled = r["title"].as_str().is_some_and(|t| !t.trim().is_empty());
        if found.is_none()
            && titled
            && r["created"].as_str().is_some()
            && let Some(id) = r["id"].as_str()
        {
            found = Some((n, id.to_string()));
        }
        true
    });
    found.expect("a valid posting")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_listing_keeps_its_history_and_a_vanished_one_closes() {
    let t = temp_lake();
    let total = {
        let mut n = 0;
        adzuna(|_, _| {
            n += 1;
            true
        });
        n
    };
    assert!(total > 40, "enough postings: {total}");
    let (first, changed) = first_valid();
    land_bytes(&t.lake, "adzuna", adzuna(|_, _| true), "run-1")
        .await
        .expect("lands");
    run_refresh(&t.lake, false).await;

    // Run 2: the first posting's pay raised, the last ten gone. Run 3: the same. Each run
    // returns every open listing again (its own tracking reference, which is not content), as
    // a source's full listing does.
    for run in ["run-2", "run-3"] {
        let raise = |n: usize, r: &mut serde_json::Value| {
            if n == first {
                r["salary_min"] = serde_json::json!(99_000);
                r["salary_max"] = serde_json::json!(99_000);
            }
            r["adref"] = serde_json::json!(run);
            n < total - 10
        };
        let files: Vec<(String, Vec<u8>)> = adzuna(raise)
            .into_iter()
            .map(|(name, bytes)| (format!("{run}-{name}"), bytes))
            .collect();
        land_bytes(&t.lake, "adzuna", files, run)
            .await
            .expect("lands");
        run_refresh(&t.lake, false).await;
    }

    let versions = query_text(
        &t.lake,
        &format!(
            "SELECT changed, is_current, valid_to IS NULL AS open_ended, CAST(salary_min AS BIGINT) \
             FROM silver.listing_history WHERE source_id = '{changed}' ORDER BY valid_from"
        ),
    )
    .await;
    assert!(
        versions.contains("new") && versions.contains("salary"),
        "{versions}"
    );
    assert_eq!(
        query_i64(
            &t.lake,
            &format!(
                "SELECT count(*) FROM silver.listing_history h1 JOIN silver.listing_history h2 \
                 ON h1.source_id = h2.source_id AND h1.valid_to = h2.valid_from \
                 WHERE h1.source_id = '{changed}'"
            ),
        )
        .await,
        1,
        "the first version ends when the second begins: {versions}"
    );
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT count(*) FROM silver.listing_history WHERE changed <> 'new'"
        )
        .await,
        1,
        "only the edited listing changed"
    );
    assert_eq!(
        query_i64(
            &t.lake,
            &format!(
                "SELECT CAST(p.salary_annual_min AS BIGINT) FROM silver.job_postings p \
                 JOIN silver.posting_sources s ON s.posting_id = p.posting_id \
                 WHERE s.source_id = '{changed}'"
            ),
        )
        .await,
        99_000,
        "job_postings shows the current state"
    );

    let closed = query_i64(
        &t.lake,
        "SELECT count(*) FROM silver.posting_lifecycle WHERE closed_at IS NOT NULL",
    )
    .await;
    // The listings only the last ten postings carried (the sample repeats some ids).
    let dropped: Vec<String> = {
        let (mut gone, mut kept) = (
            std::collections::BTreeSet::new(),
            std::collections::BTreeSet::new(),
        );
        adzuna(|n, r| {
            if let Some(id) = r["id"].as_str() {
                if n >= total - 10 {
                    gone.insert(id.to_string())
                } else {
                    kept.insert(id.to_string())
                };
            }
            true
        });
        gone.difference(&kept).map(|id| format!("'{id}'")).collect()
    };
    let list = dropped.join(", ");
    let vanished = query_i64(
        &t.lake,
        &format!(
            "SELECT count(DISTINCT posting_id) FROM silver.posting_sources \
             WHERE source_id IN ({list}) AND posting_id NOT IN \
             (SELECT posting_id FROM silver.posting_sources WHERE source_id NOT IN ({list}))"
        ),
    )
    .await;
    assert!(closed > 0, "the vanished listings closed");
    assert_eq!(
        closed, vanished,
        "exactly the postings no longer listed closed"
    );
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT CAST(sum(closed) AS BIGINT) FROM gold.agg_postings_lifecycle_monthly"
        )
        .await,
        closed
    );
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT CAST(sum(opened) AS BIGINT) FROM gold.agg_postings_lifecycle_monthly"
        )
        .await,
        query_i64(&t.lake, "SELECT count(*) FROM silver.job_postings").await
    );
}
