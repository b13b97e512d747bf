//! Listeners: sockets named by `Listen` scopes, bound by the runtime, whose accepted
//! connections are handed to the module that registered them.
//!
//! - `stream.rs`: `NetStream`, one type for TCP and Unix-domain connections.
//! - `socket.rs`: binding with the socket options (backlog, buffers, Nagle, file mode).
//! - `manager.rs`: the accept loops, the `validate_connect` hook, and reload diffing.
//! - `table.rs`: the open connections, for `show inbound`.

mod manager;
mod socket;
mod stream;
mod table;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub use impetus_config::types::ListenAddr;
pub use manager::ListenerManager;
pub use socket::SocketOptions;
pub use stream::NetStream;
pub use table::{ConnectionGuard, ConnectionInfo, ConnectionTable};

use crate::generation::Generation;
use crate::hooks::HookPoint;

/// A socket a module wants open, with the handler for its connections.
#[derive(Clone)]
pub struct ListenRegistration {
    /// The listener scope kind (`xmpp_listener`), for logs and `show inbound`.
    pub kind: String,
    /// The address.
    pub addr: ListenAddr,
    /// Socket options.
    pub options: SocketOptions,
    /// `enable = false` keeps the scope but binds nothing.
    pub enabled: bool,
    /// Receives accepted connections.
    pub handler: Arc<dyn ConnectionHandler>,
}

/// An accepted connection, before any protocol byte is read.
pub struct Connection {
    /// The socket.
    pub stream: NetStream,
    /// The remote address (`None` on a Unix-domain socket).
    pub peer: Option<SocketAddr>,
    /// The `Listen` address it arrived on.
    pub local: ListenAddr,
    /// Keeps the connection's row in the connection table until the session drops it.
    pub guard: ConnectionGuard,
}

impl Connection {
    /// The peer IP used for Peer ACLs: Unix-domain sockets count as loopback.
    pub fn acl_ip(&self) -> IpAddr {
        self.peer
            .map(|p| p.ip())
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
    }
}

/// Takes accepted connections; implementations spawn their own session task.
pub trait ConnectionHandler: Send + Sync + 'static {
    /// Handles one accepted connection under `generation`.
    fn accept(&self, connection: Connection, generation: Arc<Generation>);
}

/// Payload of [`VALIDATE_CONNECT`].
#[derive(Debug, Clone)]
pub struct ConnectAttempt {
    /// Listener kind.
    pub listener: String,
    /// Local address.
    pub local: String,
    /// Remote IP (loopback for Unix sockets).
    pub peer: IpAddr,
    /// Set by a handler to refuse the connection, with a reason for the log.
    pub refuse: Option<String>,
}

/// Fired for every accepted connection before any byte is read; a handler that sets
/// `refuse` (and returns `Done`) closes it. Momentum's `validate_connect` callout.
pub static VALIDATE_CONNECT: HookPoint<ConnectAttempt> = HookPoint::new("validate_connect");
