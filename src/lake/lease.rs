//! Leases that live with the lake: at most one holder per name (a job, or the lake's tables)
//! across every process and host that can reach the lake, and a dead holder's lease expires.
//!
//! A lease is a sequence of generations, `_meta/leases/<name>/<generation>.json`. Taking it
//! writes the next generation with a create-only put (`If-None-Match: *` on S3, a hard link on
//! a local disk), so of two processes racing for it exactly one wins. The holder renews its
//! generation's expiry every third of the time-to-live, and marks it released when done; anyone
//! may take the next generation once the current one is released or expired. Before each
//! renewal the holder checks that no later generation exists: if it was presumed dead (a long
//! pause) it learns it lost the lease and says so instead of going on as if it held it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::meter;

/// One generation of a lease, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseInfo {
    /// The lease's name.
    pub name: String,
    /// Generation number (1, 2, ...).
    pub generation: u64,
    /// Who holds it: host and process id.
    pub holder: String,
    /// The run it was taken for.
    pub run_id: Option<String>,
    /// The schedule slot it was taken for (None: a manual run).
    pub slot: Option<DateTime<Utc>>,
    /// When it was taken.
    pub acquired_at: DateTime<Utc>,
    /// When it expires unless renewed.
    pub expires_at: DateTime<Utc>,
    /// Set by the holder when it let go.
    pub released: bool,
}

impl LeaseInfo {
    /// True when someone holds it now.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        !self.released && self.expires_at > now && !self.holder_is_dead()
    }

    /// True when the holder ran on this host and its process is gone (killed, crashed): its
    /// lease can be taken at once instead of waiting for it to expire. A holder on another
    /// host cannot be checked from here and is trusted until the expiry.
    pub fn holder_is_dead(&self) -> bool {
        match meter::parse_process_label(&self.holder) {
            Some((host, pid)) => {
                host == meter::host_name()
                    && pid != std::process::id()
                    && !meter::process_alive(pid)
            }
            None => false,
        }
    }
}

/// The outcome of trying to take a lease.
#[derive(Debug)]
pub enum Acquired {
    /// Taken. `lost` is the previous generation when its holder died without releasing it.
    Held {
        /// The guard that renews and releases the lease.
        guard: Box<LeaseGuard>,
        /// A previous holder that died holding it.
        lost: Option<Box<LeaseInfo>>,
    },
    /// Someone else holds it.
    Busy(LeaseInfo),
    /// The slot asked for was already taken (run, or running) by another process.
    SlotTaken(LeaseInfo),
}

/// A held lease: renewed in the background until released or dropped.
#[derive(Debug)]
pub struct LeaseGuard {
    lake: Lake,
    path: Path,
    info: LeaseInfo,
    ttl: Duration,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

fn dir(lake: &Lake, name: &str) -> Path {
    lake.path(&format!("{}/leases/{name}", crate::lake::meta::DIR))
}

fn generation_path(lake: &Lake, name: &str, generation: u64) -> Path {
    dir(lake, name).join(format!("{generation:020}.json"))
}

fn encode_error(path: &Path, e: serde_json::Error) -> Error {
    Error::Encode {
        what: format!("lease {path}"),
        message: e.to_string(),
    }
}

/// The newest generation of `name`, if any.
pub async fn current(lake: &Lake, name: &str) -> Result<Option<LeaseInfo>> {
    let listed: Vec<_> = lake
        .store()
        .list(Some(&dir(lake, name)))
        .try_collect()
        .await?;
    let newest = listed
        .iter()
        .filter_map(|m| {
            let file = m.location.filename()?;
            file.strip_suffix(".json")?.parse::<u64>().ok()
        })
        .max();
    let Some(generation) = newest else {
        return Ok(None);
    };
    read(lake, name, generation).await.map(Some)
}

async fn read(lake: &Lake, name: &str, generation: u64) -> Result<LeaseInfo> {
    let path = generation_path(lake, name, generation);
    let bytes = lake.store().get(&path).await?.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Lease {
        path: path.to_string(),
        message: format!("unreadable: {e}"),
    })
}

/// Tries once to take the lease `name` for `ttl`. With a `slot`, a lease already taken for that
/// slot or a later one counts as taken, so that two schedulers run each slot once.
pub async fn try_acquire(
    lake: &Lake,
    name: &str,
    ttl: Duration,
    slot: Option<DateTime<Utc>>,
    run_id: Option<&str>,
) -> Result<Acquired> {
    let now = Utc::now();
    let previous = current(lake, name).await?;
    if let Some(p) = &previous {
        if p.is_live(now) {
            return Ok(Acquired::Busy(p.clone()));
        }
        if let (Some(asked), Some(done)) = (slot, p.slot)
            && done >= asked
        {
            return Ok(Acquired::SlotTaken(p.clone()));
        }
    }
    let generation = previous.as_ref().map_or(1, |p| p.generation + 1);
    let info = LeaseInfo {
        name: name.to_string(),
        generation,
        holder: meter::process_label(),
        run_id: run_id.map(str::to_string),
        slot,
        acquired_at: now,
        expires_at: now + ttl_chrono(ttl),
        released: false,
    };
    let path = generation_path(lake, name, generation);
    let body = serde_json::to_vec_pretty(&info).map_err(|e| encode_error(&path, e))?;
    let create = PutOptions::from(PutMode::Create);
    match lake
        .store()
        .put_opts(&path, PutPayload::from(body), create)
        .await
    {
        Ok(_) => {}
        Err(object_store::Error::AlreadyExists { .. }) => {
            // Another process took this generation first.
            let winner = read(lake, name, generation).await?;
            return Ok(match (slot, winner.slot) {
                (Some(asked), Some(taken)) if taken >= asked => Acquired::SlotTaken(winner),
                _ => Acquired::Busy(winner),
            });
        }
        Err(e) => return Err(e.into()),
    }
    // Older generations are history: keep the one before ours (it names a lost holder).
    if generation > 2 {
        let _ = lake
            .store()
            .delete(&generation_path(lake, name, generation - 2))
            .await;
    }
    let lost_flag = Arc::new(AtomicBool::new(false));
    let renewer = tokio::spawn(renew(
        lake.clone(),
        path.clone(),
        info.clone(),
        ttl,
        lost_flag.clone(),
    ));
    let lost = previous.filter(|p| !p.released).map(Box::new);
    Ok(Acquired::Held {
        guard: Box::new(LeaseGuard {
            lake: lake.clone(),
            path,
            info,
            ttl,
            lost: lost_flag,
            renewer,
        }),
        lost,
    })
}

fn ttl_chrono(ttl: Duration) -> chrono::Duration {
    chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1))
}

/// Renews the lease every third of its time-to-live, until it finds a later generation.
async fn renew(lake: Lake, path: Path, mut info: LeaseInfo, ttl: Duration, lost: Arc<AtomicBool>) {
    let every = (ttl / 3).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        match current(&lake, &info.name).await {
            Ok(Some(newest)) if newest.generation > info.generation => {
                tracing::error!(
                    "lease {}: taken over by {} (generation {}): this process was presumed dead",
                    info.name,
                    newest.holder,
                    newest.generation
                );
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("lease {}: cannot check it: {e}", info.name),
        }
        info.expires_at = Utc::now() + ttl_chrono(ttl);
        if let Ok(body) = serde_json::to_vec_pretty(&info)
            && let Err(e) = lake.store().put(&path, PutPayload::from(body)).await
        {
            tracing::warn!("lease {}: renewal failed: {e}", info.name);
        }
    }
}

impl LeaseGuard {
    /// The generation held.
    pub fn info(&self) -> &LeaseInfo {
        &self.info
    }

    /// True when another process took the lease over (this one was presumed dead).
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// The time-to-live the lease was taken with.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Lets go of the lease so that the next holder need not wait for it to expire.
    pub async fn release(self) -> Result<()> {
        self.renewer.abort();
        if self.is_lost() {
            return Ok(());
        }
        let mut info = self.info.clone();
        info.released = true;
        info.expires_at = Utc::now();
        let body = serde_json::to_vec_pretty(&info).map_err(|e| encode_error(&self.path, e))?;
        self.lake
            .store()
            .put(&self.path, PutPayload::from(body))
            .await?;
        Ok(())
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        // Dropped without release (an error path): stop renewing; the lease expires by itself.
        self.renewer.abort();
    }
}

/// Waits until the lease is taken, polling every `poll`, or gives up when `give_up` is set.
pub async fn acquire_waiting(
    lake: &Lake,
    name: &str,
    ttl: Duration,
    run_id: Option<&str>,
    give_up: &AtomicBool,
) -> Result<Option<LeaseGuard>> {
    let poll = (ttl / 10).clamp(Duration::from_millis(200), Duration::from_secs(5));
    let mut said = false;
    loop {
        match try_acquire(lake, name, ttl, None, run_id).await? {
            Acquired::Held { guard, .. } => return Ok(Some(*guard)),
            Acquired::Busy(holder) | Acquired::SlotTaken(holder) => {
                if !said {
                    // Shown by default: a wait with no word looks like a hang.
                    let left = (holder.expires_at - Utc::now()).num_seconds().max(0);
                    tracing::warn!(
                        "waiting for lease {name}: held by {}{} until {} (expires in {left} s \
                         unless renewed; a holder that stops renewing frees it then)",
                        holder.holder,
                        holder
                            .run_id
                            .as_deref()
                            .map_or(String::new(), |r| format!(" for run {r}")),
                        holder
                            .expires_at
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    );
                    said = true;
                }
            }
        }
        if give_up.load(Ordering::SeqCst) {
            return Ok(None);
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lease_held_by_a_dead_process_on_this_host_is_taken_at_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake");
        // A process that has exited: its pid names no process any more.
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead_pid = child.id();
        child.wait().expect("exited");
        let hour = Duration::from_secs(3600);
        let now = Utc::now();
        let dead = LeaseInfo {
            name: "tables".into(),
            generation: 1,
            holder: format!("{} pid {dead_pid}", meter::host_name()),
            run_id: Some("killed".into()),
            slot: None,
            acquired_at: now,
            expires_at: now + ttl_chrono(hour),
            released: false,
        };
        let path = generation_path(&lake, "tables", 1);
        let body = serde_json::to_vec(&dead).expect("json");
        lake.store()
            .put(&path, PutPayload::from(body))
            .await
            .expect("written");
        let Acquired::Held { guard, lost } = try_acquire(&lake, "tables", hour, None, None)
            .await
            .expect("try")
        else {
            panic!("a dead holder's lease is taken without waiting an hour");
        };
        assert_eq!(lost.and_then(|l| l.run_id).as_deref(), Some("killed"));
        guard.release().await.expect("release");

        // The same lease held by a live process (this test's parent) or on another host waits.
        for holder in [
            format!(
                "{} pid {}",
                meter::host_name(),
                std::os::unix::process::parent_id()
            ),
            format!("some-other-host pid {dead_pid}"),
        ] {
            let current = current(&lake, "tables").await.expect("read").expect("one");
            let live = LeaseInfo {
                generation: current.generation + 1,
                holder: holder.clone(),
                released: false,
                expires_at: Utc::now() + ttl_chrono(hour),
                ..dead.clone()
            };
            let path = generation_path(&lake, "tables", live.generation);
            let body = serde_json::to_vec(&live).expect("json");
            lake.store()
                .put(&path, PutPayload::from(body))
                .await
                .expect("written");
            assert!(
                matches!(
                    try_acquire(&lake, "tables", hour, None, None)
                        .await
                        .expect("try"),
                    Acquired::Busy(_)
                ),
                "{holder}"
            );
            let mut released = live.clone();
            released.released = true;
            lake.store()
                .put(
                    &path,
                    PutPayload::from(serde_json::to_vec(&released).expect("json")),
                )
                .await
                .expect("released");
        }
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_a_dead_holder_expires() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake");
        let ttl = Duration::from_millis(600);
        let Acquired::Held { guard, lost } = try_acquire(&lake, "job", ttl, None, Some("r1"))
            .await
            .expect("try")
        else {
            panic!("a free lease is taken");
        };
        assert!(lost.is_none());
        assert!(matches!(
            try_acquire(&lake, "job", ttl, None, Some("r2")).await.expect("try"),
            Acquired::Busy(h) if h.run_id.as_deref() == Some("r1")
        ));
        // Renewed past its first expiry while held.
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(matches!(
            try_acquire(&lake, "job", ttl, None, None)
                .await
                .expect("try"),
            Acquired::Busy(_)
        ));
        // A holder that dies (drops without release) stops renewing; the lease expires and the
        // next taker is told who was lost.
        drop(guard);
        tokio::time::sleep(Duration::from_millis(700)).await;
        let Acquired::Held { guard, lost } = try_acquire(&lake, "job", ttl, None, Some("r3"))
            .await
            .expect("try")
        else {
            panic!("an expired lease is taken over");
        };
        assert_eq!(lost.and_then(|l| l.run_id).as_deref(), Some("r1"));
        guard.release().await.expect("release");
        // Released: free at once, with no lost holder.
        let slot = Utc::now();
        let Acquired::Held { guard, lost } = try_acquire(&lake, "job", ttl, Some(slot), None)
            .await
            .expect("try")
        else {
            panic!("a released lease is free");
        };
        assert!(lost.is_none());
        guard.release().await.expect("release");
        // The same slot cannot be run twice.
        assert!(matches!(
            try_acquire(&lake, "job", ttl, Some(slot), None)
                .await
                .expect("try"),
            Acquired::SlotTaken(_)
        ));
    }
}
