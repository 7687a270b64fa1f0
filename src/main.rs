//! The `joblake` binary: parses the arguments, sets up logging, runs the command on the async
//! runtime the library builds ([`joblake::cli::run_blocking`]) and maps its outcome to an exit
//! code.

use std::process::ExitCode;

use clap::Parser;
use joblake::cli::{self, Cli};

/// jemalloc, not the system allocator: the refresh builds and drops Arrow buffers of megabytes
/// at a high rate, which glibc's handed back to the kernel and faulted in again (a fifth of an
/// incremental refresh's CPU in the kernel). At 1M postings the incremental refresh took 27.3-29.1
/// s instead of 31.3-34.9 s, its peak 2.3 GB instead of 2.5 (docs/performance.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        // An audit append that loses the race for a version is retried by joblake; delta-rs warns
        // about it first.
        tracing_subscriber::EnvFilter::new(if cli.quiet() {
            "error"
        } else {
            "warn,deltalake_core::kernel::transaction=error"
        })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match cli::run_blocking(cli) {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A closed pipe (`joblake sql ... | head`) is not a failure.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
