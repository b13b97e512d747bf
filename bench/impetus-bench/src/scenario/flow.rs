//! One direction of a message pair: the writer that sends numbered, timestamped messages
//! (within a window, or paced at a rate) and the reader on the other session that records
//! latency, duplicates and what arrived, so loss can be counted at the end.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use impetus_xml::StreamEvent;
use tokio::sync::{Notify, watch};

use crate::conn::{ReadSide, WriteSide, write_flush};
use crate::hist::Histogram;
use crate::login::CLIENT_NS;
use crate::progress::Counter;

/// Highest sequence number a reader accepts (larger ones are garbage, not a reason to
/// allocate gigabytes).
const MAX_SEQ: u64 = 1 << 34;

/// Most messages one paced writer sends in one write.
const MAX_BATCH: u64 = 1024;

/// Shared between a direction's writer and its reader.
#[derive(Debug, Default)]
pub struct Flow {
    /// Messages sent so far (the next sequence number).
    pub sent: AtomicU64,
    /// Distinct messages received so far.
    pub received: AtomicU64,
    /// Wakes the writer when the window opens.
    pub window_open: Notify,
}

/// How a writer decides when to send.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Closed loop: keep this many messages in flight.
    Window(u64),
    /// Open loop: `rate` messages per second, also stamped with their due time; message `n`
    /// is due at `(n + phase) / rate` seconds (a phase in 0..1 spreads the writers out).
    Rate {
        /// Messages per second.
        rate: f64,
        /// Offset in units of the interval.
        phase: f64,
    },
}

/// Nanoseconds from `epoch` to `at`.
fn ns_since(epoch: Instant, at: Instant) -> u64 {
    at.saturating_duration_since(epoch).as_nanos() as u64
}

/// What a message body carries: the run it belongs to, its number and when it was sent (ns
/// since the epoch), and for paced messages when it was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// A random number per run: messages of an earlier run (offline storage) are told apart.
    pub run: u32,
    /// Sequence number within its direction.
    pub seq: u64,
    /// When it was written.
    pub sent: u64,
    /// When it was due (paced mode only).
    pub due: Option<u64>,
}

/// Appends one message stanza: `prefix` is `<message to='..' type='chat'><body>`.
fn push_message(out: &mut String, prefix: &str, stamp: Stamp, padding: &str) {
    out.push_str(prefix);
    let _ = write!(out, "{} {} {}", stamp.run, stamp.seq, stamp.sent);
    if let Some(due) = stamp.due {
        let _ = write!(out, " {due}");
    }
    out.push_str(padding);
    out.push_str("</body></message>");
}

/// Parses a body written by [`push_message`] (or a presence status `run seq sent`).
pub fn parse_body(body: &str) -> Option<Stamp> {
    let mut words = body.split(' ');
    let run = words.next()?.parse().ok()?;
    let seq = words.next()?.parse().ok()?;
    let sent = words.next()?.parse().ok()?;
    let due = words.next().and_then(|w| w.parse().ok());
    Some(Stamp {
        run,
        seq,
        sent,
        due,
    })
}

/// What a writer needs.
pub struct Writer {
    /// Where to write.
    pub io: WriteSide,
    /// The stanza prefix up to the body text.
    pub prefix: String,
    /// Padding appended to every body.
    pub padding: String,
    /// The direction's shared state.
    pub flow: Arc<Flow>,
    /// Window or rate.
    pub pace: Pace,
    /// The run id stamped on every message.
    pub run: u32,
    /// Time zero of the send phase.
    pub epoch: Instant,
    /// Becomes true when sending must stop.
    pub stop: watch::Receiver<bool>,
    /// Messages sent by all writers.
    pub total: Counter,
}

impl Writer {
    /// Sends until told to stop (or the connection fails); gives the write side back.
    pub async fn run(mut self) -> WriteSide {
        let mut buf = String::with_capacity(4096);
        loop {
            if *self.stop.borrow() {
                break;
            }
            let sent = self.flow.sent.load(Ordering::Relaxed);
            let (count, paced) = match self.pace {
                Pace::Window(window) => {
                    let inflight = sent.saturating_sub(self.flow.received.load(Ordering::Relaxed));
                    if inflight >= window {
                        tokio::select! {
                            _ = self.flow.window_open.notified() => continue,
                            _ = self.stop.changed() => break,
                        }
                    }
                    (window - inflight, None)
                }
                Pace::Rate { rate, phase } => {
                    let x = self.epoch.elapsed().as_secs_f64() * rate - phase;
                    let due = if x < 0.0 { 0 } else { x.floor() as u64 + 1 };
                    if due <= sent {
                        let next = Duration::from_secs_f64((sent as f64 + phase) / rate);
                        let next = self.epoch + next;
                        tokio::select! {
                            _ = tokio::time::sleep_until(next.into()) => continue,
                            _ = self.stop.changed() => break,
                        }
                    }
                    ((due - sent).min(MAX_BATCH), Some((rate, phase)))
                }
            };
            buf.clear();
            let now = ns_since(self.epoch, Instant::now());
            for seq in sent..sent + count {
                // Paced messages also carry when they were due, so the tool's own delays
                // (timer granularity, falling behind) show in the schedule latency.
                let due = paced.map(|(rate, phase)| ((seq as f64 + phase) / rate * 1e9) as u64);
                let stamp = Stamp {
                    run: self.run,
                    seq,
                    sent: now,
                    due,
                };
                push_message(&mut buf, &self.prefix, stamp, &self.padding);
            }
            self.flow.sent.fetch_add(count, Ordering::Relaxed);
            self.total.fetch_add(count, Ordering::Relaxed);
            if write_flush(&mut self.io, buf.as_bytes()).await.is_err() {
                break;
            }
        }
        self.io
    }
}

/// Which sequence numbers arrived.
#[derive(Debug, Default)]
pub struct Seen {
    bits: Vec<u64>,
    /// Distinct numbers seen.
    pub unique: u64,
}

impl Seen {
    /// Marks `seq`; false if it was already seen.
    pub fn insert(&mut self, seq: u64) -> bool {
        let (word, bit) = ((seq / 64) as usize, 1u64 << (seq % 64));
        if word >= self.bits.len() {
            self.bits.resize((word + 1).next_power_of_two(), 0);
        }
        let fresh = self.bits[word] & bit == 0;
        self.bits[word] |= bit;
        self.unique += u64::from(fresh);
        fresh
    }
}

/// What a reader saw.
#[derive(Debug, Default)]
pub struct Received {
    /// One-way latency of first deliveries from their write (ns).
    pub latency: Histogram,
    /// Latency of paced first deliveries from when they were due (ns).
    pub from_due: Histogram,
    /// Sequence numbers seen.
    pub seen: Seen,
    /// Messages that arrived more than once.
    pub duplicated: u64,
    /// Error stanzas and messages whose body could not be read.
    pub errors: u64,
    /// Messages of another run (delivered from offline storage).
    pub stale: u64,
    /// Whether the server closed the stream.
    pub closed: bool,
}

/// What a reader needs.
pub struct Reader {
    /// Where to read.
    pub io: ReadSide,
    /// The state of the direction this session receives.
    pub flow: Arc<Flow>,
    /// The run id of this run's messages.
    pub run: u32,
    /// Time zero of the send phase.
    pub epoch: Instant,
    /// Becomes true when reading must stop.
    pub stop: watch::Receiver<bool>,
    /// Messages delivered to all readers.
    pub total: Counter,
}

impl Reader {
    /// Reads until told to stop or the stream ends.
    pub async fn run(mut self) -> Received {
        let mut got = Received::default();
        loop {
            let now = ns_since(self.epoch, Instant::now());
            let mut fresh = 0;
            loop {
                match self.io.buffered_event() {
                    Ok(Some(StreamEvent::Stanza(e))) if e.name == "message" => {
                        let parsed = e
                            .child("body", CLIENT_NS)
                            .and_then(|b| parse_body(&b.text()));
                        match parsed {
                            Some(st) if st.run != self.run => got.stale += 1,
                            Some(st) if e.attr("type") != Some("error") && st.seq < MAX_SEQ => {
                                if got.seen.insert(st.seq) {
                                    fresh += 1;
                                    got.latency.record(now.saturating_sub(st.sent));
                                    if let Some(due) = st.due {
                                        got.from_due.record(now.saturating_sub(due));
                                    }
                                } else {
                                    got.duplicated += 1;
                                }
                            }
                            _ => got.errors += 1,
                        }
                    }
                    Ok(Some(StreamEvent::Stanza(e))) if e.name != "error" => {}
                    Ok(Some(StreamEvent::Header(_))) => {}
                    Ok(Some(_)) | Err(_) => {
                        // A stream error, the close tag or unreadable XML: the stream is over.
                        got.closed = true;
                        break;
                    }
                    Ok(None) => break,
                }
            }
            if fresh > 0 {
                self.flow.received.fetch_add(fresh, Ordering::Relaxed);
                self.flow.window_open.notify_one();
                self.total.fetch_add(fresh, Ordering::Relaxed);
            }
            if got.closed || *self.stop.borrow() {
                return got;
            }
            tokio::select! {
                r = self.io.fill() => if r.is_err() { got.closed = true; return got; },
                _ = self.stop.changed() => return got,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip() {
        let mut out = String::new();
        let stamp = Stamp {
            run: 5,
            seq: 42,
            sent: 123_456,
            due: None,
        };
        push_message(
            &mut out,
            "<message to='b@x/r' type='chat'><body>",
            stamp,
            " xxx",
        );
        assert_eq!(
            out,
            "<message to='b@x/r' type='chat'><body>5 42 123456 xxx</body></message>"
        );
        let plain = Some(stamp);
        assert_eq!(parse_body("5 42 123456 xxx"), plain);
        assert_eq!(parse_body("5 42 123456"), plain);
        assert_eq!(parse_body("42 123456"), None);
        let paced = Stamp {
            run: 1,
            seq: 7,
            sent: 900,
            due: Some(850),
        };
        let mut out = String::new();
        push_message(&mut out, "", paced, " xx");
        assert_eq!(out, "1 7 900 850 xx</body></message>");
        assert_eq!(parse_body("1 7 900 850 xx"), Some(paced));
        assert_eq!(parse_body("hello"), None);
        assert_eq!(parse_body(""), None);
    }

    #[tokio::test]
    async fn reader_counts_fresh_duplicate_stale_and_bad_messages() {
        use crate::conn::Conn;
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let client = Conn::connect(addr).await.expect("connect");
        let (mut server, _) = listener.accept().await.expect("accept");
        let (read, _write) = client.split();
        let flow = Arc::new(Flow::default());
        let (_stop, stop) = watch::channel(false);
        let total = crate::progress::counter();
        let epoch = Instant::now();
        let reader = tokio::spawn(
            Reader {
                io: read,
                flow: flow.clone(),
                run: 7,
                epoch,
                stop,
                total: total.clone(),
            }
            .run(),
        );
        let m = |body: &str| format!("<message type='chat'><body>{body}</body></message>");
        let stream = [
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
                .to_owned(),
            m("7 0 10"),
            m("7 1 10"),
            m("7 0 10"),
            m("8 0 10"),
            m("hello"),
            "<presence/></stream:stream>".to_owned(),
        ]
        .concat();
        server.write_all(stream.as_bytes()).await.expect("write");
        let got = reader.await.expect("reader");
        assert_eq!(got.seen.unique, 2);
        assert_eq!((got.duplicated, got.stale, got.errors), (1, 1, 1));
        assert!(got.closed);
        assert_eq!(got.latency.summary_ms()["count"], 2);
        assert_eq!(flow.received.load(Ordering::Relaxed), 2);
        assert_eq!(total.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn seen_counts_unique_and_duplicates() {
        let mut seen = Seen::default();
        assert!(seen.insert(0));
        assert!(seen.insert(1000));
        assert!(!seen.insert(1000));
        assert!(seen.insert(63));
        assert!(seen.insert(64));
        assert_eq!(seen.unique, 4);
    }
}
