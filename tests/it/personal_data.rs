//! Personal data stays in bronze: the recruiters' e-mail addresses and phone numbers that the
//! real corpus postings carry are in bronze, and in none of silver, gold, the warehouse or the
//! dashboard's data. The test finds them on its own (a plain e-mail pattern, and numbers next
//! to a phone word), not with the redaction's patterns.

use joblake::pipeline::land_paths;
use joblake::project::Project;
use joblake::warehouse::{MirrorOptions, mirror};
use regex::Regex;

use crate::util::*;

/// The e-mail addresses and the phone numbers in the bronze payloads.
fn personal_strings(payloads: &str) -> (Vec<String>, Vec<String>) {
    let email = Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
        .expect("regex");
    // A number of 9 to 15 digits within a few characters after a word that announces a phone.
    let phone = Regex::new(
        r"(?i)(?:t[ée]l[ée]?(?:phone|phoner|efon)?|phone|mobile|portable|appel\w*|call|nummer|rufen)\W{1,20}?(\+?[0-9][0-9 .\-/()]{7,20}[0-9])",
    )
    .expect("regex");
    let mut emails: Vec<String> = email
        .find_iter(payloads)
        .map(|m| m.as_str().to_string())
        .collect();
    let mut phones: Vec<String> = phone
        .captures_iter(payloads)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .filter(|p| (9..=15).contains(&p.chars().filter(char::is_ascii_digit).count()))
        .collect();
    emails.sort();
    emails.dedup();
    phones.sort();
    phones.dedup();
    (emails, phones)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recruiters_contacts_stay_in_bronze() {
    let Some(corpus) = corpus() else { return };
    let t = temp_lake();
    for (source, file) in crate::corpus::FILES {
        land_paths(&t.lake, source, &[corpus.join(file)])
            .await
            .expect("lands");
    }
    run_refresh(&t.lake, false).await;

    // Payloads are JSON: decode them to read the texts as the sources wrote them.
    let raw = query_text(
        &t.lake,
        "SELECT json_get_json(payload) FROM bronze.envelopes",
    )
    .await;
    let decoded = raw.replace("\\n", "\n").replace("\\/", "/");
    let (emails, phones) = personal_strings(&decoded);
    assert!(
        emails.len() >= 10,
        "the corpus carries e-mail addresses in its postings: {emails:?}"
    );
    assert!(
        !phones.is_empty(),
        "the corpus carries phone numbers in its postings"
    );

    // Everything downstream of bronze, as text.
    let mut downstream = String::new();
    for table in [
        "silver.posting_records",
        "silver.job_postings",
        "silver.listing_history",
        "gold.fact_job_posting",
        "gold.dim_company",
    ] {
        downstream.push_str(&query_text(&t.lake, &format!("SELECT * FROM {table}")).await);
    }
    let db = t.dir.path().join("warehouse.db");
    mirror(
        &t.lake,
        &Project::embedded(),
        &format!("sqlite://{}", db.display()),
        MirrorOptions::default(),
    )
    .await
    .expect("mirror");
    downstream.push_str(&String::from_utf8_lossy(&std::fs::read(&db).expect("db")));
    // The dashboard's data as JSON (the page itself compresses it when large).
    let data = joblake::dashboard::data::build(&t.lake, &Project::embedded())
        .await
        .expect("dashboard data");
    downstream.push_str(&serde_json::to_string(&data).expect("json"));

    let leaked: Vec<&String> = emails
        .iter()
        .chain(&phones)
        .filter(|s| downstream.contains(s.as_str()))
        .collect();
    assert!(leaked.is_empty(), "personal data past bronze: {leaked:?}");
    // What took their place says so.
    let placeholders = query_i64(
        &t.lake,
        "SELECT count(*) FROM silver.posting_records \
         WHERE description LIKE '%[e-mail removed]%' OR description LIKE '%[phone removed]%'",
    )
    .await;
    assert!(placeholders > 0, "no placeholder in silver descriptions");
    // France Travail's contact block (names, phones) is not carried at all.
    assert!(
        !downstream.contains("\"contact\""),
        "a contact object reached silver"
    );
}
