//! Runs the accept loops and keeps the set of open sockets in line with the current
//! generation: on reload, unchanged `Listen` sockets stay open, new ones are bound first (so a
//! failed bind leaves everything as it was), and removed or disabled ones are closed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tokio::sync::watch;

use super::socket::{self, Bound};
use super::{ConnectAttempt, Connection, ConnectionTable, ListenAddr, NetStream, VALIDATE_CONNECT};
use crate::generation::Generation;

struct Running {
    display: String,
    local: Option<SocketAddr>,
    stop: watch::Sender<bool>,
}

/// Owns the listening sockets and the pointer to the current generation.
pub struct ListenerManager {
    current: Arc<RwLock<Arc<Generation>>>,
    connections: Arc<ConnectionTable>,
    running: Mutex<HashMap<String, Running>>,
}

impl ListenerManager {
    /// Creates a manager whose current generation is `first`; nothing is bound until `apply`.
    pub fn new(first: Arc<Generation>) -> Arc<Self> {
        Arc::new(ListenerManager {
            current: Arc::new(RwLock::new(first)),
            connections: Arc::default(),
            running: Mutex::new(HashMap::new()),
        })
    }

    /// The generation new connections are handed to.
    pub fn current(&self) -> Arc<Generation> {
        self.current.read().clone()
    }

    /// Makes `generation` current and opens/closes sockets to match its registrations.
    /// On a bind failure nothing changes and the errors are returned.
    pub fn apply(&self, generation: Arc<Generation>) -> Result<(), Vec<String>> {
        let wanted: HashMap<String, _> = generation
            .listens()
            .iter()
            .filter(|r| r.enabled)
            .map(|r| (r.addr.key(), r))
            .collect();
        let mut running = self.running.lock();
        let mut fresh = HashMap::new();
        let mut errors = Vec::new();
        for (key, registration) in &wanted {
            if running.contains_key(key) {
                continue;
            }
            match socket::bind(&registration.addr, &registration.options) {
                Ok(bound) => {
                    fresh.insert(
                        key.clone(),
                        (bound, registration.addr.clone(), registration.kind.clone()),
                    );
                }
                Err(e) => errors.push(format!("Cannot listen on {}: {e}", registration.addr)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        *self.current.write() = generation.clone();
        running.retain(|key, entry| {
            let keep = wanted.contains_key(key);
            if !keep {
                tracing::info!(listen = %entry.display, "Closing listener");
                entry.stop.send_replace(true);
            }
            keep
        });
        for (key, (bound, addr, kind)) in fresh {
            let local = match &bound {
                Bound::Tcp(l) => l.local_addr().ok(),
                Bound::Unix(_) => None,
            };
            let (stop, stop_rx) = watch::channel(false);
            tracing::info!(listener = %kind, listen = %addr, "Listening");
            running.insert(
                key.clone(),
                Running {
                    display: addr.to_string(),
                    local,
                    stop,
                },
            );
            let current = self.current.clone();
            let connections = self.connections.clone();
            let shutdown = generation.services.shutdown.clone();
            tokio::spawn(accept_loop(
                bound,
                key,
                addr,
                current,
                connections,
                stop_rx,
                shutdown,
            ));
        }
        Ok(())
    }

    /// Open sockets: (address as configured, bound TCP address).
    pub fn bound(&self) -> Vec<(String, Option<SocketAddr>)> {
        let mut list: Vec<_> = self
            .running
            .lock()
            .values()
            .map(|r| (r.display.clone(), r.local))
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// The open connections.
    pub fn connections(&self) -> &ConnectionTable {
        &self.connections
    }

    /// Closes every listening socket.
    pub fn close_all(&self) {
        for (_, entry) in self.running.lock().drain() {
            entry.stop.send_replace(true);
        }
    }
}

async fn accept(bound: &Bound) -> std::io::Result<(NetStream, Option<SocketAddr>)> {
    match bound {
        Bound::Tcp(listener) => listener
            .accept()
            .await
            .map(|(s, peer)| (NetStream::Tcp(s), Some(peer))),
        Bound::Unix(listener) => listener
            .accept()
            .await
            .map(|(s, _)| (NetStream::Unix(s), None)),
    }
}

async fn accept_loop(
    bound: Bound,
    key: String,
    addr: ListenAddr,
    current: Arc<RwLock<Arc<Generation>>>,
    connections: Arc<ConnectionTable>,
    mut stop: watch::Receiver<bool>,
    shutdown: crate::Shutdown,
) {
    loop {
        let accepted = tokio::select! {
            accepted = accept(&bound) => accepted,
            _ = stop.wait_for(|s| *s) => break,
            _ = shutdown.wait() => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning.
                tracing::warn!(listen = %addr, error = %e, "Accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let generation = current.read().clone();
        let Some(registration) = generation.listens().iter().find(|r| r.addr.key() == key) else {
            continue;
        };
        if let NetStream::Tcp(tcp) = &stream
            && registration.options.nodelay
        {
            let _ = tcp.set_nodelay(true);
        }
        let peer_text = peer.map(|p| p.to_string()).unwrap_or_else(|| "unix".into());
        let connection = Connection {
            stream,
            peer,
            local: addr.clone(),
            guard: connections.open(&registration.kind, &addr.to_string(), &peer_text),
        };
        let mut attempt = ConnectAttempt {
            listener: registration.kind.clone(),
            local: addr.to_string(),
            peer: connection.acl_ip(),
            refuse: None,
        };
        if let Err(e) = generation.run_hook(&VALIDATE_CONNECT, &mut attempt) {
            attempt
                .refuse
                .get_or_insert_with(|| format!("validate_connect failed: {e:?}"));
        }
        if let Some(reason) = attempt.refuse {
            tracing::info!(listen = %addr, peer = %attempt.peer, reason = %reason, "Connection refused by validate_connect");
            continue;
        }
        registration.handler.accept(connection, generation.clone());
    }
    if let ListenAddr::Unix(path) = &addr {
        let _ = std::fs::remove_file(path);
    }
}
