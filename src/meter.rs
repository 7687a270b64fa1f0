//! What a step cost: wall and CPU time, bytes read and written, peak memory, and the energy
//! and CO₂e those figures imply under a documented power model (see `docs/operations.md`).
//!
//! Two ways of measuring. A [`Snapshot`] takes the process's own figures (getrusage,
//! `/proc/self/io`, `/proc/self/status`): right for `joblake bench`, which runs one stage at a
//! time. A run uses a [`RunMeter`] instead, because the scheduler may run two jobs at once in
//! one process and each must be charged its own work:
//!
//! - rows decoded from bronze and bytes read and written are counted where the work happens:
//!   the bronze scan of the run's sessions and the run's object store
//!   (`crate::lake::Lake::metered`) add to the run's own counters;
//! - CPU cannot be measured per run (DataFusion spreads a query over tasks and threads shared by
//!   every run), so it is apportioned: a process-wide ledger of the active runs takes the
//!   process's CPU time since the last event at every run start, end and step boundary, and
//!   splits it equally among the runs active in that interval. Alone, a run gets exactly the
//!   process's CPU; two overlapping runs together never get more than the process used;
//! - peak memory stays the process's (the kernel keeps one mark per process): with overlapping
//!   runs a step's peak includes the other run's memory.
//!
//! On systems without `/proc` the memory figure is left empty.

// getrusage, gethostname and getuid have no safe wrapper in the standard library; each call
// below is a plain libc call on memory it owns.
#![allow(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The power model behind the energy estimate (`[energy]` in `joblake.toml`). The defaults are
/// the Cloud Carbon Footprint coefficients for an average x86 cloud vCPU at full load, its
/// memory, and a hyperscale data centre's power usage effectiveness; the grid factor is the
/// world average. Set `grid_g_per_kwh` to your grid's (France ≈ 50, Germany ≈ 350).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnergyModel {
    /// Watts drawn by one core while busy (the run is charged per CPU-second).
    pub watts_per_core: f64,
    /// Watts drawn per GB of memory held (charged on peak memory for the wall time).
    pub watts_per_gb: f64,
    /// Power usage effectiveness of the data centre (1.0 for a machine under a desk).
    pub pue: f64,
    /// Grams of CO₂-equivalent emitted per kWh drawn from the grid.
    pub grid_g_per_kwh: f64,
}

impl Default for EnergyModel {
    fn default() -> Self {
        EnergyModel {
            watts_per_core: 3.5,
            watts_per_gb: 0.392,
            pue: 1.135,
            grid_g_per_kwh: 475.0,
        }
    }
}

impl EnergyModel {
    /// Estimated energy of `usage` in watt-hours:
    /// `pue × (cpu_seconds × watts_per_core + wall_seconds × peak_GB × watts_per_gb) / 3600`.
    pub fn watt_hours(&self, usage: &Usage) -> f64 {
        let cpu = usage.cpu_seconds.unwrap_or(usage.wall_seconds) * self.watts_per_core;
        let memory_gb = usage.peak_memory_bytes.unwrap_or(0) as f64 / 1e9;
        let memory = usage.wall_seconds * memory_gb * self.watts_per_gb;
        self.pue * (cpu + memory) / 3600.0
    }

    /// Grams of CO₂e for `watt_hours`.
    pub fn co2e_grams(&self, watt_hours: f64) -> f64 {
        watt_hours / 1000.0 * self.grid_g_per_kwh
    }
}

/// What the process had used at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    at: Instant,
    cpu_seconds: Option<f64>,
    io: Option<(u64, u64)>,
}

/// The cost of the work between a snapshot and now.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Elapsed seconds.
    pub wall_seconds: f64,
    /// User + system CPU seconds of all the process's threads.
    pub cpu_seconds: Option<f64>,
    /// Bytes read: through system calls for a [`Snapshot`] (files, sockets, pipes), from the
    /// lake's object store for a [`RunMeter`].
    pub bytes_read: Option<u64>,
    /// Bytes written, counted the same way as `bytes_read`.
    pub bytes_written: Option<u64>,
    /// Peak resident memory since the snapshot.
    pub peak_memory_bytes: Option<u64>,
}

impl Snapshot {
    /// Takes a snapshot now, and restarts the kernel's peak-memory mark so that the next
    /// `usage()` reports the peak of this interval only.
    pub fn take() -> Snapshot {
        restart_peak();
        Snapshot {
            at: Instant::now(),
            cpu_seconds: cpu_seconds(),
            io: io_bytes(),
        }
    }

    /// What was used since the snapshot.
    pub fn usage(&self) -> Usage {
        let (read, written) = match (self.io, io_bytes()) {
            (Some((r0, w0)), Some((r1, w1))) => {
                (Some(r1.saturating_sub(r0)), Some(w1.saturating_sub(w0)))
            }
            _ => (None, None),
        };
        Usage {
            wall_seconds: self.at.elapsed().as_secs_f64(),
            cpu_seconds: match (self.cpu_seconds, cpu_seconds()) {
                (Some(a), Some(b)) => Some((b - a).max(0.0)),
                _ => None,
            },
            bytes_read: read,
            bytes_written: written,
            peak_memory_bytes: peak_rss(),
        }
    }
}

impl Usage {
    /// The sum of two usages (peak memory: the larger).
    pub fn plus(&self, other: &Usage) -> Usage {
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        Usage {
            wall_seconds: self.wall_seconds + other.wall_seconds,
            cpu_seconds: match (self.cpu_seconds, other.cpu_seconds) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
            },
            bytes_read: add(self.bytes_read, other.bytes_read),
            bytes_written: add(self.bytes_written, other.bytes_written),
            peak_memory_bytes: self.peak_memory_bytes.max(other.peak_memory_bytes),
        }
    }
}

/// What one run did so far: its own counters (rows decoded, bytes through its object store) and
/// its share of the process's CPU time (see the module's documentation). Shared by the run's
/// lake handle and sessions; the run ends with [`RunMeter::finish`] (or when the last handle is
/// dropped).
#[derive(Debug)]
pub struct RunMeter {
    id: u64,
    rows_decoded: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
    /// Object-store requests by kind ([`StoreRequest`] as the index).
    requests: [AtomicU64; StoreRequest::ALL.len()],
    /// The CPU seconds charged once the run finished (f64 bits; `NO_CPU`: unknown).
    final_cpu: AtomicU64,
}

/// A kind of request a run makes to the lake's object store: what a run costs on S3, and
/// which permissions it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreRequest {
    /// Read an object or its metadata (GET, HEAD, ranged GETs).
    Get,
    /// Write a whole object, plain or create-only.
    Put,
    /// A multipart upload (large files), with its parts.
    Multipart,
    /// A multipart upload given up.
    AbortMultipart,
    /// List a prefix.
    List,
    /// Delete objects.
    Delete,
    /// Copy an object (server side).
    Copy,
    /// Rename an object (a copy and a delete on S3).
    Rename,
}

impl StoreRequest {
    /// Every kind.
    pub const ALL: [StoreRequest; 8] = [
        StoreRequest::Get,
        StoreRequest::Put,
        StoreRequest::Multipart,
        StoreRequest::AbortMultipart,
        StoreRequest::List,
        StoreRequest::Delete,
        StoreRequest::Copy,
        StoreRequest::Rename,
    ];
}

const NO_CPU: u64 = u64::MAX;

/// The runs active in the process and the CPU seconds charged to each so far.
struct Ledger {
    /// The process's CPU time at the last event (None: not measurable here).
    last_cpu: Option<f64>,
    /// CPU seconds charged to each active run.
    shares: BTreeMap<u64, f64>,
    next_id: u64,
}

// One per process, because the CPU time it apportions is the process's.
static LEDGER: Mutex<Ledger> = Mutex::new(Ledger {
    last_cpu: None,
    shares: BTreeMap::new(),
    next_id: 0,
});

impl Ledger {
    /// Charges the process's CPU time since the last event to the runs active in between.
    fn settle(&mut self) {
        let now = cpu_seconds();
        if let (Some(last), Some(now)) = (self.last_cpu, now)
            && !self.shares.is_empty()
        {
            let each = (now - last).max(0.0) / self.shares.len() as f64;
            for share in self.shares.values_mut() {
                *share += each;
            }
        }
        self.last_cpu = now;
    }
}

fn ledger() -> std::sync::MutexGuard<'static, Ledger> {
    // The ledger holds plain numbers: a panic elsewhere cannot leave it inconsistent.
    LEDGER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A point in a run, from which [`RunMeter::usage`] measures.
#[derive(Debug, Clone)]
pub struct Mark {
    at: Instant,
    cpu_seconds: Option<f64>,
    rows_decoded: u64,
    bytes_read: u64,
    bytes_written: u64,
}

impl Mark {
    /// Rows decoded from bronze by the run up to this mark.
    pub fn rows_decoded(&self) -> u64 {
        self.rows_decoded
    }
}

impl RunMeter {
    /// Starts metering a run: from now on it takes its share of the process's CPU time.
    pub fn start() -> Arc<RunMeter> {
        let mut ledger = ledger();
        ledger.settle();
        let id = ledger.next_id;
        ledger.next_id += 1;
        ledger.shares.insert(id, 0.0);
        Arc::new(RunMeter {
            id,
            rows_decoded: AtomicU64::new(0),
            bytes_read: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
            requests: Default::default(),
            final_cpu: AtomicU64::new(NO_CPU),
        })
    }

    /// Ends the run's share of the CPU time (idempotent; its figures stay readable).
    pub fn finish(&self) {
        let mut ledger = ledger();
        if ledger.shares.contains_key(&self.id) {
            ledger.settle();
            let share = ledger.shares.remove(&self.id);
            if let (Some(share), Some(_)) = (share, ledger.last_cpu) {
                self.final_cpu.store(share.to_bits(), Ordering::Relaxed);
            }
        }
    }

    /// Counts `n` envelopes decoded from bronze.
    pub fn add_rows_decoded(&self, n: u64) {
        self.rows_decoded.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` bytes read from the lake.
    pub fn add_bytes_read(&self, n: u64) {
        self.bytes_read.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one object-store request of kind `r`.
    pub fn add_request(&self, r: StoreRequest) {
        self.requests[r as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The run's object-store requests so far, by kind (kinds never made are left out).
    pub fn requests(&self) -> Vec<(StoreRequest, u64)> {
        StoreRequest::ALL
            .iter()
            .map(|&r| (r, self.requests[r as usize].load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Counts `n` bytes written to the lake.
    pub fn add_bytes_written(&self, n: u64) {
        self.bytes_written.fetch_add(n, Ordering::Relaxed);
    }

    /// Envelopes decoded from bronze by the run so far.
    pub fn rows_decoded(&self) -> u64 {
        self.rows_decoded.load(Ordering::Relaxed)
    }

    /// CPU seconds charged to the run so far (None where the process's CPU time is unknown).
    pub fn cpu_seconds(&self) -> Option<f64> {
        let mut ledger = ledger();
        if !ledger.shares.contains_key(&self.id) {
            let bits = self.final_cpu.load(Ordering::Relaxed);
            return (bits != NO_CPU).then(|| f64::from_bits(bits));
        }
        ledger.settle();
        ledger.last_cpu?;
        ledger.shares.get(&self.id).copied()
    }

    /// Marks now (a step boundary), and restarts the kernel's peak-memory mark as
    /// [`Snapshot::take`] does.
    pub fn mark(&self) -> Mark {
        restart_peak();
        Mark {
            at: Instant::now(),
            cpu_seconds: self.cpu_seconds(),
            rows_decoded: self.rows_decoded(),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_written: self.bytes_written.load(Ordering::Relaxed),
        }
    }

    /// What the run used since `since`.
    pub fn usage(&self, since: &Mark) -> Usage {
        let now = self.mark_without_reset();
        Usage {
            wall_seconds: now.at.duration_since(since.at).as_secs_f64(),
            cpu_seconds: match (since.cpu_seconds, now.cpu_seconds) {
                (Some(a), Some(b)) => Some((b - a).max(0.0)),
                _ => None,
            },
            bytes_read: Some(now.bytes_read.saturating_sub(since.bytes_read)),
            bytes_written: Some(now.bytes_written.saturating_sub(since.bytes_written)),
            peak_memory_bytes: peak_rss(),
        }
    }

    fn mark_without_reset(&self) -> Mark {
        Mark {
            at: Instant::now(),
            cpu_seconds: self.cpu_seconds(),
            rows_decoded: self.rows_decoded(),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_written: self.bytes_written.load(Ordering::Relaxed),
        }
    }
}

impl Drop for RunMeter {
    fn drop(&mut self) {
        self.finish();
    }
}

/// CPU seconds (user + system) used by the process so far.
pub fn cpu_seconds() -> Option<f64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes into the struct we pass, which is sized for it.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: rc == 0 means the kernel filled the struct.
    let usage = unsafe { usage.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(usage.ru_utime) + secs(usage.ru_stime))
}

/// Returns the memory the allocator holds free to the system (glibc's `malloc_trim`; a no-op
/// elsewhere). glibc keeps what a step freed for later allocations, so a refresh's resident
/// memory never fell between models: the data tests of a 10M incremental refresh started on top
/// of the models' 3.9 GB (docs/performance.md).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The largest peak that [`PeakMark`]s folded in when they restarted the kernel's mark, since
/// the last [`Snapshot::take`] or [`RunMeter::mark`]: so that a model's own peak does not hide
/// the refresh's.
static CARRIED_PEAK: AtomicU64 = AtomicU64::new(0);

/// Restarts the kernel's peak-memory mark for a new interval: "5" resets VmHWM to the current
/// RSS (Linux ≥ 4.0); elsewhere the peak stays the process's since it started, which is still
/// an upper bound.
fn restart_peak() {
    reset_vm_hwm();
    CARRIED_PEAK.store(0, Ordering::Relaxed);
}

/// Resets the kernel's mark (VmHWM) to the current RSS, where the kernel allows it.
fn reset_vm_hwm() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of the process (since start, or since the last `Snapshot::take` or
/// `RunMeter::mark`, the peaks of [`PeakMark`]s within included).
pub fn peak_rss() -> Option<u64> {
    vm_hwm().map(|peak| peak.max(CARRIED_PEAK.load(Ordering::Relaxed)))
}

/// The kernel's peak-memory mark (VmHWM), in bytes.
fn vm_hwm() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The peak resident memory of a stretch of work within a longer one (a model of a refresh,
/// whose run or bench stage measures its own peak): starting one restarts the kernel's mark
/// and keeps the peak before it for [`peak_rss`].
#[derive(Debug)]
pub struct PeakMark(());

impl PeakMark {
    /// Starts the stretch.
    pub fn start() -> PeakMark {
        if let Some(peak) = vm_hwm() {
            CARRIED_PEAK.fetch_max(peak, Ordering::Relaxed);
        }
        reset_vm_hwm();
        PeakMark(())
    }

    /// Peak resident memory since the start (the process's peak where the mark cannot be
    /// restarted).
    pub fn peak(&self) -> Option<u64> {
        vm_hwm()
    }
}

/// Bytes read and written through system calls (`rchar`, `wchar` of `/proc/self/io`).
fn io_bytes() -> Option<(u64, u64)> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    let field = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some((field("rchar:")?, field("wchar:")?))
}

/// The host name, for the run log and the audit trail.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc == 0 {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        if let Ok(name) = std::str::from_utf8(&buf[..end])
            && !name.is_empty()
        {
            return name.to_string();
        }
    }
    "unknown-host".to_string()
}

/// This process as the run log, the audit trail and leases name it: `host pid N`.
pub fn process_label() -> String {
    format!("{} pid {}", host_name(), std::process::id())
}

/// The host and process id of a [`process_label`], when it is one.
pub fn parse_process_label(label: &str) -> Option<(&str, u32)> {
    let (host, pid) = label.rsplit_once(" pid ")?;
    Some((host, pid.parse().ok()?))
}

/// False when no process `pid` exists on this host (a crashed or killed holder). True when it
/// exists or cannot be told (another user's process answers EPERM: it exists).
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// The user running the process (`$USER`, `$LOGNAME`, else the numeric uid).
pub fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| {
            // SAFETY: getuid cannot fail.
            format!("uid {}", unsafe { libc::getuid() })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's peak mark is the process's: tests that restart it run one at a time.
    static PEAK: Mutex<()> = Mutex::new(());

    fn peak_lock() -> std::sync::MutexGuard<'static, ()> {
        PEAK.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[test]
    fn busy_work_shows_in_cpu_time_and_energy() {
        let _one = peak_lock();
        let snap = Snapshot::take();
        let mut x = 0u64;
        let started = Instant::now();
        // Spin until 0.15 s of CPU time is counted, not for a wall time: on a loaded machine
        // 200 ms of wall time gave this thread less than 0.1 s of CPU (CI, beside a refresh).
        // Counted wrong, the time runs out and the assertions below fail.
        let spun = |snap: &Snapshot| snap.usage().cpu_seconds.unwrap_or(0.0) >= 0.15;
        while started.elapsed().as_millis() < 200
            || (!spun(&snap) && started.elapsed().as_secs() < 20)
        {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
        }
        std::hint::black_box(x);
        std::fs::write(
            std::env::temp_dir().join("joblake-meter-test"),
            vec![7u8; 100_000],
        )
        .expect("write");
        let usage = snap.usage();
        assert!(usage.wall_seconds >= 0.2);
        let cpu = usage.cpu_seconds.expect("getrusage works on Linux");
        assert!(cpu > 0.1, "cpu {cpu}");
        assert!(usage.bytes_written.expect("/proc/self/io") >= 100_000);
        assert!(usage.peak_memory_bytes.expect("/proc/self/status") > 1_000_000);
        let model = EnergyModel::default();
        let wh = model.watt_hours(&usage);
        // At least the CPU term: cpu × 3.5 W × PUE / 3600.
        assert!(wh >= cpu * 3.5 * 1.135 / 3600.0, "{wh}");
        assert!((model.co2e_grams(1000.0) - 475.0).abs() < 1e-9);
    }

    fn spin(ms: u128) {
        let mut x = 0u64;
        let started = Instant::now();
        while started.elapsed().as_millis() < ms {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
    }

    #[test]
    fn overlapping_runs_share_the_cpu_and_keep_their_own_counters() {
        let _one = peak_lock();
        let process_before = cpu_seconds().expect("getrusage works on Linux");
        let a = RunMeter::start();
        let b = RunMeter::start();
        let (mark_a, mark_b) = (a.mark(), b.mark());
        a.add_rows_decoded(10);
        a.add_bytes_written(100);
        b.add_bytes_read(7);
        spin(200);
        b.finish();
        spin(100);
        let (usage_a, usage_b) = (a.usage(&mark_a), b.usage(&mark_b));
        let process = cpu_seconds().expect("getrusage") - process_before;
        let (cpu_a, cpu_b) = (
            usage_a.cpu_seconds.expect("cpu"),
            usage_b.cpu_seconds.expect("cpu"),
        );
        // Other tests of this binary may run meters too: the shares can only be smaller.
        assert!(
            cpu_a + cpu_b <= process + 1e-6,
            "{cpu_a} + {cpu_b} > {process}"
        );
        // A ran alone for the last 100 ms: it got more than B.
        assert!(cpu_a > cpu_b, "{cpu_a} <= {cpu_b}");
        assert!(cpu_b > 0.0);
        assert_eq!(a.rows_decoded() - mark_a.rows_decoded(), 10);
        assert_eq!(usage_a.bytes_written, Some(100));
        assert_eq!(usage_a.bytes_read, Some(0));
        assert_eq!(usage_b.bytes_read, Some(7));
        assert_eq!(b.rows_decoded(), 0);
        // A finished run no longer takes a share.
        let after = b.cpu_seconds();
        spin(50);
        assert_eq!(b.cpu_seconds(), after);
    }

    #[test]
    fn a_stretch_has_its_own_peak_and_the_longer_one_keeps_its_own() {
        let _one = peak_lock();
        let snap = Snapshot::take();
        let first = PeakMark::start();
        // 64 MB, touched so that it is resident, then freed.
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        drop(block);
        let held = first.peak().expect("/proc/self/status");
        assert!(held >= 64 << 20, "{held}");
        // A later stretch restarts the kernel's mark: the snapshot still sees the 64 MB.
        let second = PeakMark::start();
        assert!(second.peak().is_some());
        let whole = snap.usage().peak_memory_bytes.expect("peak");
        assert!(whole >= 64 << 20, "the interval's peak was lost: {whole}");
        assert!(peak_rss().expect("peak") >= 64 << 20);
    }
}
