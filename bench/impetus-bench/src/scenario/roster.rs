//! The per-user tasks of the `presence` scenario: a writer that subscribes to the user's
//! contacts and later broadcasts timestamped presence, and a reader that accepts
//! subscription requests, acknowledges roster pushes and records presence deliveries.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use impetus_xml::{StreamEvent, escape_attr};
use tokio::sync::{mpsc, watch};

use super::flow::parse_body;
use crate::conn::{ReadSide, WriteSide, write_flush};
use crate::hist::Histogram;
use crate::login::CLIENT_NS;
use crate::progress::Counter;

/// Where the scenario is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Subscribing to contacts.
    Setup,
    /// Broadcasting presence.
    Broadcast,
    /// Done sending.
    Stop,
}

/// The contacts of user `i` among `n`: ring neighbours at distance 1..=roster/2 both ways.
pub fn contacts(i: usize, n: usize, roster: usize) -> Vec<usize> {
    let half = (roster / 2).min(n.saturating_sub(1) / 2);
    (1..=half)
        .flat_map(|d| [(i + d) % n, (i + n - d % n) % n])
        .collect()
}

/// `<presence to='..' type='..'/>`.
fn presence_to(to: &str, kind: &str) -> String {
    let mut s = String::from("<presence to='");
    escape_attr(to, &mut s);
    s.push_str("' type='");
    s.push_str(kind);
    s.push_str("'/>");
    s
}

/// The writing task of one user.
pub struct RosterWriter {
    /// Where to write.
    pub io: WriteSide,
    /// Bare JIDs of the contacts.
    pub contacts: Vec<String>,
    /// Raw stanzas the reader wants sent (subscription approvals, push acknowledgements).
    pub replies: mpsc::UnboundedReceiver<String>,
    /// Scenario phase.
    pub phase: watch::Receiver<Phase>,
    /// Time between this user's broadcasts.
    pub period: Duration,
    /// Delay of this user's first broadcast after the phase starts.
    pub offset: Duration,
    /// Time zero of the broadcast phase (read when it starts).
    pub epoch: Arc<std::sync::OnceLock<Instant>>,
    /// The run id stamped on every broadcast.
    pub run: u32,
    /// Broadcasts sent by all users.
    pub broadcasts: Counter,
}

impl RosterWriter {
    /// Runs until the phase is `Stop` or the connection fails; gives the write side back.
    pub async fn run(mut self) -> WriteSide {
        let mut out =
            String::from("<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>");
        for c in &self.contacts {
            out.push_str(&presence_to(c, "subscribe"));
        }
        if write_flush(&mut self.io, out.as_bytes()).await.is_err() {
            return self.io;
        }
        let mut ticker: Option<tokio::time::Interval> = None;
        let mut seq = 0u64;
        loop {
            let tick = async {
                match ticker.as_mut() {
                    Some(t) => t.tick().await,
                    None => std::future::pending().await,
                }
            };
            let data = tokio::select! {
                reply = self.replies.recv() => match reply {
                    Some(r) => r,
                    None => break,
                },
                _ = tick => {
                    let now = Instant::now();
                    let t = now.saturating_duration_since(self.epoch.get().copied().unwrap_or(now)).as_nanos();
                    seq += 1;
                    self.broadcasts.fetch_add(1, Ordering::Relaxed);
                    format!("<presence><status>{} {seq} {t}</status></presence>", self.run)
                }
                changed = self.phase.changed() => {
                    let phase = *self.phase.borrow();
                    match (changed, phase) {
                        (Ok(()), Phase::Broadcast) => {
                            let start = self.epoch.get().copied().unwrap_or_else(Instant::now);
                            ticker = Some(tokio::time::interval_at((start + self.offset).into(), self.period));
                            continue;
                        }
                        (Ok(()), Phase::Setup) => continue,
                        _ => break,
                    }
                }
            };
            if write_flush(&mut self.io, data.as_bytes()).await.is_err() {
                break;
            }
        }
        self.io
    }
}

/// What one user's reader saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Latency of broadcast deliveries (ns).
    pub latency: Histogram,
    /// Broadcast deliveries.
    pub deliveries: u64,
    /// Whether the server closed the stream.
    pub closed: bool,
}

/// The reading task of one user.
pub struct RosterReader {
    /// Where to read.
    pub io: ReadSide,
    /// The user's own bare JID (its own presence comes back to it and is not counted).
    pub own: String,
    /// Sends stanzas through the writer.
    pub replies: mpsc::UnboundedSender<String>,
    /// Stop reading when this becomes true.
    pub stop: watch::Receiver<bool>,
    /// Time zero of the broadcast phase.
    pub epoch: Arc<std::sync::OnceLock<Instant>>,
    /// The run id of this run's broadcasts.
    pub run: u32,
    /// `subscribed` answers received by all users.
    pub subscribed: Counter,
    /// Broadcast deliveries to all users.
    pub delivered: Counter,
}

impl RosterReader {
    /// Reads until told to stop or the stream ends.
    pub async fn run(mut self) -> Seen {
        let mut seen = Seen::default();
        loop {
            loop {
                let e = match self.io.buffered_event() {
                    Ok(None) => break,
                    Ok(Some(StreamEvent::Stanza(e))) => e,
                    Ok(Some(StreamEvent::Header(_))) => continue,
                    Ok(Some(StreamEvent::Close)) | Err(_) => {
                        seen.closed = true;
                        return seen;
                    }
                };
                let from = e.attr("from").unwrap_or_default();
                let bare = from.split('/').next().unwrap_or_default();
                match (e.name.as_str(), e.attr("type")) {
                    ("presence", Some("subscribe")) => {
                        let _ = self.replies.send(presence_to(bare, "subscribed"));
                    }
                    ("presence", Some("subscribed")) => {
                        self.subscribed.fetch_add(1, Ordering::Relaxed);
                    }
                    ("presence", None) if bare != self.own => {
                        let status = e.child("status", CLIENT_NS).map(|s| s.text());
                        let epoch = self.epoch.get().copied();
                        let stamp = status.as_deref().and_then(parse_body);
                        if let (Some(stamp), Some(epoch)) =
                            (stamp.filter(|s| s.run == self.run), epoch)
                        {
                            let now =
                                Instant::now().saturating_duration_since(epoch).as_nanos() as u64;
                            seen.latency.record(now.saturating_sub(stamp.sent));
                            seen.deliveries += 1;
                            self.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    ("iq", Some("set" | "get")) => {
                        // Roster pushes (RFC 6121 §2.1.6) and pings: acknowledge them.
                        let mut ack = String::from("<iq type='result' id='");
                        escape_attr(e.attr("id").unwrap_or_default(), &mut ack);
                        ack.push_str("'/>");
                        let _ = self.replies.send(ack);
                    }
                    ("error", _) => {
                        seen.closed = true;
                        return seen;
                    }
                    _ => {}
                }
            }
            tokio::select! {
                r = self.io.fill() => if r.is_err() { seen.closed = true; return seen; },
                _ = self.stop.changed() => return seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_symmetric_ring_neighbours() {
        let n = 10;
        for i in 0..n {
            let c = contacts(i, n, 4);
            assert_eq!(c.len(), 4);
            assert!(!c.contains(&i));
            for j in c {
                assert!(contacts(j, n, 4).contains(&i), "{i} and {j}");
            }
        }
        assert_eq!(contacts(0, 10, 4), vec![1, 9, 2, 8]);
        assert_eq!(contacts(0, 3, 10).len(), 2);
        assert_eq!(
            presence_to("a@b", "subscribe"),
            "<presence to='a@b' type='subscribe'/>"
        );
    }
}
