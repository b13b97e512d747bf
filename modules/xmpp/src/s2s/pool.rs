//! The process-wide s2s table: one outgoing link per (local domain, remote domain) pair and
//! the inbound streams (both listed by `xmpp s2s`), the inbound TLS configurations, and the
//! random dialback secret used when no `XMPP_Dialback_Secret` is configured. It lives in
//! `Services`, so links and streams survive a reload.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use impetus_xml::Element;
use parking_lot::Mutex;

use super::queue::Link;
use super::tls::InboundTls;

/// What [`Pool::enqueue`] did with a stanza.
pub enum Enqueued {
    /// Queued on a running link.
    Queued,
    /// Queued on a new link, whose task the caller must start.
    Started(Arc<Link>),
    /// The link's queue is full; the stanza is handed back.
    Full(Element),
}

/// What an inbound stream reports for `xmpp s2s`.
#[derive(Debug, Clone, Default)]
pub struct InboundStatus {
    /// The peer's address.
    pub peer: String,
    /// Whether TLS is established.
    pub tls: bool,
    /// How the peer authenticated (`EXTERNAL`, `dialback`), once it did.
    pub auth: Option<&'static str>,
    /// Verified (remote, local) domain pairs.
    pub domains: Vec<(String, String)>,
}

/// Process-wide s2s state.
pub struct Pool {
    links: Mutex<HashMap<(String, String), Arc<Link>>>,
    inbound: Mutex<BTreeMap<u64, InboundStatus>>,
    next_inbound: AtomicU64,
    /// Inbound STARTTLS configurations derived from the listeners'.
    pub inbound_tls: InboundTls,
    /// The process's random dialback secret.
    pub secret: String,
}

impl Default for Pool {
    fn default() -> Self {
        use rand::Rng;
        let bytes: [u8; 32] = rand::rng().random();
        Pool {
            links: Mutex::new(HashMap::new()),
            inbound: Mutex::new(BTreeMap::new()),
            next_inbound: AtomicU64::new(1),
            inbound_tls: InboundTls::default(),
            secret: hex::encode(bytes),
        }
    }
}

impl Pool {
    /// Whether a link for the pair exists.
    pub fn has_link(&self, local: &str, remote: &str) -> bool {
        self.links
            .lock()
            .contains_key(&(local.to_owned(), remote.to_owned()))
    }

    /// Queues `stanza` on the pair's link, creating the link if there is none. Done under the
    /// table's lock, so a link that [`Pool::retire`]s never strands a stanza.
    pub fn enqueue(&self, local: &str, remote: &str, stanza: Element, max: usize) -> Enqueued {
        let mut links = self.links.lock();
        match links.get(&(local.to_owned(), remote.to_owned())) {
            Some(link) if link.queued() >= max => Enqueued::Full(stanza),
            Some(link) => {
                link.push(stanza);
                Enqueued::Queued
            }
            None => {
                let link = Arc::new(Link::new(local, remote));
                link.push(stanza);
                links.insert((local.to_owned(), remote.to_owned()), link.clone());
                Enqueued::Started(link)
            }
        }
    }

    /// Removes `link` if its queue is empty; false means stanzas arrived and the link's task
    /// must carry on.
    pub fn retire(&self, link: &Arc<Link>) -> bool {
        let mut links = self.links.lock();
        if link.queued() > 0 {
            return false;
        }
        let key = (link.local.clone(), link.remote.clone());
        if links.get(&key).is_some_and(|l| Arc::ptr_eq(l, link)) {
            links.remove(&key);
        }
        true
    }

    /// Removes `link` whatever it holds, returning its queued stanzas (to bounce).
    pub fn abandon(&self, link: &Arc<Link>) -> Vec<Element> {
        let mut links = self.links.lock();
        let key = (link.local.clone(), link.remote.clone());
        if links.get(&key).is_some_and(|l| Arc::ptr_eq(l, link)) {
            links.remove(&key);
        }
        link.drain()
    }

    /// Every link, sorted by domain pair.
    pub fn links(&self) -> Vec<Arc<Link>> {
        let mut all: Vec<_> = self.links.lock().values().cloned().collect();
        all.sort_by(|a, b| (&a.local, &a.remote).cmp(&(&b.local, &b.remote)));
        all
    }

    /// Registers an inbound stream; it is listed until the guard drops.
    pub fn register_inbound(self: &Arc<Self>, peer: &str) -> InboundGuard {
        let id = self.next_inbound.fetch_add(1, Ordering::Relaxed);
        self.inbound.lock().insert(
            id,
            InboundStatus {
                peer: peer.to_owned(),
                ..InboundStatus::default()
            },
        );
        InboundGuard {
            pool: self.clone(),
            id,
        }
    }

    /// Every inbound stream.
    pub fn inbound(&self) -> Vec<InboundStatus> {
        self.inbound.lock().values().cloned().collect()
    }
}

/// Keeps an inbound stream listed; updates its status.
pub struct InboundGuard {
    pool: Arc<Pool>,
    id: u64,
}

impl InboundGuard {
    /// Changes the listed status.
    pub fn update(&self, change: impl FnOnce(&mut InboundStatus)) {
        if let Some(status) = self.pool.inbound.lock().get_mut(&self.id) {
            change(status);
        }
    }
}

impl Drop for InboundGuard {
    fn drop(&mut self) {
        self.pool.inbound.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use impetus_xmpp_proto::ns;

    fn stanza(n: u32) -> Element {
        Element::new("message", ns::CLIENT).with_attr("id", n.to_string())
    }

    #[test]
    fn one_link_per_pair_bounded_and_retired_only_when_empty() {
        let pool = Pool::default();
        let Enqueued::Started(link) = pool.enqueue("a.test", "b.test", stanza(1), 2) else {
            panic!("the first stanza starts a link")
        };
        assert!(matches!(
            pool.enqueue("a.test", "b.test", stanza(2), 2),
            Enqueued::Queued
        ));
        assert!(matches!(
            pool.enqueue("a.test", "b.test", stanza(3), 2),
            Enqueued::Full(_)
        ));
        assert!(matches!(
            pool.enqueue("c.test", "b.test", stanza(4), 2),
            Enqueued::Started(_)
        ));
        assert!(!pool.retire(&link), "a link with queued stanzas stays");
        assert_eq!(link.drain().len(), 2);
        assert!(pool.retire(&link));
        assert!(!pool.has_link("a.test", "b.test"));
        assert!(pool.has_link("c.test", "b.test"));
    }

    #[test]
    fn inbound_streams_are_listed_while_their_guard_lives() {
        let pool = Arc::new(Pool::default());
        let guard = pool.register_inbound("127.0.0.1:1");
        guard.update(|s| s.auth = Some("dialback"));
        assert_eq!(pool.inbound()[0].auth, Some("dialback"));
        drop(guard);
        assert!(pool.inbound().is_empty());
    }
}
