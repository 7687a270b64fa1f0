//! Secrets never leave the process: the sources' keys, the warehouse passwords and the cloud
//! credentials, given through the environment and a `.env` file, are used for real (loopback
//! servers check that they arrive) and then searched for in everything joblake leaves behind:
//! every command's output (with every log level), every file of the lake (bronze decompressed,
//! Delta logs, Parquet files decoded), every table through SQL, the warehouse, the run log,
//! the audit trail, the scheduler's metrics and health, and a lake on S3 when there is one.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deltalake::arrow::util::pretty::pretty_format_batches;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use joblake::lake::Lake;
use sqlx::{Connection, Executor, PgConnection};

use crate::replay::{Received, Replay, Reply};
use crate::util::{query, query_text, small_demo, test_service};

/// Credentials given through the environment of every command. No value contains the words
/// key, secret, token or password: the audit trail hides a whole option that does
/// (`--x=...secret...`), which would hide a leak of the value by any other way.
const IN_ENV: [(&str, &str); 6] = [
    ("ADZUNA_APP_ID", "SEKRIT-adzuna-id-7f3a9c"),
    ("ADZUNA_APP_KEY", "SEKRIT-adzuna-app-41d0e8"),
    ("FRANCE_TRAVAIL_CLIENT_ID", "SEKRIT-ft-client-9c27b5"),
    ("REED_API_KEY", "SEKRIT-reed-2b8f4a"),
    ("JOOBLE_API_KEY", "SEKRIT-jooble-5e9d71"),
    ("AWS_SECRET_ACCESS_KEY", "SEKRIT-aws-sak-0d4e9b"),
];

/// The AWS access key id, in the environment too. It names the key, it is not the secret: AWS
/// shows it in CloudTrail and in every signed request, and the S3 client's `Debug` shows it
/// (`object_store`'s `AwsCredential`, with the secret key and token masked). It may appear in logs,
/// never in the lake, its tables or the warehouse.
const AWS_KEY_ID: (&str, &str) = ("AWS_ACCESS_KEY_ID", "AKIAJOBLAKE7D2F9Q4WX");

/// Credentials given only through `.env` in the working directory.
const IN_DOTENV: [(&str, &str); 4] = [
    ("FRANCE_TRAVAIL_CLIENT_SECRET", "SEKRIT-ft-cs-e6a13f"),
    ("FINDWORK_API_KEY", "SEKRIT-findwork-c83a06"),
    ("THEMUSE_API_KEY", "SEKRIT-themuse-71f2bd"),
    ("AWS_SESSION_TOKEN", "SEKRIT-aws-session-a7c3f1"),
];

/// The access token the France Travail stand-in issues: a secret joblake obtains, not one it
/// is given.
const FT_TOKEN: &str = "SEKRIT-ft-access-d94a2c";
/// The password of the real warehouse (PostgreSQL under CI: trust authentication takes any).
const PG_PASSWORD: &str = "SEKRIT-pg-pass-3e8b2d";
/// Passwords a PostgreSQL stand-in refuses: in the URL's user part, and as `?password=`.
const PG_WRONG: &str = "SEKRIT-pg-wrong-6f1c90";
const PG_WRONG_QUERY: &str = "SEKRIT-pg-query-b5d2e4";

/// A secret of the test by its variable.
fn secret(variable: &str) -> &'static str {
    IN_ENV
        .iter()
        .chain(IN_DOTENV.iter())
        .find(|(k, _)| *k == variable)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{variable} is not a secret of the test"))
}

/// Reed's key as it travels: `base64("<key>:")` after `Basic `.
fn reed_basic() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{}:", secret("REED_API_KEY")))
}

/// More environment for a command: every log, down to the HTTP and database clients' traces.
const VERBOSE: &[(&str, &str)] = &[("RUST_LOG", "trace")];

/// Every value that must not appear, with its name.
fn secrets() -> Vec<(&'static str, String)> {
    let mut all: Vec<(&str, String)> = IN_ENV
        .iter()
        .chain(IN_DOTENV.iter())
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
    all.extend([
        ("France Travail access token", FT_TOKEN.to_string()),
        ("Reed's key in Basic authentication", reed_basic()),
        ("warehouse password", PG_PASSWORD.to_string()),
        ("refused warehouse password", PG_WRONG.to_string()),
        (
            "refused warehouse password (?password=)",
            PG_WRONG_QUERY.to_string(),
        ),
    ]);
    all
}

/// The places of `text` (named `label`) where a secret appears: case-insensitive for the known
/// values, and any `SEKRIT-` (the prefix of most values here) as a net for forgotten ones, or
/// for a value cut short (Delta's column statistics keep the first 32 characters).
fn leaks(label: &str, text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mark = |at: usize, what: &str| {
        let start = text.floor_char_boundary(at.saturating_sub(80));
        let end = text.ceil_char_boundary((at + 120).min(text.len()));
        format!("{label}: {what} in …{}…", &text[start..end])
    };
    let mut found: Vec<String> = secrets()
        .into_iter()
        .filter_map(|(name, value)| {
            let at = lower.find(&value.to_ascii_lowercase())?;
            Some(mark(at, name))
        })
        .collect();
    if found.is_empty()
        && let Some(at) = text.find("SEKRIT-")
    {
        found.push(mark(at, "a SEKRIT- value"));
    }
    found
}

/// A file (or object) as text: its bytes, and also, gzipped, its decompressed content, or for
/// Parquet its decoded rows (its pages may be compressed).
fn as_text(label: &str, bytes: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if label.ends_with(".gz") {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{label}: not gzipped text: {e}"));
        out.push((format!("{label} (decompressed)"), text));
    }
    if label.ends_with(".parquet") {
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes.to_vec()))
            .and_then(|b| b.build())
            .unwrap_or_else(|e| panic!("{label}: not Parquet: {e}"));
        let batches: Vec<_> = reader
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let text = pretty_format_batches(&batches)
            .expect("printable")
            .to_string();
        out.push((format!("{label} (decoded)"), text));
    }
    out.push((
        label.to_string(),
        String::from_utf8_lossy(bytes).into_owned(),
    ));
    out
}

/// Every file under `dir` but `skip`, as text ([`as_text`]), labelled by its relative path.
fn files_as_text(dir: &Path, skip: &[PathBuf]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if skip.contains(&path) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let label = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{label}: {e}"));
            out.extend(as_text(&label, &bytes));
        }
    }
    out
}

/// Every object of the lake at `location` (on S3), as text ([`as_text`]).
fn objects_as_text(
    rt: &tokio::runtime::Runtime,
    location: &str,
    options: HashMap<String, String>,
) -> Vec<(String, String)> {
    use futures::StreamExt;
    use object_store::ObjectStoreExt;
    let lake = Lake::open(location, options).expect("the S3 lake opens");
    let store = lake.store();
    rt.block_on(async {
        let root = lake.path("");
        let mut listed = store.list(Some(&root));
        let mut out = Vec::new();
        while let Some(object) = listed.next().await {
            let object = object.expect("listed");
            let bytes = store
                .get(&object.location)
                .await
                .expect("object found")
                .bytes()
                .await
                .expect("object read");
            out.extend(as_text(&format!("s3 {}", object.location), &bytes));
        }
        out
    })
}

/// A PostgreSQL stand-in on 127.0.0.1 that asks for the password in clear and refuses it
/// (28P01), as a server whose password was changed does; it keeps the passwords it was sent.
struct RefusingPostgres {
    port: u16,
    passwords: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl RefusingPostgres {
    fn start() -> RefusingPostgres {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        let passwords = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (kept, stopped) = (passwords.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let kept = kept.clone();
                std::thread::spawn(move || {
                    if let Ok(password) = Self::refuse(stream) {
                        kept.lock().expect("passwords").push(password);
                    }
                });
            }
        });
        RefusingPostgres {
            port,
            passwords,
            stop,
        }
    }

    /// One connection: no TLS, a cleartext password request, then the refusal.
    fn refuse(mut s: TcpStream) -> std::io::Result<String> {
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let int = |s: &mut TcpStream| -> std::io::Result<usize> {
            let mut b = [0u8; 4];
            s.read_exact(&mut b)?;
            Ok(u32::from_be_bytes(b) as usize)
        };
        loop {
            let (len, code) = (int(&mut s)?, int(&mut s)?);
            // SSLRequest or GSSENCRequest: not offered here.
            if code == 80_877_103 || code == 80_877_104 {
                s.write_all(b"N")?;
                continue;
            }
            let mut startup = vec![0u8; len.saturating_sub(8)];
            s.read_exact(&mut startup)?;
            break;
        }
        // AuthenticationCleartextPassword.
        s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3])?;
        let mut tag = [0u8; 1];
        s.read_exact(&mut tag)?;
        let len = int(&mut s)?;
        let mut password = vec![0u8; len.saturating_sub(4)];
        s.read_exact(&mut password)?;
        let fields: &[u8] =
            b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"joblake\"\0\0";
        s.write_all(b"E")?;
        s.write_all(&((fields.len() + 4) as u32).to_be_bytes())?;
        s.write_all(fields)?;
        Ok(String::from_utf8_lossy(&password)
            .trim_end_matches('\0')
            .to_string())
    }
}

impl Drop for RefusingPostgres {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The sources' stand-ins, on one loopback server: each checks the credentials it must
/// receive and answers 401 otherwise; some fail on purpose (a 500 that echoes the request, a
/// revoked key, a refused token) so that the error paths print their URLs.
fn sources_server() -> Replay {
    let demo = joblake_gen::generate(&small_demo(40));
    let page = |source: &str| {
        demo.iter()
            .find(|f| f.source == source)
            .unwrap_or_else(|| panic!("the demo has a {source} file"))
            .bytes
            .clone()
    };
    let (adzuna, france_travail) = (page("adzuna"), page("france_travail"));
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let findwork = format!(
        r#"{{"count": 3, "next": null, "previous": null, "results": [{}]}}"#,
        (1..4)
            .map(|i| format!(
                r#"{{"id": "fw{i}", "role": "Data Engineer", "company_name": "Acme {i}",
                "employment_type": "full time", "location": "London", "remote": false,
                "url": "https://findwork.test/fw{i}", "text": "<p>Spark and SQL</p>",
                "date_posted": "{yesterday}", "keywords": ["spark"], "source": "Hn"}}"#
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let muse = format!(
        r#"{{"page": 0, "page_count": 1, "results": [{}], "aggregations": {{}}}}"#,
        (1..4)
            .map(|i| format!(
                r#"{{"contents": "<p>SQL</p>", "name": "Data Analyst {i}", "id": {i},
                "publication_date": "{yesterday}", "locations": [{{"name": "Austin, TX"}}],
                "categories": [{{"name": "Data and Analytics"}}], "levels": [],
                "refs": {{"landing_page": "https://muse.test/jobs/{i}"}},
                "company": {{"id": 1, "name": "Acme"}}}}"#
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let jooble = format!(
        r#"{{"totalCount": 9, "jobs": [{}]}}"#,
        (1..4)
            .map(|i| format!(
                r#"{{"title": "Data Engineer {i}", "location": "Austin, TX", "salary": "$140k",
                "type": "Full-time", "link": "https://jooble.test/desc/{i}", "company": "Acme",
                "snippet": "SQL", "source": "board", "updated": "{yesterday}", "id": {i}}}"#
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let value = |name: &str| Some(secret(name).to_string());
    let unauthorized = || Reply::status(401, r#"{"error": "unauthorized"}"#);
    Replay::start(move |r: &Received, _| {
        let path = r.path();
        if let Some(rest) = path.strip_prefix("/v1/api/jobs/") {
            if r.param("app_id") != value("ADZUNA_APP_ID")
                || r.param("app_key") != value("ADZUNA_APP_KEY")
            {
                return unauthorized();
            }
            return match rest {
                "gb/search/1" => Reply::ok(adzuna.clone()),
                // A server error that echoes the request, as some servers' error pages do.
                p if p.starts_with("us/") => {
                    Reply::status(500, format!("internal error while serving {}", r.url))
                }
                _ => Reply::ok(r#"{"count": 0, "results": []}"#),
            };
        }
        match path {
            "/token" => {
                let sent = url::form_urlencoded::parse(r.body.as_bytes())
                    .into_owned()
                    .collect::<BTreeMap<String, String>>();
                if sent.get("client_id").map(String::as_str)
                    == Some(secret("FRANCE_TRAVAIL_CLIENT_ID"))
                    && sent.get("client_secret").map(String::as_str)
                        == Some(secret("FRANCE_TRAVAIL_CLIENT_SECRET"))
                {
                    Reply::ok(format!(
                        r#"{{"access_token": "{FT_TOKEN}", "token_type": "Bearer", "expires_in": 600}}"#
                    ))
                } else {
                    Reply::status(400, r#"{"error": "invalid_client"}"#)
                }
            }
            "/token-refused" => Reply::status(401, r#"{"error": "invalid_client"}"#),
            "/v2/offres/search"
                if r.header("authorization") == Some(&format!("Bearer {FT_TOKEN}")) =>
            {
                Reply::ok(france_travail.clone())
            }
            // Reed: the key arrives, and is refused (revoked).
            "/api/1.0/search" => Reply::status(401, r#"{"message": "key revoked"}"#),
            "/api/jobs/"
                if r.header("authorization")
                    == Some(&format!("Token {}", secret("FINDWORK_API_KEY"))) =>
            {
                Reply::ok(findwork.clone())
            }
            "/api/public/jobs" if r.param("api_key") == value("THEMUSE_API_KEY") => {
                Reply::ok(muse.clone())
            }
            p if p == format!("/api/{}", secret("JOOBLE_API_KEY")) => {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
                match body["page"].as_str() {
                    Some("1") => Reply::ok(jooble.clone()),
                    Some("2") => Reply::status(500, "upstream down"),
                    _ => Reply::ok(r#"{"totalCount": 9, "jobs": []}"#),
                }
            }
            _ => unauthorized(),
        }
    })
}

/// The output of one command, as text.
fn text_of(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A fresh database on the test PostgreSQL, and its URL with the password of the test (trust
/// authentication accepts any); None when there is no server (SQLite then).
fn postgres_warehouse(rt: &tokio::runtime::Runtime) -> Option<(String, String)> {
    let admin = test_service("JOBLAKE_TEST_POSTGRES_URL", "the warehouse is SQLite")?;
    let name = format!("jl_secrets_{:012x}", rand::random::<u64>() >> 16);
    rt.block_on(async {
        let mut conn = PgConnection::connect(&admin)
            .await
            .expect("admin connection");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create database");
    });
    let mut plain = url::Url::parse(&admin).expect("admin URL");
    plain.set_path(&format!("/{name}"));
    let mut with_password = plain.clone();
    with_password
        .set_password(Some(PG_PASSWORD))
        .expect("a URL with a host");
    Some((plain.to_string(), with_password.to_string()))
}

/// Every row of every table of the PostgreSQL database at `url`, as text.
fn postgres_rows(rt: &tokio::runtime::Runtime, url: &str) -> Vec<(String, String)> {
    rt.block_on(async {
        let mut conn = PgConnection::connect(url)
            .await
            .expect("warehouse connection");
        let tables: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_all(&mut conn)
        .await
        .expect("tables");
        let mut out = Vec::new();
        for (schema, table) in tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT t::text FROM \"{schema}\".\"{table}\" AS t"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{schema}.{table}: {e}"));
            out.push((format!("warehouse {schema}.{table}"), rows.join("\n")));
        }
        out
    })
}

#[test]
fn no_secret_reaches_outputs_logs_files_tables_the_warehouse_or_metrics() {
    let started = Instant::now();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = sources_server();
    let refusing = RefusingPostgres::start();
    let tmp = tempfile::tempdir().expect("temp dir");
    let work = tmp.path().join("work");
    let lake_dir = tmp.path().join("lake");
    std::fs::create_dir_all(&work).expect("work dir");
    let dotenv = work.join(".env");
    let mut dotenv_text = String::from("# the secrets of this deployment\n");
    for (k, v) in IN_DOTENV {
        dotenv_text.push_str(&format!("{k}={v}\n"));
    }
    std::fs::write(&dotenv, dotenv_text).expect(".env written");
    let config = work.join("joblake.toml");
    std::fs::write(
        &config,
        format!(
            r#"[http]
requests_per_second = 200.0
max_retries = 1
backoff_initial_ms = 20
backoff_max_secs = 0.1
timeout_secs = 10.0
[sources.adzuna]
base_url = "{0}"
countries = ["gb", "us"]
[sources.adzuna_down]
kind = "adzuna"
base_url = "http://127.0.0.1:1"
countries = ["gb"]
[sources.adzuna_typo]
kind = "adzuna"
base_url = "htp://127.0.0.1:1"
countries = ["gb"]
[sources.france_travail]
base_url = "{0}"
token_url = "{0}/token"
[sources.ft_refused]
kind = "france_travail"
base_url = "{0}"
token_url = "{0}/token-refused"
[sources.reed]
base_url = "{0}"
[sources.jooble]
base_url = "{0}"
max_pages = 3
[sources.findwork]
base_url = "{0}"
[sources.themuse]
base_url = "{0}"
[schedule]
metrics_addr = "127.0.0.1:0"
lease_ttl = "10s"
[schedule.jobs.keyed]
cron = "* * * * * *"
steps = ["ingest", "mirror"]
sources = ["adzuna", "reed", "jooble"]
retries = 0
[schedule.jobs.publish]
cron = "@daily"
steps = ["mirror"]
retries = 0
"#,
            server.base
        ),
    )
    .expect("config written");
    // The warehouse of `run` and `schedule`: a server that refuses the password, given as
    // `?password=` in JOBLAKE_WAREHOUSE_URL.
    let refused_env_url = format!(
        "postgres://joblake@127.0.0.1:{}/lake?password={PG_WRONG_QUERY}&sslmode=disable",
        refusing.port
    );
    let command = |args: &[&str]| {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("joblake"));
        cmd.current_dir(&work)
            .env("JOBLAKE_LAKE", &lake_dir)
            .env("JOBLAKE_CONFIG", &config)
            .env("JOBLAKE_WAREHOUSE_URL", &refused_env_url)
            .env_remove("RUST_LOG")
            .args(args);
        for (k, v) in IN_ENV.into_iter().chain([AWS_KEY_ID]) {
            cmd.env(k, v);
        }
        // From .env only.
        for (k, _) in IN_DOTENV {
            cmd.env_remove(k);
        }
        cmd
    };
    let outputs: RefCell<Vec<(String, String)>> = RefCell::new(Vec::new());
    // `env`: more variables, e.g. RUST_LOG=trace.
    let joblake = |label: &str, args: &[&str], env: &[(&str, &str)], succeeds: bool| -> String {
        let mut cmd = command(args);
        cmd.envs(env.iter().copied());
        let output = cmd.output().expect("joblake runs");
        let text = text_of(&output);
        assert_eq!(
            output.status.success(),
            succeeds,
            "joblake {args:?}: {:?}\n{}",
            output.status,
            text.chars()
                .rev()
                .take(6000)
                .collect::<String>()
                .chars()
                .rev()
                .collect::<String>()
        );
        outputs
            .borrow_mut()
            .push((format!("joblake {label}"), text.clone()));
        text
    };

    // Ingest: with every log, then again with the JSON report.
    let ingest = joblake("ingest (RUST_LOG=trace)", &["ingest"], VERBOSE, true);
    assert!(
        ingest.contains("DEBUG") && ingest.contains("TRACE"),
        "every log is on:\n{ingest}"
    );
    for (shown, why) in [
        ("app_key=***", "the Adzuna 500, its URL redacted"),
        ("/api/***", "Jooble's failed page 2, its path key redacted"),
        ("REED_API_KEY", "Reed's 401"),
        ("token refused", "France Travail's refused token"),
    ] {
        assert!(ingest.contains(shown), "{why} is reported:\n{ingest}");
    }
    joblake("ingest --json", &["ingest", "--json"], &[], true);
    joblake("sources", &["sources"], &[], true);
    // The credentials were used: each stand-in got its own, from the environment or .env.
    let requests = server.requests();
    for (what, arrived) in [
        (
            "Adzuna",
            requests
                .iter()
                .any(|r| r.path() == "/v1/api/jobs/gb/search/1"),
        ),
        (
            "France Travail",
            requests.iter().any(|r| r.path() == "/v2/offres/search"),
        ),
        (
            "Reed",
            requests
                .iter()
                .any(|r| r.header("authorization") == Some(&format!("Basic {}", reed_basic()))),
        ),
        (
            "Jooble",
            requests
                .iter()
                .any(|r| r.path() == format!("/api/{}", secret("JOOBLE_API_KEY"))),
        ),
        (
            "findwork",
            requests.iter().any(|r| r.path() == "/api/jobs/"),
        ),
        (
            "The Muse",
            requests.iter().any(|r| r.path() == "/api/public/jobs"),
        ),
    ] {
        assert!(
            arrived,
            "{what} was not called with its credentials: {requests:#?}"
        );
    }

    joblake("refresh", &["refresh"], &[], true);

    // A mirror to a server that refuses the password written on the command line.
    let refused_arg = format!(
        "--warehouse=postgres://joblake:{PG_WRONG}@127.0.0.1:{}/lake?sslmode=disable",
        refusing.port
    );
    let refused = joblake(
        "mirror (password refused, RUST_LOG=trace)",
        &["mirror", &refused_arg],
        VERBOSE,
        false,
    );
    assert!(
        refused.contains("password authentication failed") && refused.contains("joblake:***@"),
        "{refused}"
    );
    // A failing run: its mirror step meets the refusing server (JOBLAKE_WAREHOUSE_URL).
    let run = joblake(
        "run keyed (RUST_LOG=trace)",
        &["run", "keyed"],
        VERBOSE,
        false,
    );
    assert!(run.contains("password authentication failed"), "{run}");
    let sent = refusing.passwords.lock().expect("passwords").clone();
    assert!(
        sent.contains(&PG_WRONG.to_string()) && sent.contains(&PG_WRONG_QUERY.to_string()),
        "the refused passwords were sent: {sent:?}"
    );

    // The real warehouse: PostgreSQL with a password when there is one, else SQLite.
    let pg = postgres_warehouse(&rt);
    let good = match &pg {
        Some((_, with_password)) => with_password.clone(),
        None => format!("sqlite://{}", lake_dir.join("warehouse.db").display()),
    };
    joblake("mirror", &["mirror", "--warehouse", &good], &[], true);
    // A run whose mirror succeeds copies the run log, the failed run's error with it.
    joblake(
        "run publish",
        &["run", "publish"],
        &[("JOBLAKE_WAREHOUSE_URL", &good)],
        true,
    );

    // The scheduler, briefly: one run of the keyed job (failing at its mirror), then its
    // metrics and health.
    let mut sched = command(&["schedule", "--job", "keyed"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("joblake schedule starts");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let readers: Vec<_> = [
        Box::new(sched.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
        Box::new(sched.stderr.take().expect("stderr")),
    ]
    .into_iter()
    .map(|pipe| {
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().expect("lines").push(line);
            }
        })
    })
    .collect();
    let schedule_text = || lines.lock().expect("lines").join("\n");
    let waited = Instant::now();
    while !schedule_text().contains("keyed run") {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no scheduled run:\n{}",
            schedule_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = schedule_text();
    let at = text
        .find("metrics at http://")
        .expect("metrics address printed")
        + "metrics at http://".len();
    let addr = text[at..].split('/').next().expect("address").to_string();
    let get = |path: &str| crate::util::http_get(&addr, path);
    let metrics = get("/metrics");
    let health = get("/health");
    assert!(metrics.contains("joblake_job_runs_total"), "{metrics}");
    assert!(
        health.contains("password authentication failed"),
        "the failed run's error is in /health: {health}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &sched.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let waited = Instant::now();
    while sched.try_wait().expect("wait").is_none() {
        if waited.elapsed() > Duration::from_secs(60) {
            let _ = sched.kill();
            panic!("schedule did not stop:\n{}", schedule_text());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for r in readers {
        r.join().expect("reader");
    }
    outputs.borrow_mut().extend([
        ("joblake schedule".into(), schedule_text()),
        ("GET /metrics".into(), metrics),
        ("GET /health".into(), health),
    ]);

    let runs = joblake("runs", &["runs"], &[], true);
    assert!(runs.contains("failed"), "{runs}");
    joblake(
        "runs --format json",
        &["runs", "--format", "json"],
        &[],
        true,
    );
    for table in ["meta.audit", "meta.runs", "meta.run_steps"] {
        joblake(
            &format!("sql {table}"),
            &[
                "sql",
                "--format",
                "csv",
                "-c",
                &format!("SELECT * FROM {table}"),
            ],
            &[],
            true,
        );
    }
    joblake("audit verify", &["audit", "verify"], &[], true);
    joblake("tables", &["tables"], &[], true);

    // A lake on an S3-protocol server, when there is one: the AWS credentials (environment and
    // .env) sign every request; an ingest with every log, then every object of the lake.
    let s3_objects = match crate::util::s3_server() {
        Some((endpoint, bucket)) => {
            let location = format!("s3://{bucket}/secrets-{:016x}", rand::random::<u64>());
            let on_s3 = [
                ("JOBLAKE_LAKE", location.as_str()),
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_ALLOW_HTTP", "true"),
                ("AWS_REGION", "us-east-1"),
            ];
            let verbose: Vec<(&str, &str)> = on_s3.iter().chain(VERBOSE).copied().collect();
            joblake("ingest on S3 (RUST_LOG=trace)", &["ingest"], &verbose, true);
            joblake(
                "sql meta.audit on S3",
                &["sql", "--format", "csv", "-c", "SELECT * FROM meta.audit"],
                &on_s3,
                true,
            );
            let options = [
                ("aws_endpoint_url", endpoint.as_str()),
                ("aws_allow_http", "true"),
                ("aws_region", "us-east-1"),
                ("aws_access_key_id", AWS_KEY_ID.1),
                ("aws_secret_access_key", secret("AWS_SECRET_ACCESS_KEY")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let objects = objects_as_text(&rt, &location, options);
            assert!(
                objects
                    .iter()
                    .any(|(l, _)| l.ends_with(".gz (decompressed)")),
                "bronze landed on S3: {:?}",
                objects.iter().map(|(l, _)| l).collect::<Vec<_>>()
            );
            objects
        }
        None => Vec::new(),
    };

    // Every file of the lake and of the working directory, but the .env that holds the secrets.
    // First, once, that the search finds a value planted in each kind of file.
    let planted = lake_dir.join("_planted");
    std::fs::create_dir_all(&planted).expect("planted dir");
    let value = IN_DOTENV[0].1;
    std::fs::write(planted.join("plain.txt"), format!("x {value} y")).expect("plant");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("{{\"k\": \"{value}\"}}\n").repeat(50).as_bytes())
        .expect("gzip");
    std::fs::write(planted.join("p.json.gz"), gz.finish().expect("gzip")).expect("plant");
    {
        use deltalake::arrow::array::{ArrayRef, RecordBatch, StringArray};
        use deltalake::parquet::arrow::ArrowWriter;
        use deltalake::parquet::basic::{Compression, ZstdLevel};
        use deltalake::parquet::file::properties::WriterProperties;
        let column: ArrayRef = Arc::new(StringArray::from(vec![value; 200]));
        let batch = RecordBatch::try_from_iter([("v", column)]).expect("batch");
        let file = std::fs::File::create(planted.join("p.parquet")).expect("parquet file");
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
    }
    let found: Vec<String> = files_as_text(&lake_dir, &[])
        .iter()
        .flat_map(|(label, text)| leaks(label, text))
        .collect();
    for file in [
        "_planted/plain.txt",
        "_planted/p.json.gz (decompressed)",
        "_planted/p.parquet (decoded)",
    ] {
        assert!(
            found.iter().any(|l| l.starts_with(&format!("{file}: "))),
            "the search misses a secret planted in {file}: {found:#?}"
        );
    }
    std::fs::remove_dir_all(&planted).expect("unplant");

    let files = files_as_text(tmp.path(), &[dotenv]);
    let count = |suffix: &str| files.iter().filter(|(l, _)| l.ends_with(suffix)).count();
    assert!(
        count(".gz (decompressed)") > 0 && count(".parquet (decoded)") > 0 && count(".json") > 0,
        "bronze, Parquet and Delta logs were searched: {:?}",
        files.iter().map(|(l, _)| l).collect::<Vec<_>>()
    );

    // Every table, through SQL.
    let lake = Lake::open(&lake_dir.to_string_lossy(), Default::default()).expect("lake");
    let tables = rt.block_on(async {
        let listed = query(
            &lake,
            "SELECT table_schema, table_name FROM information_schema.tables \
             WHERE table_schema IN ('bronze', 'silver', 'gold', 'ref', 'meta') \
             ORDER BY table_schema, table_name",
        )
        .await;
        let mut names = Vec::new();
        for batch in &listed {
            let col = |i: usize| {
                deltalake::arrow::compute::cast(
                    batch.column(i),
                    &deltalake::arrow::datatypes::DataType::Utf8,
                )
                .expect("text")
            };
            let (schemas, tables) = (col(0), col(1));
            let (schemas, tables) = (
                deltalake::arrow::array::AsArray::as_string::<i32>(&schemas),
                deltalake::arrow::array::AsArray::as_string::<i32>(&tables),
            );
            for i in 0..batch.num_rows() {
                names.push(format!("{}.{}", schemas.value(i), tables.value(i)));
            }
        }
        let mut out = Vec::new();
        for name in names {
            let text = query_text(&lake, &format!("SELECT * FROM {name}")).await;
            out.push((format!("table {name}"), text));
        }
        out
    });
    let table = |name: &str| {
        tables
            .iter()
            .find(|(l, _)| l == &format!("table {name}"))
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no table {name}"))
    };
    for (name, expected) in [
        ("meta.run_steps", "password authentication failed"),
        ("meta.runs", "password authentication failed"),
        ("meta.audit", "--warehouse="),
        ("bronze.envelopes", "Acme"),
    ] {
        assert!(
            table(name).contains(expected),
            "{name} holds `{expected}`:\n{}",
            table(name)
        );
    }

    // The warehouse: PostgreSQL's tables, or the SQLite file (searched with the lake's files).
    let warehouse = match &pg {
        Some((plain, _)) => postgres_rows(&rt, plain),
        None => Vec::new(),
    };
    let (label, runs) = match &pg {
        Some(_) => ("warehouse meta.runs", &warehouse),
        None => ("lake/warehouse.db", &files),
    };
    let runs = runs
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("no {label}"));
    assert!(
        runs.contains("password authentication failed"),
        "the failed run reached the warehouse ({label})"
    );

    let outputs = outputs.into_inner();
    let everything: Vec<&(String, String)> = outputs
        .iter()
        .chain(files.iter())
        .chain(tables.iter())
        .chain(warehouse.iter())
        .chain(s3_objects.iter())
        .collect();
    let found: Vec<String> = everything
        .iter()
        .flat_map(|(label, text)| leaks(label, text))
        .collect();
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
    let persisted: Vec<&String> = files
        .iter()
        .chain(tables.iter())
        .chain(warehouse.iter())
        .chain(s3_objects.iter())
        .filter(|(_, text)| text.contains(AWS_KEY_ID.1))
        .map(|(label, _)| label)
        .collect();
    assert!(
        persisted.is_empty(),
        "the AWS access key id is kept in {persisted:?}"
    );
    eprintln!(
        "searched {} outputs, {} files, {} tables, {} warehouse tables, {} S3 objects in {:.1} s",
        outputs.len(),
        files.len(),
        tables.len(),
        warehouse.len(),
        s3_objects.len(),
        started.elapsed().as_secs_f64()
    );
}
