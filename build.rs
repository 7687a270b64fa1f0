//! Hashes the Rust code that decides what the lake's tables hold (bronze decoding, the
//! sources' parsers, the SQL functions and the domain logic behind them) into
//! `JOBLAKE_LOGIC_HASH`. A refresh keeps it in the fingerprint of each table that is built
//! from its own earlier rows (`transform::run`): rows written by other code than the running
//! one's are rebuilt once instead of mixing with new ones. The crate's version alone did not
//! change when that code did.

use std::path::{Path, PathBuf};

/// The code whose change changes what the tables hold. A path missing fails the build: a
/// file moved away must be listed again.
const LOGIC: &[&str] = &[
    "crates/joblake-enrich/src",
    "crates/joblake-sources/src",
    "src/bronze",
    "src/engine/udf.rs",
    "src/engine/json_udf.rs",
    "src/engine/listings_udf.rs",
    "src/redact.rs",
];

fn main() {
    let mut files = Vec::new();
    for path in LOGIC {
        let path = Path::new(path);
        assert!(
            path.exists(),
            "build.rs: {} is gone: list its code again",
            path.display()
        );
        println!("cargo:rerun-if-changed={}", path.display());
        collect(path, &mut files);
    }
    files.sort();
    // FNV-1a over each file's path and bytes: stable across toolchains, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let bytes =
            std::fs::read(file).unwrap_or_else(|e| panic!("build.rs: {}: {e}", file.display()));
        for byte in file.to_string_lossy().bytes().chain([0]).chain(bytes) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=JOBLAKE_LOGIC_HASH={hash:016x}");
}

/// The `.rs` files at or under `path`.
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let entries =
            std::fs::read_dir(path).unwrap_or_else(|e| panic!("build.rs: {}: {e}", path.display()));
        for entry in entries.flatten() {
            collect(&entry.path(), files);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        files.push(path.to_path_buf());
    }
}
