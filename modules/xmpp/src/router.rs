//! The session table: which full JIDs are connected here, and the handle to reach each one.
//!
//! The table is sharded by bare JID so lookups on the hot path take one short read lock and
//! never scan all sessions. It lives in `Services` (process-wide), so sessions survive config
//! reloads. A multi-node deployment replaces it behind the same methods.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::stream_error::StreamErrorCondition;
use parking_lot::{Mutex, RwLock};

use crate::mailbox::{Mailbox, MailboxReceiver};

const SHARDS: usize = 64;

/// What other tasks can push into a session.
#[derive(Debug)]
pub enum Outbound {
    /// A serialised stanza to write to the peer.
    Stanza(Arc<str>),
    /// End the stream with this error (for example `conflict` when a resource is replaced).
    Close(StreamErrorCondition, Option<String>),
}

/// The presence a resource last broadcast.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Availability {
    /// `<priority/>`, -128..=127.
    pub priority: i8,
    /// `<show/>`, empty for plain available.
    pub show: String,
    /// `<status/>`.
    pub status: String,
}

/// A connected, bound resource.
#[derive(Debug)]
pub struct SessionHandle {
    /// Unique id of the session (for logs and for unbinding the right one).
    pub id: u64,
    /// The bound full JID.
    pub jid: Jid,
    /// Remote address, for `xmpp sessions`.
    pub peer: String,
    mailbox: Arc<Mailbox>,
    /// `None` until the resource sends initial presence, and again after unavailable.
    pub availability: Mutex<Option<Availability>>,
    /// Whether the session asked for the roster (RFC 6121 "interested resource").
    pub interested: std::sync::atomic::AtomicBool,
}

impl SessionHandle {
    /// Creates a handle; the receiver goes to the session task.
    pub fn new(jid: Jid, peer: String) -> (Arc<Self>, MailboxReceiver) {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let (mailbox, receiver) = Mailbox::new();
        let handle = SessionHandle {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            jid,
            peer,
            mailbox,
            availability: Mutex::new(None),
            interested: std::sync::atomic::AtomicBool::new(false),
        };
        (Arc::new(handle), receiver)
    }

    /// Queues a stanza for the session; false when the session is gone.
    pub fn send(&self, stanza: Arc<str>) -> bool {
        self.mailbox.push(Outbound::Stanza(stanza))
    }

    /// Asks the session to close its stream with `condition`.
    pub fn close(&self, condition: StreamErrorCondition, text: Option<String>) {
        self.mailbox.push(Outbound::Close(condition, text));
    }

    /// The resource's current availability, if it is available.
    pub fn available(&self) -> Option<Availability> {
        self.availability.lock().clone()
    }

    /// The priority of an available resource (`None` when unavailable), without copying
    /// its status text.
    pub fn priority(&self) -> Option<i8> {
        self.availability.lock().as_ref().map(|a| a.priority)
    }
}

/// Sessions by bare JID (canonical string, so lookups borrow from a full JID).
type Shard = RwLock<HashMap<String, Vec<Arc<SessionHandle>>, RandomState>>;

/// Randomly seeded per process: bare JIDs come from clients.
type RandomState = foldhash::quality::RandomState;

/// All bound sessions on this node, keyed by bare JID.
pub struct Router {
    shards: Vec<Shard>,
    hasher: RandomState,
    count: AtomicU64,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            shards: (0..SHARDS)
                .map(|_| RwLock::new(HashMap::with_hasher(RandomState::default())))
                .collect(),
            hasher: RandomState::default(),
            count: AtomicU64::new(0),
        }
    }
}

impl Router {
    fn shard(&self, bare: &str) -> &Shard {
        &self.shards[(self.hasher.hash_one(bare) as usize) % SHARDS]
    }

    /// Adds a bound session; returns the session it replaces (same full JID), if any.
    pub fn bind(&self, handle: Arc<SessionHandle>) -> Option<Arc<SessionHandle>> {
        let bare = handle.jid.bare_str();
        let mut shard = self.shard(bare).write();
        let list = shard.entry(bare.to_owned()).or_default();
        let replaced = list
            .iter()
            .position(|s| s.jid == handle.jid)
            .map(|i| list.swap_remove(i));
        list.push(handle);
        if replaced.is_none() {
            self.count.fetch_add(1, Ordering::Relaxed);
            impetus_runtime::metrics::C2S_SESSIONS.inc();
        }
        replaced
    }

    /// Removes a session (only if it is still the one bound under its JID).
    pub fn unbind(&self, handle: &SessionHandle) {
        let bare = handle.jid.bare_str();
        let mut shard = self.shard(bare).write();
        if let Some(list) = shard.get_mut(bare)
            && let Some(i) = list.iter().position(|s| s.id == handle.id)
        {
            list.swap_remove(i);
            self.count.fetch_sub(1, Ordering::Relaxed);
            impetus_runtime::metrics::C2S_SESSIONS.dec();
            if list.is_empty() {
                shard.remove(bare);
            }
        }
    }

    /// The session bound to a full JID.
    pub fn session(&self, full: &Jid) -> Option<Arc<SessionHandle>> {
        let bare = full.bare_str();
        self.shard(bare)
            .read()
            .get(bare)
            .and_then(|list| list.iter().find(|s| s.jid == *full).cloned())
    }

    /// Every session of a bare JID.
    pub fn sessions(&self, bare: &Jid) -> Vec<Arc<SessionHandle>> {
        let bare = bare.bare_str();
        self.shard(bare)
            .read()
            .get(bare)
            .cloned()
            .unwrap_or_default()
    }

    /// Number of bound sessions.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// A snapshot of every session (console listing only; never on a hot path).
    pub fn all(&self) -> Vec<Arc<SessionHandle>> {
        self.shards
            .iter()
            .flat_map(|s| s.read().values().flatten().cloned().collect::<Vec<_>>())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(s: &str) -> Jid {
        Jid::parse(s).expect("valid jid")
    }

    #[test]
    fn bind_lookup_replace_and_unbind() {
        let router = Router::default();
        let (first, _rx1) = SessionHandle::new(jid("alice@example.com/phone"), "p".into());
        let (second, _rx2) = SessionHandle::new(jid("alice@example.com/laptop"), "p".into());
        assert!(router.bind(first.clone()).is_none());
        assert!(router.bind(second.clone()).is_none());
        assert_eq!(router.count(), 2);
        assert_eq!(router.sessions(&jid("alice@example.com")).len(), 2);
        assert_eq!(
            router
                .session(&jid("alice@example.com/phone"))
                .map(|s| s.id),
            Some(first.id)
        );

        let (again, _rx3) = SessionHandle::new(jid("alice@example.com/phone"), "p".into());
        let replaced = router.bind(again.clone()).expect("replaced");
        assert_eq!(replaced.id, first.id);
        assert_eq!(router.count(), 2);
        // Unbinding the replaced session must not remove its successor.
        router.unbind(&first);
        assert_eq!(
            router
                .session(&jid("alice@example.com/phone"))
                .map(|s| s.id),
            Some(again.id)
        );
        router.unbind(&again);
        router.unbind(&second);
        assert_eq!(router.count(), 0);
        assert!(router.sessions(&jid("alice@example.com")).is_empty());
    }
}
