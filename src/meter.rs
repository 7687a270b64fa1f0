//! What a step cost: wall and CPU time, bytes read and written, peak memory, and the energy
//! and CO₂e those figures imply under a documented power model (see `docs/operations.md`).
//!
//! The figures are the process's own (getrusage, `/proc/self/io`, `/proc/self/status`): a run
//! executes its steps one after the other, so the difference between two snapshots is the
//! step's. On systems without `/proc` the byte and memory figures are left empty.

// getrusage, gethostname and getuid have no safe wrapper in the standard library; each call
// below is a plain libc call on memory it owns.
#![allow(unsafe_code)]

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
    /// Bytes read through system calls: files, sockets (an S3 lake, an API), pipes.
    pub bytes_read: Option<u64>,
    /// Bytes written through system calls.
    pub bytes_written: Option<u64>,
    /// Peak resident memory since the snapshot.
    pub peak_memory_bytes: Option<u64>,
}

impl Snapshot {
    /// Takes a snapshot now, and restarts the kernel's peak-memory mark so that the next
    /// `usage()` reports the peak of this interval only.
    pub fn take() -> Snapshot {
        // "5" resets VmHWM to the current RSS (Linux ≥ 4.0); elsewhere the peak is the
        // process's since it started, which is still an upper bound.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
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

/// Peak resident memory of the process (since start, or since the last `Snapshot::take`).
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
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

    #[test]
    fn busy_work_shows_in_cpu_time_and_energy() {
        let snap = Snapshot::take();
        let mut x = 0u64;
        let started = Instant::now();
        while started.elapsed().as_millis() < 200 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
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
}
