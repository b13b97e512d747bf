//! The log file writer: one thread per log file, fed through a bounded channel, so recording
//! never blocks the event loop. When the channel is full (the disk stalls) records are dropped
//! and counted instead of waiting. Writers are shared by path across configuration generations
//! ([`Writers`]), so sessions still running under an old generation write to the same file and
//! a `reopen logs` reaches every record; a writer's thread ends, after flushing, when the last
//! generation that used it is gone (its channel closes).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

/// Records queued before new ones are dropped.
const QUEUE: usize = 65_536;

enum Command {
    Line(String),
    Reopen,
    Flush(std::sync::mpsc::Sender<()>),
}

/// The writer of one log file.
pub struct Writer {
    path: PathBuf,
    sender: SyncSender<Command>,
    written: AtomicU64,
    dropped: AtomicU64,
}

impl Writer {
    /// Opens (creating it with `mode` if needed) `path` now, so errors surface at once, and
    /// starts the writer thread.
    pub fn open(path: &Path, mode: u32) -> io::Result<Arc<Writer>> {
        let file = open_log(path, mode)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(QUEUE);
        let thread_path = path.to_owned();
        std::thread::Builder::new()
            .name("xmpp_logger".into())
            .spawn(move || run(&receiver, &thread_path, mode, file))?;
        Ok(Arc::new(Writer {
            path: path.to_owned(),
            sender,
            written: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }))
    }

    /// Queues one record (a line ending in `\n`); never blocks.
    pub fn write(&self, line: String) {
        match self.sender.try_send(Command::Line(line)) {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(logfile = %self.path.display(), dropped, "The xmpp_logger queue is full; records are being dropped");
                }
            }
        }
    }

    /// Asks the thread to reopen the file (after logrotate moved it); never blocks.
    pub fn reopen(&self) {
        let _ = self.sender.try_send(Command::Reopen);
    }

    /// Waits up to `timeout` until everything queued so far is written; false on timeout.
    pub fn flush(&self, timeout: Duration) -> bool {
        let (done, wait) = std::sync::mpsc::channel();
        self.sender.try_send(Command::Flush(done)).is_ok() && wait.recv_timeout(timeout).is_ok()
    }

    /// Records queued so far and records dropped because the queue was full.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.written.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }
}

/// Opens the log for appending; a file created here gets exactly `mode` (whatever the umask).
fn open_log(path: &Path, mode: u32) -> io::Result<File> {
    match OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(mode)
        .open(path)
    {
        Ok(file) => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            Ok(file)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            OpenOptions::new().append(true).open(path)
        }
        Err(e) => Err(e),
    }
}

/// The writer thread: writes what arrives, flushing whenever the queue is empty.
fn run(receiver: &Receiver<Command>, path: &Path, mode: u32, file: File) {
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    let mut failing = false;
    while let Ok(command) = receiver.recv() {
        let mut next = Some(command);
        while let Some(command) = next {
            let result = match command {
                Command::Line(line) => out.write_all(line.as_bytes()),
                Command::Reopen => out.flush().and_then(|()| {
                    out = BufWriter::with_capacity(64 * 1024, open_log(path, mode)?);
                    Ok(())
                }),
                Command::Flush(done) => {
                    let flushed = out.flush();
                    let _ = done.send(());
                    flushed
                }
            };
            report(&mut failing, path, result);
            next = receiver.try_recv().ok();
        }
        report(&mut failing, path, out.flush());
    }
    report(&mut failing, path, out.flush());
}

/// Logs a write error once, until writing works again.
fn report(failing: &mut bool, path: &Path, result: io::Result<()>) {
    match result {
        Ok(()) if *failing => {
            *failing = false;
            tracing::info!(logfile = %path.display(), "Writing the XMPP log works again");
        }
        Ok(()) => {}
        Err(e) if !*failing => {
            *failing = true;
            tracing::error!(logfile = %path.display(), error = %e, "Cannot write the XMPP log");
        }
        Err(_) => {}
    }
}

/// The open writers by path, shared by every generation (kept in `Services`).
#[derive(Default)]
pub struct Writers {
    open: Mutex<HashMap<PathBuf, Weak<Writer>>>,
}

impl Writers {
    /// The writer of `path`, opening it if no live generation uses it yet.
    pub fn get(&self, path: &Path, mode: u32) -> io::Result<Arc<Writer>> {
        let mut open = self.open.lock();
        if let Some(writer) = open.get(path).and_then(Weak::upgrade) {
            return Ok(writer);
        }
        let writer = Writer::open(path, mode)?;
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(path.to_owned(), Arc::downgrade(&writer));
        Ok(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn lines_are_appended_and_the_mode_is_exact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("xmpplog.ec");
        std::fs::write(dir.path().join("other"), "").expect("touch");
        let writer = Writer::open(&path, 0o640).expect("open");
        writer.write("1+M\n".into());
        writer.write("2+M\n".into());
        assert!(writer.flush(WAIT));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "1+M\n2+M\n");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(writer.counts(), (2, 0));
    }

    #[test]
    fn reopen_follows_a_rotation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("xmpplog.ec");
        let writer = Writer::open(&path, 0o644).expect("open");
        writer.write("before\n".into());
        assert!(writer.flush(WAIT));
        let rotated = dir.path().join("xmpplog.ec.1");
        std::fs::rename(&path, &rotated).expect("rotate");
        writer.write("still old\n".into());
        writer.reopen();
        writer.write("after\n".into());
        assert!(writer.flush(WAIT));
        assert_eq!(
            std::fs::read_to_string(&rotated).expect("rotated"),
            "before\nstill old\n"
        );
        assert_eq!(std::fs::read_to_string(&path).expect("new"), "after\n");
    }

    #[test]
    fn writers_are_shared_by_path_while_alive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let writers = Writers::default();
        let first = writers.get(&path, 0o644).expect("open");
        let second = writers.get(&path, 0o644).expect("open");
        assert!(Arc::ptr_eq(&first, &second));
        drop((first, second));
        let third = writers.get(&path, 0o644).expect("reopen");
        assert_eq!(Arc::strong_count(&third), 1);
        assert!(
            writers
                .get(&dir.path().join("missing/dir/log"), 0o644)
                .is_err()
        );
    }
}
