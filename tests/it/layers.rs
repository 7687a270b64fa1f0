//! The layering of docs/architecture.md, enforced: inside the main crate a module may use its own
//! layer and the layers below it, never one above; the pure crates depend on no engine.
//!
//! The layer table is read from docs/architecture.md itself (the fenced `layers` block), so the
//! map and the check cannot drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Top-level module → layer rank (0 = top), from the `layers` block of docs/architecture.md.
fn layers() -> BTreeMap<String, (usize, String)> {
    let doc =
        std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let block = doc
        .split("```layers\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/architecture.md has a ```layers block");
    let mut map = BTreeMap::new();
    for (rank, line) in block.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let mut words = line.split_whitespace();
        let layer = words.next().expect("layer name").to_string();
        for module in words {
            assert!(
                map.insert(module.to_string(), (rank, layer.clone()))
                    .is_none(),
                "module {module} is listed in two layers"
            );
        }
    }
    map
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules of the main crate that `text` names through `crate::`, comments
/// excluded (`crate::a::b`, `crate::{a, b::c}`).
fn crate_references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != "self" {
                        found.push(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        }
    }
    found
}

#[test]
fn main_crate_imports_point_down_the_layers() {
    let layers = layers();
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut unlisted = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a path");
        let module = first.trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        let Some((rank, layer)) = layers.get(module) else {
            unlisted.push(module.to_string());
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read source");
        for target in crate_references(&text) {
            match layers.get(&target) {
                Some((target_rank, target_layer)) if target_rank < rank => violations.push(
                    format!(
                        "src/{}: {module} ({layer}) uses crate::{target} ({target_layer}, a layer above)",
                        relative.display()
                    ),
                ),
                Some(_) => {}
                None if target == "Error" || target == "Result" => {}
                None => unlisted.push(target),
            }
        }
    }
    unlisted.sort();
    unlisted.dedup();
    assert!(
        unlisted.is_empty(),
        "modules missing from the layers block of docs/architecture.md: {unlisted:?}"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_reference_scanner_sees_grouped_and_plain_paths() {
    let refs = crate_references(
        "use crate::{engine, pipeline::x};\nlet a = crate::lake::Lake::x(); // crate::cli\n",
    );
    assert_eq!(refs, ["engine", "pipeline", "lake"]);
}

#[test]
fn pure_crates_depend_on_no_engine_and_not_on_the_lakehouse() {
    for krate in ["joblake-enrich", "joblake-sources", "joblake-gen"] {
        let manifest =
            std::fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml"))
                .expect("crate manifest");
        for heavy in [
            "datafusion",
            "deltalake",
            "arrow",
            "parquet",
            "object_store",
            "sqlx",
        ] {
            assert!(
                !manifest.lines().any(|l| l.trim_start().starts_with(heavy)),
                "{krate} must not depend on {heavy}"
            );
        }
        assert!(
            !manifest
                .lines()
                .any(|l| l.trim_start().starts_with("joblake ")
                    || l.trim_start().starts_with("joblake.")
                    || l.trim_start().starts_with("joblake=")),
            "{krate} must not depend on the main crate"
        );
    }
}
