//! Binding `Listen` addresses with Momentum's socket options.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use impetus_config::types::ListenAddr;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, UnixListener};

/// Socket options of a `Listen` scope (after fallback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    /// `listen_backlog`.
    pub backlog: u32,
    /// `disable_nagle_algorithm`: set TCP_NODELAY on accepted sockets.
    pub nodelay: bool,
    /// `tcp_recv_buffer_size`; 0 leaves the OS default.
    pub recv_buffer: u32,
    /// `tcp_send_buffer_size`; 0 leaves the OS default.
    pub send_buffer: u32,
    /// `file_mode` for Unix-domain socket paths.
    pub file_mode: u32,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            backlog: 500,
            nodelay: false,
            recv_buffer: 0,
            send_buffer: 0,
            file_mode: 0o660,
        }
    }
}

/// A bound socket.
pub enum Bound {
    /// TCP.
    Tcp(TcpListener),
    /// Unix-domain.
    Unix(UnixListener),
}

/// The socket address a `ListenAddr` binds (None for Unix paths).
pub fn socket_addr(addr: &ListenAddr) -> Option<SocketAddr> {
    match addr {
        ListenAddr::Inet(a) => Some(*a),
        ListenAddr::AnyV4(port) => Some(SocketAddr::from((Ipv4Addr::UNSPECIFIED, *port))),
        ListenAddr::AnyV6(port) => Some(SocketAddr::from((Ipv6Addr::UNSPECIFIED, *port))),
        ListenAddr::Unix(_) => None,
    }
}

/// Binds and listens (must run inside the tokio runtime).
pub fn bind(addr: &ListenAddr, options: &SocketOptions) -> io::Result<Bound> {
    let Some(sockaddr) = socket_addr(addr) else {
        let ListenAddr::Unix(path) = addr else {
            unreachable!("only Unix paths have no socket address")
        };
        return bind_unix(path, options.file_mode).map(Bound::Unix);
    };
    let socket = Socket::new(
        Domain::for_address(sockaddr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    if sockaddr.is_ipv6() {
        // `*:p` and `[*]:p` are separate Listen scopes, so keep the IPv6 socket IPv6-only.
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    if options.recv_buffer > 0 {
        socket.set_recv_buffer_size(options.recv_buffer as usize)?;
    }
    if options.send_buffer > 0 {
        socket.set_send_buffer_size(options.send_buffer as usize)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&sockaddr.into())?;
    socket.listen(options.backlog.min(i32::MAX as u32) as i32)?;
    TcpListener::from_std(socket.into()).map(Bound::Tcp)
}

fn bind_unix(path: &std::path::Path, mode: u32) -> io::Result<UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_socket() {
            std::fs::remove_file(path)?;
        } else {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(listener)
}
