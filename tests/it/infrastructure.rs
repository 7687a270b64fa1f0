//! The files a user applies to deploy joblake (infrastructure/, Dockerfile, docker-compose.yml,
//! .env.example), checked offline: the pipeline's IAM policy grants exactly the S3 actions the
//! code uses and only inside the lake's prefix, the analysts' policy reads silver and gold and
//! never bronze, the bucket is locked down, the compose file and .env.example hold no secret,
//! the image runs as a non-root user, and the CloudWatch metric filters match the lines the
//! scheduler writes. Nothing here reaches AWS or a container engine.
//!
//! Each check returns the problems it finds; `the_checks_catch_what_they_are_for` feeds every
//! check a bad document, so that a check which could no longer fail is noticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use joblake::lake::metered::iam_actions;
use joblake::lake::run_log::RunStatus;
use joblake::meter::{RunMeter, StoreRequest};
use serde_json::Value;

/// The S3 actions of the pipeline's policies (infrastructure/aws/iam/pipeline-*.json), exactly:
/// what joblake's object store (object_store 0.13, also under delta-rs) can send to S3, as the
/// code declares it: every kind of request its metered store counts ([`StoreRequest`]) and the
/// permissions each needs ([`iam_actions`]). `every_request_a_pipeline_makes_is_allowed`
/// checks that a real run makes no other kind.
fn pipeline_s3_actions() -> BTreeSet<String> {
    StoreRequest::ALL
        .iter()
        .flat_map(|&r| iam_actions(r).iter().map(|a| a.to_string()))
        .collect()
}

/// With SSE-KMS: a data key to write an object, decryption to read one (and to complete a
/// multipart upload).
const PIPELINE_KMS_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];

/// What an analyst may do: read, and list what can be read.
const ANALYST_ACTIONS: &[&str] = &["kms:Decrypt", "s3:GetObject", "s3:ListBucket"];

const POLICY_VERSION: &str = "2012-10-17";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
}

/// A string or an array of strings (IAM allows both for Action, Resource, condition values).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(s)) => s.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

fn allows(statement: &Value) -> bool {
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
}

/// The Version every policy document must carry (without it IAM reads `${...}` literally and
/// refuses policy variables).
fn version_problems(name: &str, policy: &Value) -> Vec<String> {
    match policy.get("Version").and_then(Value::as_str) {
        Some(POLICY_VERSION) => Vec::new(),
        other => vec![format!("{name}: Version {other:?}, not {POLICY_VERSION}")],
    }
}

/// Wildcard actions (`*`, `s3:*`, `s3:Get*`...): in any statement when `allow_only` is false
/// (IAM policies), in Allow statements only otherwise (a bucket policy denies `s3:*` over
/// plain HTTP).
fn wildcard_actions(name: &str, policy: &Value, allow_only: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for s in statements(policy) {
        if allow_only && !allows(s) {
            continue;
        }
        for action in strings(s.get("Action")) {
            if action.contains('*') {
                problems.push(format!("{name}: wildcard action {action}"));
            }
        }
        if s.get("NotAction").is_some() {
            problems.push(format!("{name}: NotAction grants everything else"));
        }
    }
    problems
}

/// Allow statements open to anyone.
fn public_principals(name: &str, policy: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for s in statements(policy).into_iter().filter(|s| allows(s)) {
        let principal = s.get("Principal");
        let open = principal.and_then(Value::as_str) == Some("*")
            || strings(principal.and_then(|p| p.get("AWS"))).contains(&"*".to_string());
        if open {
            problems.push(format!(
                "{name}: an Allow statement open to every principal"
            ));
        }
    }
    problems
}

/// The actions with `prefix` (`s3:`, `kms:`) that the Allow statements of `policies` grant.
fn granted(policies: &[&Value], prefix: &str) -> BTreeSet<String> {
    policies
        .iter()
        .flat_map(|p| statements(p))
        .filter(|s| allows(s))
        .flat_map(|s| strings(s.get("Action")))
        .filter(|a| a.starts_with(prefix))
        .collect()
}

/// The `s3:prefix` values a statement's condition allows (None: no such condition).
fn listed_prefixes(statement: &Value) -> Option<Vec<String>> {
    let condition = statement.get("Condition")?;
    let mut found = None;
    for operator in ["StringLike", "StringEquals"] {
        if let Some(values) = condition.get(operator).and_then(|c| c.get("s3:prefix")) {
            found
                .get_or_insert_with(Vec::new)
                .extend(strings(Some(values)));
        }
    }
    found
}

/// Every resource an S3 statement names must be inside one of `scopes` (object ARNs, ending in
/// `/`), and the bucket itself only for a listing confined to them by `s3:prefix`.
fn scope_problems(name: &str, policy: &Value, scopes: &[&str]) -> Vec<String> {
    const BUCKET: &str = "arn:aws:s3:::${BUCKET}";
    let mut problems = Vec::new();
    for s in statements(policy).into_iter().filter(|s| allows(s)) {
        if !strings(s.get("Action"))
            .iter()
            .any(|a| a.starts_with("s3:"))
        {
            continue;
        }
        if s.get("NotResource").is_some() {
            problems.push(format!("{name}: NotResource reaches everything else"));
        }
        for resource in strings(s.get("Resource")) {
            if resource == BUCKET {
                let prefixes = listed_prefixes(s).unwrap_or_default();
                if prefixes.is_empty() {
                    problems.push(format!("{name}: lists the whole bucket (no s3:prefix)"));
                }
                for p in prefixes {
                    let inside = scopes.iter().any(|scope| {
                        let key_scope = scope.trim_start_matches(&format!("{BUCKET}/"));
                        p.starts_with(key_scope)
                    });
                    if !inside {
                        problems.push(format!("{name}: lists {p}, outside {scopes:?}"));
                    }
                }
            } else if !scopes.iter().any(|scope| resource.starts_with(scope)) {
                problems.push(format!("{name}: names {resource}, outside {scopes:?}"));
            }
        }
    }
    problems
}

/// Analysts read silver and gold: no action beyond reading, no word of bronze (where personal
/// data is kept), nothing outside silver/ and gold/ (a `${PREFIX}/*` would cover bronze).
fn analyst_problems(name: &str, text: &str, policy: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if text.to_ascii_lowercase().contains("bronze") {
        problems.push(format!("{name}: names bronze"));
    }
    for s in statements(policy).into_iter().filter(|s| allows(s)) {
        for action in strings(s.get("Action")) {
            if !ANALYST_ACTIONS.contains(&action.as_str()) {
                problems.push(format!("{name}: grants {action}, more than reading"));
            }
        }
    }
    problems.extend(scope_problems(
        name,
        policy,
        &[
            "arn:aws:s3:::${BUCKET}/${PREFIX}/silver/",
            "arn:aws:s3:::${BUCKET}/${PREFIX}/gold/",
        ],
    ));
    problems
}

fn public_access_block_problems(name: &str, settings: &Value) -> Vec<String> {
    [
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ]
    .iter()
    .filter(|flag| settings.get(**flag) != Some(&Value::Bool(true)))
    .map(|flag| format!("{name}: {flag} is not true"))
    .collect()
}

/// Default encryption: SSE-KMS with a key and a bucket key (one KMS call per object otherwise),
/// or SSE-S3.
fn encryption_problems(name: &str, settings: &Value) -> Vec<String> {
    let rules = settings
        .get("Rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if rules.is_empty() {
        return vec![format!("{name}: no encryption rule")];
    }
    let mut problems = Vec::new();
    for rule in rules {
        let default = rule.get("ApplyServerSideEncryptionByDefault");
        match default
            .and_then(|d| d.get("SSEAlgorithm"))
            .and_then(Value::as_str)
        {
            Some("AES256") => {}
            Some("aws:kms") => {
                if default
                    .and_then(|d| d.get("KMSMasterKeyID"))
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    problems.push(format!("{name}: SSE-KMS without a key"));
                }
                if rule.get("BucketKeyEnabled") != Some(&Value::Bool(true)) {
                    problems.push(format!("{name}: SSE-KMS without a bucket key"));
                }
            }
            other => problems.push(format!("{name}: encryption {other:?}")),
        }
    }
    problems
}

/// The lifecycle the README promises: bronze archives to a colder class then expired, old
/// versions expired, unfinished multipart uploads aborted.
fn lifecycle_problems(name: &str, lifecycle: &Value) -> Vec<String> {
    let rules = lifecycle
        .get("Rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let enabled: Vec<&Value> = rules
        .iter()
        .filter(|r| r.get("Status").and_then(Value::as_str) == Some("Enabled"))
        .collect();
    let mut problems = Vec::new();
    let archive = enabled.iter().find(|r| {
        r.pointer("/Filter/Prefix")
            .and_then(Value::as_str)
            .is_some_and(|p| p.ends_with("archive/bronze/"))
    });
    match archive {
        None => problems.push(format!("{name}: no rule for bronze archives")),
        Some(r) => {
            if r.pointer("/Transitions/0/StorageClass").is_none() {
                problems.push(format!(
                    "{name}: bronze archives never move to a colder class"
                ));
            }
            if r.pointer("/Expiration/Days").is_none() {
                problems.push(format!("{name}: bronze archives never expire"));
            }
        }
    }
    if !enabled
        .iter()
        .any(|r| r.get("AbortIncompleteMultipartUpload").is_some())
    {
        problems.push(format!("{name}: unfinished multipart uploads are kept"));
    }
    if !enabled
        .iter()
        .any(|r| r.get("NoncurrentVersionExpiration").is_some())
    {
        problems.push(format!("{name}: old versions are kept forever"));
    }
    problems
}

/// The services of a compose file: (name, its lines), from the indentation (no YAML parser
/// among the dependencies; the file keeps the usual two-space layout).
fn compose_services(text: &str) -> Vec<(String, String)> {
    let mut services = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            inside = line.trim_end() == "services:";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with([' ', '#'])
        {
            services.push((name.to_string(), String::new()));
        } else if let Some((_, block)) = services.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    services
}

/// Literal secrets in a compose file: a setting named like a secret (`..._PASSWORD`,
/// `..._SECRET`, `..._TOKEN`, `..._KEY`) given a value that is not `${...}` from the
/// environment, or a URL with a literal password.
fn compose_secret_problems(text: &str) -> Vec<String> {
    const SECRET_ENDINGS: &[&str] = &["password", "passwd", "secret", "token", "_key"];
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start().trim_start_matches("- ");
        if code.starts_with('#') {
            continue;
        }
        let split = match (code.find(':'), code.find('=')) {
            (Some(c), Some(e)) => Some(c.min(e)),
            (c, e) => c.or(e),
        };
        if let Some(at) = split {
            let key = code[..at].trim().to_ascii_lowercase();
            let value = code[at + 1..].trim().trim_matches(['"', '\'']);
            let secret_key = SECRET_ENDINGS.iter().any(|w| key.ends_with(w));
            if secret_key && !value.is_empty() && !value.starts_with("${") {
                problems.push(format!("line {}: {key} has a literal value", n + 1));
            }
        }
        let mut rest = code;
        while let Some(at) = rest.find("://") {
            rest = &rest[at + 3..];
            let credentials = rest.split(['@', '/', ' ']).next().unwrap_or("");
            if rest.contains('@')
                && let Some((_, password)) = credentials.split_once(':')
                && !password.starts_with("${")
            {
                problems.push(format!("line {}: a URL with a literal password", n + 1));
            }
        }
    }
    problems
}

/// Every service has a health check; a service whose check is disabled is a one-shot (never
/// restarted) that others wait for to complete; every dependency waits for health or completion.
fn compose_service_problems(text: &str) -> Vec<String> {
    let services = compose_services(text);
    if services.is_empty() {
        return vec!["no services".to_string()];
    }
    let mut problems = Vec::new();
    for (name, block) in &services {
        if !block.contains("\n    healthcheck:") && !block.starts_with("    healthcheck:") {
            problems.push(format!("service {name} has no healthcheck"));
        }
        if block.contains("      disable: true") && !block.contains("restart: \"no\"") {
            problems.push(format!(
                "service {name} has its healthcheck disabled but is no one-shot"
            ));
        }
        for line in block.lines() {
            if let Some(condition) = line.trim().strip_prefix("condition:") {
                let condition = condition.trim();
                if condition != "service_healthy" && condition != "service_completed_successfully" {
                    problems.push(format!("service {name} waits for {condition}"));
                }
            }
        }
    }
    problems
}

/// .env.example: placeholders only (empty, or `change-me...`).
fn env_example_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            None => problems.push(format!("line {}: not KEY=VALUE", n + 1)),
            Some((key, value)) => {
                if !value.is_empty() && !value.starts_with("change-me") {
                    problems.push(format!("line {}: {key} is not a placeholder", n + 1));
                }
            }
        }
    }
    problems
}

/// The final stage of a Dockerfile runs as a named, non-root user and says how to check it.
fn dockerfile_problems(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let Some(last_from) = lines.iter().rposition(|l| l.starts_with("FROM ")) else {
        return vec!["no FROM".to_string()];
    };
    let last_stage = &lines[last_from..];
    let mut problems = Vec::new();
    match last_stage
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
    {
        None => problems.push("the final stage runs as root (no USER)".to_string()),
        Some(user) => {
            let user = user.split(':').next().unwrap_or("").trim();
            if user.is_empty() || user == "root" || user == "0" {
                problems.push(format!("the final stage runs as {user:?}"));
            }
        }
    }
    if !last_stage.iter().any(|l| l.starts_with("HEALTHCHECK")) {
        problems.push("the final stage has no HEALTHCHECK".to_string());
    }
    if !last_stage
        .iter()
        .any(|l| l.replace(' ', "") == "ENTRYPOINT[\"joblake\"]")
    {
        problems.push("the final stage's entry point is not joblake".to_string());
    }
    problems
}

/// A CloudWatch Logs space-delimited filter pattern, `[a="x", b, ...]`: each field with the
/// literal it must equal, if any; `...` matches the fields left.
fn space_delimited(pattern: &str) -> Vec<(String, Option<String>)> {
    let inner = pattern
        .trim()
        .strip_prefix('[')
        .and_then(|p| p.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not a space-delimited pattern: {pattern}"));
    inner
        .split(',')
        .map(|field| {
            let field = field.trim();
            match field.split_once('=') {
                Some((name, literal)) => (
                    name.trim().to_string(),
                    Some(literal.trim().trim_matches('"').to_string()),
                ),
                None => (field.to_string(), None),
            }
        })
        .collect()
}

/// The fields of `line` when it matches `pattern` (the subset of CloudWatch's semantics the
/// filters use: exact literals, no wildcards, `...` last).
fn filter_match(pattern: &[(String, Option<String>)], line: &str) -> Option<Vec<(String, String)>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut fields = Vec::new();
    for (i, (name, literal)) in pattern.iter().enumerate() {
        if name == "..." {
            return Some(fields);
        }
        let word = words.get(i)?;
        if literal.as_deref().is_some_and(|l| l != *word) {
            return None;
        }
        fields.push((name.clone(), word.to_string()));
    }
    (words.len() == pattern.len()).then_some(fields)
}

#[test]
fn every_json_document_parses_and_every_policy_is_strict() {
    let mut files = Vec::new();
    files_under(&root().join("infrastructure"), "json", &mut files);
    assert!(files.len() >= 20, "the JSON documents: {files:?}");
    let mut problems = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path).expect("read");
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if doc.get("Statement").is_some() {
            problems.extend(version_problems(&name, &doc));
            let iam = name.contains("/iam/");
            problems.extend(wildcard_actions(&name, &doc, !iam));
            problems.extend(public_principals(&name, &doc));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_pipeline_gets_exactly_the_s3_actions_the_code_uses_inside_its_prefix() {
    let s3 = json("infrastructure/aws/iam/pipeline-policy.json");
    let kms = json("infrastructure/aws/iam/pipeline-kms-policy.json");
    let expected = pipeline_s3_actions();
    assert_eq!(granted(&[&s3, &kms], "s3:"), expected);
    let expected: BTreeSet<String> = PIPELINE_KMS_ACTIONS.iter().map(|a| a.to_string()).collect();
    assert_eq!(granted(&[&kms], "kms:"), expected);
    assert!(granted(&[&s3], "kms:").is_empty());
    // Nothing but S3 and KMS.
    let all = granted(&[&s3, &kms], "");
    assert!(
        all.iter()
            .all(|a| a.starts_with("s3:") || a.starts_with("kms:")),
        "{all:?}"
    );
    let problems = scope_problems(
        "pipeline-policy.json",
        &s3,
        &["arn:aws:s3:::${BUCKET}/${PREFIX}/"],
    );
    assert!(problems.is_empty(), "{problems:#?}");
    // The key is used through S3 only.
    for s in statements(&kms) {
        assert_eq!(
            s.pointer("/Condition/StringEquals/kms:ViaService")
                .and_then(Value::as_str),
            Some("s3.${REGION}.amazonaws.com")
        );
        assert_eq!(strings(s.get("Resource")), vec!["${KMS_KEY_ARN}"]);
    }
}

#[test]
fn analysts_read_silver_and_gold_and_never_bronze() {
    for file in ["analyst-readonly-policy.json", "analyst-kms-policy.json"] {
        let relative = format!("infrastructure/aws/iam/{file}");
        let problems = analyst_problems(file, &read(&relative), &json(&relative));
        assert!(problems.is_empty(), "{problems:#?}");
    }
    let s3 = json("infrastructure/aws/iam/analyst-readonly-policy.json");
    assert_eq!(
        granted(&[&s3], "s3:"),
        BTreeSet::from(["s3:GetObject".to_string(), "s3:ListBucket".to_string()])
    );
}

#[test]
fn the_bucket_is_locked_down() {
    let dir = "infrastructure/aws/s3";
    let mut problems = public_access_block_problems(
        "public-access-block.json",
        &json(&format!("{dir}/public-access-block.json")),
    );
    for file in ["encryption-sse-kms.json", "encryption-sse-s3.json"] {
        problems.extend(encryption_problems(file, &json(&format!("{dir}/{file}"))));
    }
    problems.extend(lifecycle_problems(
        "lifecycle.json",
        &json(&format!("{dir}/lifecycle.json")),
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        json(&format!("{dir}/versioning.json")).get("Status"),
        Some(&Value::String("Enabled".into()))
    );
    assert_eq!(
        json(&format!("{dir}/ownership-controls.json")).pointer("/Rules/0/ObjectOwnership"),
        Some(&Value::String("BucketOwnerEnforced".into()))
    );
    let logging = json(&format!("{dir}/logging.json"));
    assert_eq!(
        logging.pointer("/LoggingEnabled/TargetBucket"),
        Some(&Value::String("${LOG_BUCKET}".into()))
    );
    // Plain HTTP is refused on both buckets.
    for file in ["bucket-policy.json", "log-bucket-policy.json"] {
        let policy = json(&format!("{dir}/{file}"));
        assert!(
            statements(&policy).iter().any(|s| {
                !allows(s)
                    && s.pointer("/Condition/Bool/aws:SecureTransport")
                        == Some(&Value::String("false".into()))
            }),
            "{file} does not deny plain HTTP"
        );
    }
}

#[test]
fn every_placeholder_has_its_setting_in_the_scripts() {
    let mut scripts = String::new();
    let mut files = Vec::new();
    files_under(&root().join("infrastructure/aws"), "sh", &mut files);
    for path in &files {
        scripts.push_str(&std::fs::read_to_string(path).expect("read script"));
    }
    assert!(
        scripts.contains("set -euo pipefail"),
        "the scripts stop at the first error"
    );
    let mut json_files = Vec::new();
    files_under(&root().join("infrastructure/aws"), "json", &mut json_files);
    let mut missing = BTreeSet::new();
    for path in &json_files {
        let text = std::fs::read_to_string(path).expect("read");
        for piece in text.split("${").skip(1) {
            let name = piece.split('}').next().unwrap_or("");
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{}: placeholder ${{{name}}} is not a setting's name",
                path.display()
            );
            if !scripts.contains(&format!("{name}=")) && !scripts.contains(&format!(" {name} ")) {
                missing.insert(format!("{} needs {name}", path.display()));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    // Each numbered script runs through the shared settings and dry-run of lib.sh.
    for path in files.iter().filter(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
    }) {
        let text = std::fs::read_to_string(path).expect("read");
        assert!(
            text.starts_with("#!/usr/bin/env bash\n")
                && text.contains("source \"$here/lib.sh\"")
                && text.contains("parse_args \"$@\""),
            "{} does not use lib.sh (settings, --dry-run)",
            path.display()
        );
    }
}

#[test]
fn the_compose_file_keeps_secrets_in_the_env_file() {
    let compose = read("docker-compose.yml");
    let problems = compose_secret_problems(&compose);
    assert!(problems.is_empty(), "{problems:#?}");
    let problems = compose_service_problems(&compose);
    assert!(problems.is_empty(), "{problems:#?}");
    let services: Vec<String> = compose_services(&compose)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for wanted in ["postgres", "s3", "create-bucket", "joblake"] {
        assert!(services.iter().any(|s| s == wanted), "{services:?}");
    }
    assert!(compose.contains("env_file: .env"));

    // Every variable the file requires (`${NAME:?...}`) is in .env.example, with a placeholder.
    let example = read(".env.example");
    let problems = env_example_problems(&example);
    assert!(problems.is_empty(), "{problems:#?}");
    for piece in compose.split("${").skip(1) {
        if let Some((name, _)) = piece.split_once(":?") {
            assert!(
                example.lines().any(|l| l.starts_with(&format!("{name}="))),
                ".env.example lacks {name}, which docker-compose.yml requires"
            );
        }
    }
    assert!(
        read(".gitignore").lines().any(|l| l.trim() == "/.env"),
        ".env must stay out of git"
    );

    // The files it mounts exist.
    for line in compose.lines() {
        if let Some(source) = line
            .trim()
            .strip_prefix("- ./")
            .and_then(|l| l.split(':').next())
        {
            assert!(
                root().join(source).exists(),
                "docker-compose.yml mounts missing ./{source}"
            );
        }
    }

    // The variables it gives joblake are the ones joblake reads.
    for (variable, file) in [
        ("JOBLAKE_LAKE", "src/cli/mod.rs"),
        ("JOBLAKE_CONFIG", "src/cli/mod.rs"),
        ("JOBLAKE_WAREHOUSE_URL", "src/config/mod.rs"),
    ] {
        assert!(compose.contains(&format!("{variable}:")), "{variable}");
        assert!(
            read(file).contains(&format!("\"{variable}\"")),
            "{file} reads {variable}"
        );
    }
}

#[test]
fn the_image_runs_as_a_non_root_user_and_the_health_check_finds_the_scheduler() {
    let dockerfile = read("Dockerfile");
    let problems = dockerfile_problems(&dockerfile);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(dockerfile.contains("cargo build --release --locked"));
    let ignore = read(".dockerignore");
    for excluded in [".env", "target", ".git", "lake", "web/node_modules"] {
        assert!(
            ignore.lines().any(|l| l.trim() == excluded),
            ".dockerignore lacks {excluded}"
        );
    }

    // The image's health check and the compose file's ask the port the scheduler serves: its
    // default, and the one of the compose file's configuration.
    let default = joblake::config::jobs::ScheduleSettings::default().metrics_addr;
    let port = default.rsplit(':').next().expect("a port");
    assert!(
        dockerfile.contains(&format!("/dev/tcp/127.0.0.1/{port}")),
        "{default}"
    );
    let compose = read("docker-compose.yml");
    assert!(compose.contains(&format!("/dev/tcp/127.0.0.1/{port}")));
    let path = root().join("infrastructure/compose/joblake.toml");
    let config = joblake::config::Config::load(Some(path.as_path()))
        .expect("the compose file's joblake.toml loads");
    assert_eq!(config.schedule.metrics_addr, format!("0.0.0.0:{port}"));
}

#[test]
fn the_alarms_filters_match_the_lines_the_scheduler_writes() {
    // The lines of src/ops/schedule/mod.rs, with the statuses of the run log.
    let source = read("src/ops/schedule/mod.rs");
    let run_line = "joblake schedule: {name} run {} {} in {:.1} s{}";
    let retry_line = "joblake schedule: {name} attempt {attempt} failed; retrying in {}";
    for format in [run_line, retry_line] {
        assert!(
            source.contains(&format!("\"{format}\"")),
            "src/ops/schedule/mod.rs no longer writes `{format}`: update \
             infrastructure/aws/cloudwatch/filter-*.json and this test"
        );
    }
    let name = "pipeline";
    let run = |status: RunStatus, error: &str| {
        format!(
            "joblake schedule: {name} run {} {} in {:.1} s{}",
            "20261201T100500Z-1a2b3c4d", status, 12.34, error
        )
    };
    let attempt = 1;
    let retried = format!("joblake schedule: {name} attempt {attempt} failed; retrying in 1m");
    let lines = [
        (
            "failed",
            run(RunStatus::Failed, ": refresh: model silver.x failed"),
        ),
        ("succeeded", run(RunStatus::Succeeded, "")),
        ("partial", run(RunStatus::Partial, ": adzuna: HTTP 500")),
        ("cancelled", run(RunStatus::Cancelled, "")),
        ("retried", retried),
    ];
    let mut produced = BTreeSet::new();
    for filter in ["failed", "retried", "succeeded", "partial"] {
        let doc = json(&format!(
            "infrastructure/aws/cloudwatch/filter-run-{filter}.json"
        ));
        let pattern = space_delimited(doc["filterPattern"].as_str().expect("filterPattern"));
        let transformation = &doc["metricTransformations"][0];
        produced.insert(
            transformation["metricName"]
                .as_str()
                .expect("metricName")
                .to_string(),
        );
        let dimension = transformation["dimensions"]["Job"].as_str().expect("Job");
        for (kind, line) in &lines {
            let found = filter_match(&pattern, line);
            assert_eq!(
                found.is_some(),
                *kind == filter,
                "filter-run-{filter}.json on `{line}`"
            );
            if let Some(fields) = found {
                let job = fields
                    .iter()
                    .find(|(f, _)| format!("${f}") == dimension)
                    .map(|(_, v)| v.as_str());
                assert_eq!(
                    job,
                    Some(name),
                    "the Job dimension of filter-run-{filter}.json"
                );
            }
        }
    }
    // The alarms watch metrics the filters produce.
    let failed = json("infrastructure/aws/cloudwatch/alarm-run-failed.json");
    for metric in failed["Metrics"].as_array().expect("Metrics") {
        if let Some(metric_name) = metric.pointer("/MetricStat/Metric/MetricName") {
            let metric_name = metric_name.as_str().expect("MetricName");
            assert!(produced.contains(metric_name), "{metric_name}");
        }
    }
    let silent = json("infrastructure/aws/cloudwatch/alarm-no-completed-run.json");
    assert!(produced.contains(silent["MetricName"].as_str().expect("MetricName")));
    assert_eq!(silent["TreatMissingData"], "breaching");
}

#[test]
fn the_postgres_roles_are_the_warehouse_s_own() {
    let roles = read("infrastructure/postgres/roles.sql");
    let include = roles
        .lines()
        .find_map(|l| l.strip_prefix("\\ir "))
        .expect("roles.sql includes the migrations' roles");
    let included = root().join("infrastructure/postgres").join(include.trim());
    let base = std::fs::read_to_string(&included)
        .unwrap_or_else(|e| panic!("{}: {e}", included.display()));
    for wanted in [
        "ALTER DEFAULT PRIVILEGES FOR ROLE joblake_loader IN SCHEMA gold",
        "GRANT SELECT ON TABLES TO joblake_reader",
        "default_transaction_read_only = on",
    ] {
        assert!(base.contains(wanted), "{}: {wanted}", included.display());
    }
    for wanted in [
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        "rds.force_ssl",
        "\\getenv loader_password JOBLAKE_LOADER_PASSWORD",
        "REVOKE joblake_loader FROM CURRENT_USER",
    ] {
        assert!(
            roles.contains(wanted),
            "infrastructure/postgres/roles.sql: {wanted}"
        );
    }
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let policy =
        |statement: Value| serde_json::json!({"Version": POLICY_VERSION, "Statement": [statement]});
    let allow = |action: &str, resource: &str| {
        policy(serde_json::json!({"Effect": "Allow", "Action": action, "Resource": resource}))
    };
    let object = "arn:aws:s3:::${BUCKET}/${PREFIX}/*";

    let old = serde_json::json!({"Version": "2008-10-17", "Statement": []});
    assert!(!version_problems("old", &old).is_empty());
    for action in ["s3:*", "*", "s3:Get*"] {
        assert!(!wildcard_actions("p", &allow(action, object), false).is_empty());
        assert!(!wildcard_actions("p", &allow(action, object), true).is_empty());
    }
    let deny_all = policy(serde_json::json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}));
    assert!(!wildcard_actions("p", &deny_all, false).is_empty());
    assert!(wildcard_actions("p", &deny_all, true).is_empty());
    let public = policy(serde_json::json!(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": object}));
    assert!(!public_principals("p", &public).is_empty());

    // One action more than the code uses is seen.
    let more = allow("s3:PutBucketPolicy", "arn:aws:s3:::${BUCKET}");
    let s3 = json("infrastructure/aws/iam/pipeline-policy.json");
    let expected = pipeline_s3_actions();
    assert_ne!(granted(&[&s3, &more], "s3:"), expected);
    // The whole bucket, or a listing without a prefix, is outside the lake.
    let lake = ["arn:aws:s3:::${BUCKET}/${PREFIX}/"];
    assert!(
        !scope_problems(
            "p",
            &allow("s3:GetObject", "arn:aws:s3:::${BUCKET}/*"),
            &lake
        )
        .is_empty()
    );
    assert!(
        !scope_problems(
            "p",
            &allow("s3:ListBucket", "arn:aws:s3:::${BUCKET}"),
            &lake
        )
        .is_empty()
    );
    let elsewhere = policy(
        serde_json::json!({"Effect": "Allow", "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::${BUCKET}", "Condition": {"StringLike": {"s3:prefix": ["other/*"]}}}),
    );
    assert!(!scope_problems("p", &elsewhere, &lake).is_empty());

    // Analysts: bronze named, the whole lake (bronze included), or a write.
    let bronze = allow("s3:GetObject", "arn:aws:s3:::${BUCKET}/${PREFIX}/bronze/*");
    assert!(!analyst_problems("a", &bronze.to_string(), &bronze).is_empty());
    let whole = allow("s3:GetObject", object);
    assert!(!analyst_problems("a", &whole.to_string(), &whole).is_empty());
    let write = allow("s3:PutObject", "arn:aws:s3:::${BUCKET}/${PREFIX}/gold/*");
    assert!(!analyst_problems("a", &write.to_string(), &write).is_empty());
    let fine = allow("s3:GetObject", "arn:aws:s3:::${BUCKET}/${PREFIX}/gold/*");
    assert!(analyst_problems("a", &fine.to_string(), &fine).is_empty());

    // Bucket settings.
    let open = serde_json::json!({"BlockPublicAcls": true, "IgnorePublicAcls": true,
        "BlockPublicPolicy": false, "RestrictPublicBuckets": true});
    assert_eq!(public_access_block_problems("pab", &open).len(), 1);
    assert!(!encryption_problems("e", &serde_json::json!({"Rules": []})).is_empty());
    let no_bucket_key = serde_json::json!({"Rules": [{"ApplyServerSideEncryptionByDefault":
        {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "${KMS_KEY_ARN}"}}]});
    assert!(!encryption_problems("e", &no_bucket_key).is_empty());
    assert_eq!(
        lifecycle_problems("l", &serde_json::json!({"Rules": []})).len(),
        3
    );

    // Compose: literal secrets, a service without health check, a weak dependency.
    assert!(!compose_secret_problems("      POSTGRES_PASSWORD: hunter2\n").is_empty());
    assert!(!compose_secret_problems("      - AWS_SECRET_ACCESS_KEY=abc\n").is_empty());
    assert!(!compose_secret_problems("      URL: postgres://u:hunter2@db:5432/x\n").is_empty());
    assert!(
        compose_secret_problems("      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?x}\n").is_empty()
    );
    assert!(compose_secret_problems("      - password_encryption=scram-sha-256\n").is_empty());
    assert!(compose_secret_problems("      URL: postgres://u:${P:?x}@db:5432/x\n").is_empty());
    let compose = "services:\n  a:\n    image: x\n  b:\n    image: y\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on:\n      a:\n        condition: service_started\n";
    let problems = compose_service_problems(compose);
    assert!(
        problems.iter().any(|p| p.contains("a has no healthcheck")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("service_started")),
        "{problems:?}"
    );

    // .env.example with a value.
    assert!(!env_example_problems("API_KEY=abc123\n").is_empty());
    assert!(env_example_problems("# c\nAPI_KEY=\nPASSWORD=change-me\n").is_empty());

    // Dockerfiles running as root.
    let healthy = "HEALTHCHECK CMD true\nENTRYPOINT [\"joblake\"]\n";
    assert!(!dockerfile_problems(&format!("FROM a\n{healthy}")).is_empty());
    assert!(!dockerfile_problems(&format!("FROM a\nUSER root\n{healthy}")).is_empty());
    assert!(!dockerfile_problems(&format!("FROM a\nUSER 0:0\n{healthy}")).is_empty());
    assert!(!dockerfile_problems(&format!("FROM a AS b\nUSER app\nFROM c\n{healthy}")).is_empty());
    assert!(dockerfile_problems(&format!("FROM a\nUSER app:app\n{healthy}")).is_empty());

    // A changed line no longer matches the filter.
    let pattern = space_delimited(
        r#"[prog="joblake", cmd="schedule:", job, word="run", run_id, status="failed", ...]"#,
    );
    assert!(filter_match(&pattern, "joblake schedule: pipeline run x failed in 1.0 s").is_some());
    assert!(
        filter_match(
            &pattern,
            "joblake scheduler: pipeline run x failed in 1.0 s"
        )
        .is_none()
    );
    assert!(filter_match(&pattern, "joblake schedule: pipeline run x FAILED in 1.0 s").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_a_pipeline_makes_is_allowed() {
    // Land, refresh, maintain (compaction, vacuum, bronze retention) through a metered lake:
    // every request kind it makes must be in the policy, and the common ones must be seen,
    // or the metering (and this check) would be blind.
    let t = crate::util::temp_lake();
    let meter = RunMeter::start();
    let lake = t.lake.metered(meter.clone());
    joblake::pipeline::land_demo(&lake, &crate::util::small_demo(30))
        .await
        .expect("landed");
    crate::util::run_refresh(&lake, false).await;
    joblake::pipeline::land_demo(&lake, &crate::util::small_demo(31))
        .await
        .expect("landed again");
    crate::util::run_refresh(&lake, false).await;
    let settings = joblake::maintain::MaintainSettings {
        vacuum_retention: std::time::Duration::ZERO,
        allow_short_retention: true,
        ..Default::default()
    };
    joblake::maintain::maintain(&lake, &settings, None)
        .await
        .expect("maintained");
    let used: Vec<StoreRequest> = meter.requests().iter().map(|(r, _)| *r).collect();
    for kind in [
        StoreRequest::Get,
        StoreRequest::Put,
        StoreRequest::List,
        StoreRequest::Delete,
    ] {
        assert!(
            used.contains(&kind),
            "no {kind:?} request counted: {used:?}"
        );
    }
    let policy = json("infrastructure/aws/iam/pipeline-policy.json");
    let granted = granted(&[&policy], "s3:");
    for kind in used {
        for action in iam_actions(kind) {
            assert!(
                granted.contains(*action),
                "{kind:?} needs {action}, which the pipeline policy does not grant"
            );
        }
    }
}
