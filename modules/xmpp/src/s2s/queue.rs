//! One outgoing link per (local, remote) domain pair: a queue of stanzas and the task that
//! establishes the stream and drains the queue. Stanzas wait while the stream is established,
//! are removed only once written, and bounce (remote-server-not-found / -timeout) when it
//! cannot be; a stream lost mid-way is re-established once for what is still queued, so
//! nothing is sent twice and nothing is dropped silently.

use std::collections::VecDeque;
use std::sync::Arc;

use impetus_runtime::Generation;
use impetus_runtime::metrics::S2S_QUEUED;
use impetus_xml::{Element, StreamEvent};
use impetus_xmpp_proto::ns;
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::outgoing::{self, Established, Failure};
use super::{bounce, renamespace};
use crate::state::XmppState;

/// What `xmpp s2s` shows about a link.
#[derive(Debug, Clone, Default)]
pub struct LinkStatus {
    /// `connecting`, `established` or `reconnecting`.
    pub state: &'static str,
    /// The address connected to.
    pub peer: Option<String>,
    /// `EXTERNAL` or `dialback`.
    pub auth: Option<&'static str>,
    /// Whether TLS is established.
    pub tls: bool,
    /// Stanzas written so far.
    pub sent: u64,
}

/// The queue of one domain pair.
pub struct Link {
    /// The hosted sending domain.
    pub local: String,
    /// The remote domain.
    pub remote: String,
    queue: Mutex<VecDeque<Element>>,
    wake: Notify,
    status: Mutex<LinkStatus>,
}

impl Link {
    /// An empty link.
    pub fn new(local: &str, remote: &str) -> Self {
        Link {
            local: local.to_owned(),
            remote: remote.to_owned(),
            queue: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            status: Mutex::new(LinkStatus {
                state: "connecting",
                ..LinkStatus::default()
            }),
        }
    }

    /// Stanzas waiting.
    pub fn queued(&self) -> usize {
        self.queue.lock().len()
    }

    /// Appends a stanza and wakes the task.
    pub fn push(&self, stanza: Element) {
        self.queue.lock().push_back(stanza);
        S2S_QUEUED.inc();
        self.wake.notify_one();
    }

    /// Takes every queued stanza.
    pub fn drain(&self) -> Vec<Element> {
        let drained: Vec<Element> = self.queue.lock().drain(..).collect();
        drained.iter().for_each(|_| S2S_QUEUED.dec());
        drained
    }

    /// The current status.
    pub fn status(&self) -> LinkStatus {
        self.status.lock().clone()
    }

    fn front(&self) -> Option<Element> {
        self.queue.lock().front().cloned()
    }

    fn pop_front(&self) {
        if self.queue.lock().pop_front().is_some() {
            S2S_QUEUED.dec();
        }
    }
}

/// How an established stream ended.
enum End {
    /// Idle for `s2s_idle_time`, or the server is stopping: closed by us.
    Closed,
    /// Broken or closed by the peer.
    Lost(String),
}

/// The link's task: establish, drain, and end when idle with nothing queued.
pub async fn run(link: Arc<Link>, state: Arc<XmppState>, generation: Arc<Generation>) {
    let s2s = state.s2s.clone();
    let mut retried = false;
    loop {
        let attempt = tokio::time::timeout(
            s2s.settings.connect_timeout,
            outgoing::establish(&s2s, &generation.config, &link.local, &link.remote),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Failure::Timeout(format!(
                "no server-to-server connection to {} within {} s",
                link.remote,
                s2s.settings.connect_timeout.as_secs()
            )))
        });
        let failure = match attempt {
            Ok(established) => {
                tracing::info!(target: "mod_xmpp", local = %link.local, remote = %link.remote, peer = %established.peer, auth = established.auth, "Server-to-server connection established");
                let (end, progressed) = drain(&link, established, &state, &generation).await;
                retried &= !progressed;
                match end {
                    End::Closed => None,
                    End::Lost(why) => Some(Failure::Lost(why)),
                }
            }
            Err(failure) => Some(failure),
        };
        if let Some(failure) = failure {
            let retry = matches!(failure, Failure::Lost(_)) && !retried && link.queued() > 0;
            tracing::info!(target: "mod_xmpp", local = %link.local, remote = %link.remote, error = %failure, queued = link.queued(), retry, "Server-to-server connection failed");
            if retry {
                retried = true;
                link.status.lock().state = "reconnecting";
                continue;
            }
            for stanza in link.drain() {
                bounce(
                    &state,
                    &generation,
                    &stanza,
                    failure.condition(),
                    &failure.to_string(),
                );
            }
        }
        if s2s.pool.retire(&link) || generation.services.shutdown.is_triggered() {
            return;
        }
        // Stanzas arrived while the link was ending: start again.
        retried = false;
        *link.status.lock() = LinkStatus {
            state: "connecting",
            ..LinkStatus::default()
        };
    }
}

/// Writes queued stanzas one at a time (each removed once written) until the stream ends.
/// Returns how it ended and whether anything was written.
async fn drain(
    link: &Link,
    established: Established,
    state: &XmppState,
    generation: &Generation,
) -> (End, bool) {
    let Established {
        mut stream,
        peer,
        auth,
    } = established;
    *link.status.lock() = LinkStatus {
        state: "established",
        peer: Some(peer),
        auth: Some(auth),
        tls: stream.tls,
        sent: 0,
    };
    let idle = state.s2s.settings.idle_time;
    let shutdown = generation.services.shutdown.clone();
    let mut progressed = false;
    loop {
        while let Some(stanza) = link.front() {
            let mut outgoing = stanza;
            renamespace(&mut outgoing, ns::CLIENT, ns::SERVER);
            if let Err(e) = stream.send(&outgoing.to_string_in(ns::SERVER)).await {
                return (End::Lost(e.to_string()), progressed);
            }
            link.pop_front();
            progressed = true;
            link.status.lock().sent += 1;
        }
        tokio::select! {
            _ = link.wake.notified() => {}
            event = stream.next() => match event {
                Ok(StreamEvent::Stanza(error)) if error.is("error", ns::STREAMS) => {
                    let why = outgoing::describe_error(&error);
                    stream.close("</stream:stream>").await;
                    return (End::Lost(format!("stream error from the remote server: {why}")), progressed);
                }
                Ok(StreamEvent::Close) => {
                    stream.close("</stream:stream>").await;
                    return (End::Lost("the remote server closed the stream".into()), progressed);
                }
                // Nothing else is expected on an outgoing stream; dialback answers for
                // piggybacked domains would land here.
                Ok(_) => {}
                Err(e) => return (End::Lost(e.to_string()), progressed),
            },
            _ = tokio::time::sleep(idle) => {
                tracing::debug!(target: "mod_xmpp", local = %link.local, remote = %link.remote, "Closing an idle server-to-server connection");
                stream.close("</stream:stream>").await;
                return (End::Closed, progressed);
            }
            _ = shutdown.wait() => {
                let mut text = String::new();
                impetus_xmpp_proto::stream_error::stream_error(
                    impetus_xmpp_proto::stream_error::StreamErrorCondition::SystemShutdown,
                    None,
                )
                .write_to(ns::SERVER, &mut text);
                stream.close(&(text + "</stream:stream>")).await;
                return (End::Closed, progressed);
            }
        }
    }
}
