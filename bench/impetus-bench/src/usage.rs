//! CPU and memory accounting: the tool's own CPU time (getrusage), and the server's CPU time
//! and resident memory read from /proc when its PID is given, so a report shows which side
//! saturated.

use std::time::Instant;

use serde_json::{Value, json};

/// User and system CPU seconds of this process.
fn own_cpu() -> (f64, f64) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a properly sized rusage.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return (0.0, 0.0);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}

/// `VmRSS` in KiB from the text of `/proc/PID/status`.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime in clock ticks from the text of `/proc/PID/stat`.
fn parse_stat_ticks(stat: &str) -> Option<u64> {
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 (index 0 here), utime field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The resident set size of process `pid` in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    parse_vm_rss(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// CPU seconds (user + system) used so far by process `pid`.
fn process_cpu(pid: u32) -> Option<f64> {
    let ticks = parse_stat_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Some(ticks as f64 / if hz > 0 { hz as f64 } else { 100.0 })
}

/// CPU use of the tool (and of the server, when its PID is known) over one phase.
pub struct Meter {
    started: Instant,
    own: (f64, f64),
    server: Option<(u32, f64)>,
}

/// What a [`Meter`] saw.
pub struct Measured {
    /// Wall-clock seconds.
    pub wall: f64,
    /// The server's CPU seconds, if its PID was given and readable.
    pub server_cpu: Option<f64>,
    json: Value,
}

impl Measured {
    /// `{"wall_s", "tool_cpu": {...}, "server_cpu": {...}}` fields for the summary.
    pub fn json(&self) -> Value {
        self.json.clone()
    }
}

impl Meter {
    /// Starts measuring.
    pub fn start(server_pid: Option<u32>) -> Meter {
        Meter {
            started: Instant::now(),
            own: own_cpu(),
            server: server_pid.and_then(|pid| process_cpu(pid).map(|cpu| (pid, cpu))),
        }
    }

    /// The CPU used since [`Meter::start`].
    pub fn finish(&self) -> Measured {
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        let (user, sys) = own_cpu();
        let (user, sys) = (user - self.own.0, sys - self.own.1);
        let pct = |cpu: f64| (cpu / wall * 1000.0).round() / 10.0;
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        let server_cpu = self
            .server
            .and_then(|(pid, before)| process_cpu(pid).map(|now| now - before));
        let mut json = json!({
            "wall_s": round(wall),
            "tool_cpu": {"user_s": round(user), "sys_s": round(sys), "pct_of_wall": pct(user + sys)},
        });
        if let Some(cpu) = server_cpu {
            json["server_cpu"] = json!({"cpu_s": round(cpu), "pct_of_wall": pct(cpu)});
        }
        Measured {
            wall,
            server_cpu,
            json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        let status = "Name:\timpetus\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(12345));
        assert_eq!(parse_vm_rss("Name: x\n"), None);
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
        assert_eq!(parse_stat_ticks(stat), Some(325));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn measures_this_process() {
        let pid = std::process::id();
        assert!(rss_kib(pid).is_some_and(|kib| kib > 0));
        let meter = Meter::start(Some(pid));
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let m = meter.finish();
        assert!(m.wall > 0.0);
        assert!(m.server_cpu.is_some());
        assert!(m.json()["tool_cpu"]["pct_of_wall"].as_f64().is_some());
    }
}
