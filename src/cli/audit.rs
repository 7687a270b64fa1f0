//! `joblake audit verify`: checks the audit trail's hash chain.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::Context;
use crate::lake::audit;

/// `joblake audit`.
#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    action: AuditAction,
}

/// What to do with the trail.
#[derive(Subcommand)]
enum AuditAction {
    /// Check that no row of the audit trail was edited, deleted or reordered. Prints the
    /// chain's tip: keep it elsewhere and pass it back with --tip to also catch a removed end.
    /// Exits 1 when the chain is broken.
    Verify {
        /// A tip printed by an earlier verify (`SEQ:HASH`): that row must still be there,
        /// unchanged.
        #[arg(long)]
        tip: Option<String>,
    },
}

/// Runs `joblake audit ...`.
pub async fn run(ctx: &Context, args: AuditArgs) -> Result<ExitCode> {
    match args.action {
        AuditAction::Verify { tip } => verify(ctx, tip.as_deref()).await,
    }
}

async fn verify(ctx: &Context, kept: Option<&str>) -> Result<ExitCode> {
    let kept = kept
        .map(|t| {
            let (seq, hash) = t
                .split_once(':')
                .ok_or_else(|| anyhow::anyhow!("--tip {t}: expected SEQ:HASH"))?;
            let seq: i64 = seq
                .parse()
                .map_err(|_| anyhow::anyhow!("--tip {t}: {seq} is not a row number"))?;
            Ok::<_, anyhow::Error>(audit::Tip {
                seq,
                hash: hash.to_string(),
            })
        })
        .transpose()?;
    let mut verdict = audit::check(&ctx.lake).await?;
    if let Some(kept) = &kept {
        verdict
            .breaks
            .extend(audit::against_kept_tip(&ctx.lake, kept).await?);
    }
    println!(
        "audit trail of {}: {} chained rows{}",
        ctx.lake.display(),
        verdict.chained,
        if verdict.unchained > 0 {
            format!(
                ", {} older rows written before the chain (not covered)",
                verdict.unchained
            )
        } else {
            String::new()
        }
    );
    if let Some(tip) = &verdict.tip {
        println!("tip: {}:{}", tip.seq, tip.hash);
    }
    if verdict.breaks.is_empty() {
        println!("the chain holds");
        return Ok(ExitCode::SUCCESS);
    }
    for b in &verdict.breaks {
        println!("BROKEN: {b}");
    }
    Ok(ExitCode::FAILURE)
}
