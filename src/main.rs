//! The `joblake` binary: parses the arguments, sets up logging, runs the command on the async
//! runtime the library builds ([`joblake::cli::run_blocking`]) and maps its outcome to an exit
//! code.

use std::process::ExitCode;

use clap::Parser;
use joblake::cli::{self, Cli};

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
