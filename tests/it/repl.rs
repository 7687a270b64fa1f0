//! The REPL driven through a real pseudo-terminal, as a user types, and piped like a script.

use std::path::Path;
use std::process::Command;

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

use crate::util::{TempLake, run_refresh, small_demo, temp_lake};

const PROMPT: &str = "joblake> ";

async fn demo_lake() -> TempLake {
    let t = temp_lake();
    joblake::pipeline::land_demo(&t.lake, &small_demo(120))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;
    t
}

/// `joblake sql` on a terminal, with its history under `data_home`.
fn shell(lake: &Path, data_home: &Path) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_joblake"));
    cmd.args(["--lake", &lake.to_string_lossy(), "sql"])
        .env("XDG_DATA_HOME", data_home)
        .env("TERM", "xterm")
        .env("COLUMNS", "120")
        .env_remove("RUST_LOG");
    let mut p = spawn_with_options(
        cmd,
        Options::default()
            .timeout_ms(Some(60_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("the shell starts in a pty");
    p.exp_string(PROMPT).expect("first prompt");
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_queries_edits_completes_and_survives_errors_and_ctrl_c() {
    let t = demo_lake().await;
    let home = tempfile::tempdir().expect("data home");
    let lake = t.dir.path().to_path_buf();
    let home_dir = home.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut p = shell(&lake, &home_dir);

        // A query gives a table and its row count.
        p.send_line("SELECT source, count(*) AS n FROM silver.posting_records GROUP BY source ORDER BY source;")
            .expect("send");
        p.exp_string("adzuna").expect("a row");
        p.exp_regex(r"\d+ rows").expect("row count");
        p.exp_string(PROMPT).expect("prompt");

        // A statement over several lines runs at its `;`.
        p.send_line("SELECT count(*) AS postings").expect("send");
        p.send_line("FROM silver.job_postings").expect("send");
        p.send_line(";").expect("send");
        p.exp_string("postings").expect("header");
        p.exp_string("1 row").expect("one row");
        p.exp_string(PROMPT).expect("prompt");

        // A syntax error is shown with its position; the shell goes on.
        p.send_line("SELEC 1;").expect("send");
        p.exp_regex("(?i)error.*(SELEC|Expected)").expect("the error");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("SELECT 41 + 1 AS answer;").expect("send");
        p.exp_string("42").expect("the answer");
        p.exp_string(PROMPT).expect("prompt");

        // Unknown table: DataFusion's message names it.
        p.send_line("SELECT * FROM gold.nope;").expect("send");
        p.exp_string("gold.nope").expect("named");
        p.exp_string(PROMPT).expect("prompt");

        // Writes are refused unless asked for.
        p.send_line("CREATE TABLE x AS SELECT 1;").expect("send");
        p.exp_string("read-only").expect("refused");
        p.exp_string(PROMPT).expect("prompt");

        // Meta-commands.
        p.send_line("\\dt gold.dim_*").expect("send");
        p.exp_string("dim_skill").expect("a table");
        p.exp_regex(r"\d+ tables").expect("count");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\d silver.job_postings").expect("send");
        p.exp_string("posting_id").expect("a column");
        p.exp_string("partitioned by posted_month").expect("partitions");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\timing on").expect("send");
        p.exp_string("Timing is on").expect("on");
        p.send_line("SELECT 1 AS one;").expect("send");
        p.exp_regex(r"Elapsed \d+\.\d+ s").expect("elapsed");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\timing off").expect("send");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\format csv").expect("send");
        p.exp_string("Output format is csv").expect("csv");
        p.send_line("SELECT 7 AS seven, 'x' AS letter;").expect("send");
        p.exp_string("seven,letter").expect("csv header");
        p.exp_string("7,x").expect("csv row");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\format table").expect("send");
        p.exp_string(PROMPT).expect("prompt");

        // Tab completes a table name after `FROM gold.`.
        p.send("SELECT skill_family FROM gold.dim_sk").expect("send");
        p.send("\t").expect("tab");
        p.send_line(" ORDER BY 1 LIMIT 1;").expect("send");
        p.exp_string("skill_family").expect("the completed table answered");
        p.exp_string("1 row").expect("one row");
        p.exp_string(PROMPT).expect("prompt");

        // Tab completes a column of a table the statement names.
        p.send("SELECT job_family AS completed FROM gold.dim_job_family WHERE job_family_na")
            .expect("send");
        p.send("\t").expect("tab");
        p.send_line(" IS NOT NULL ORDER BY 1 LIMIT 1;").expect("send");
        p.exp_string("completed").expect("the completed column answered");
        p.exp_string("1 row").expect("one row");
        p.exp_string(PROMPT).expect("prompt");

        // Help and \refresh.
        p.send_line("\\?").expect("send");
        p.exp_string("\\timing").expect("help lists the commands");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\refresh").expect("send");
        p.exp_string("Lake re-read").expect("refreshed");
        p.exp_string(PROMPT).expect("prompt");

        // Ctrl-C cancels a long query, not the shell.
        p.send_line("SELECT count(*) FROM range(0, 100000000000);").expect("send");
        std::thread::sleep(std::time::Duration::from_millis(1500));
        p.send_control('c').expect("ctrl-c");
        p.exp_string("cancelled").expect("cancelled");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("SELECT 'still here' AS status;").expect("send");
        p.exp_string("still here").expect("alive");
        p.exp_string(PROMPT).expect("prompt");

        // Time travel to the first version.
        p.send_line("SELECT count(*) AS n FROM table_at('silver.job_postings', 0);").expect("send");
        p.exp_string("1 row").expect("time travel answers");
        p.exp_string(PROMPT).expect("prompt");

        // A display limit, results to a file, statements from a file.
        p.send_line("\\pset maxrows 2").expect("send");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("SELECT * FROM gold.dim_job_family;").expect("send");
        p.exp_regex(r"\d+ rows \(2 shown\)").expect("limit");
        p.exp_string(PROMPT).expect("prompt");
        let results = home_dir.join("out.csv");
        let script = home_dir.join("script.sql");
        std::fs::write(&script, "SELECT 'from a file' AS origin;").expect("script");
        p.send_line("\\format csv").expect("send");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line(&format!("\\o {}", results.display())).expect("send");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line(&format!("\\i {}", script.display())).expect("send");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\o").expect("send");
        p.exp_string("terminal").expect("back");
        p.exp_string(PROMPT).expect("prompt");
        let written = std::fs::read_to_string(&results).expect("results file");
        assert_eq!(written, "origin\nfrom a file\n");

        p.send_line("\\q").expect("send");
        p.exp_eof().expect("exits");
    })
    .await
    .expect("session");
}

#[tokio::test(flavor = "multi_thread")]
async fn history_is_kept_between_sessions_and_ctrl_d_exits() {
    let t = demo_lake().await;
    let home = tempfile::tempdir().expect("data home");
    let lake = t.dir.path().to_path_buf();
    let home_dir = home.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut p = shell(&lake, &home_dir);
        p.send_line("SELECT 'remembered' AS word;").expect("send");
        p.exp_string("remembered").expect("ran");
        p.exp_string(PROMPT).expect("prompt");
        p.send_control('d').expect("ctrl-d");
        p.exp_eof().expect("Ctrl-D exits");

        let history = home_dir.join("joblake").join("history");
        let text = std::fs::read_to_string(&history).expect("history file");
        assert!(text.contains("'remembered'"), "{text}");

        let mut p = shell(&lake, &home_dir);
        p.send_line("\\history").expect("send");
        p.exp_string("'remembered'")
            .expect("the earlier session's statement");
        p.exp_string(PROMPT).expect("prompt");
        p.send_line("\\q").expect("send");
        p.exp_eof().expect("exits");
    })
    .await
    .expect("session");
}

#[test]
fn piped_statements_give_plain_output_for_scripts() {
    let t = temp_lake();
    let out = assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .args([
            "--lake",
            &t.dir.path().to_string_lossy(),
            "sql",
            "--format",
            "csv",
        ])
        .env_remove("RUST_LOG")
        .write_stdin("SELECT 1 AS one;\nSELECT 'a' AS letter;\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert_eq!(text, "one\n1\nletter\na\n");
    assert!(!text.contains(PROMPT) && !text.contains('\u{1b}'));
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_and_explain_analyze_show_plans() {
    let t = demo_lake().await;
    let run = |sql: &str| {
        let out = assert_cmd::Command::cargo_bin("joblake")
            .expect("binary")
            .args([
                "--lake",
                &t.dir.path().to_string_lossy(),
                "sql",
                "--maxrows",
                "0",
            ])
            .env_remove("RUST_LOG")
            .write_stdin(sql)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8_lossy(&out).to_string()
    };
    let plan = run("EXPLAIN SELECT count(*) FROM gold.fact_job_posting WHERE remote;");
    assert!(
        plan.contains("logical_plan") && plan.contains("physical_plan"),
        "{plan}"
    );
    let analyzed =
        run("EXPLAIN ANALYZE SELECT job_family, count(*) FROM silver.job_postings GROUP BY 1;");
    assert!(analyzed.contains("output_rows"), "{analyzed}");
}
