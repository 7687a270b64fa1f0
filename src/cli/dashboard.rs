//! `joblake dashboard` and `joblake serve`: the job market as one offline HTML page.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::dashboard;

/// The arguments of `joblake dashboard`.
#[derive(Args)]
pub struct DashboardArgs {
    /// Where to write the page.
    #[arg(long, default_value = "dashboard.html")]
    out: PathBuf,
    /// Open the page in the default browser once written.
    #[arg(long)]
    open: bool,
}

/// The arguments of `joblake serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8008)]
    port: u16,
    /// Address to listen on: loopback by default, so the lake is not published by accident.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
}

/// Writes the page and prints its path.
pub async fn run(ctx: &Context, args: DashboardArgs) -> Result<ExitCode> {
    let written = dashboard::write(&ctx.lake, &ctx.project, &args.out).await?;
    print_written(&args.out, &written, ctx.quiet);
    if args.open {
        open(&args.out);
    }
    Ok(ExitCode::SUCCESS)
}

/// One line saying where the page is and what it holds (the path alone with `--quiet`).
pub(crate) fn print_written(out: &std::path::Path, w: &dashboard::Written, quiet: bool) {
    let path = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
    if quiet {
        println!("{}", path.display());
    } else {
        println!(
            "dashboard: {} ({:.1} MB, {} postings, {:.1} s); open it in a browser, no server needed",
            path.display(),
            w.bytes as f64 / 1e6,
            w.postings,
            w.seconds
        );
    }
}

/// Serves the page until stopped.
pub async fn serve(ctx: &Context, args: ServeArgs) -> Result<ExitCode> {
    let addr = format!("{}:{}", args.bind, args.port);
    let quiet = ctx.quiet;
    dashboard::serve::serve(ctx.lake.clone(), ctx.project.clone(), &addr, |url| {
        if quiet {
            println!("{url}");
        } else {
            println!("dashboard: {url} (rebuilt when the lake changes; Ctrl-C stops)");
        }
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Opens `path` with the desktop's opener; says so when there is none (a server, CI).
fn open(path: &std::path::Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(path).spawn() {
        eprintln!("could not open {} with {opener}: {e}", path.display());
    }
}
