//! SOCKS5 (RFC 1928) CONNECT by host name, without authentication: how outgoing s2s reaches
//! `.onion` domains through Tor (`s2s_socks5_proxy`). The proxy resolves the name, so no DNS
//! query for an onion address ever leaves this server.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn refused(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, why)
}

/// Connects to `host:port` through the proxy at `proxy` ("host:port").
pub async fn connect(proxy: &str, host: &str, port: u16) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(proxy).await?;
    stream.set_nodelay(true)?;
    // Greeting: version 5, one method, "no authentication".
    stream.write_all(&[5, 1, 0]).await?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await?;
    if choice != [5, 0] {
        return Err(refused(format!(
            "the SOCKS5 proxy refused unauthenticated use ({choice:?})"
        )));
    }
    let name = host.as_bytes();
    let length = u8::try_from(name.len()).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, "host name too long for SOCKS5")
    })?;
    let mut request = vec![5, 1, 0, 3, length];
    request.extend_from_slice(name);
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await?;
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply).await?;
    if reply[0] != 5 || reply[1] != 0 {
        return Err(refused(format!(
            "the SOCKS5 proxy could not reach {host}:{port} (reply {})",
            reply[1]
        )));
    }
    // Skip the bound address: IPv4, a name, or IPv6, then the port.
    let skip = match reply[3] {
        1 => 4,
        3 => usize::from(stream.read_u8().await?),
        4 => 16,
        other => return Err(refused(format!("bad SOCKS5 address type {other}"))),
    };
    let mut rest = vec![0u8; skip + 2];
    stream.read_exact(&mut rest).await?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A one-shot proxy that checks the request and answers with `code`.
    async fn proxy(code: u8) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("addr").to_string();
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut greeting = [0u8; 3];
            socket.read_exact(&mut greeting).await.expect("greeting");
            assert_eq!(greeting, [5, 1, 0]);
            socket.write_all(&[5, 0]).await.expect("choice");
            let mut head = [0u8; 5];
            socket.read_exact(&mut head).await.expect("head");
            let mut rest = vec![0u8; usize::from(head[4]) + 2];
            socket.read_exact(&mut rest).await.expect("rest");
            socket
                .write_all(&[5, code, 0, 1, 127, 0, 0, 1, 0x14, 0x95])
                .await
                .expect("reply");
            socket.write_all(b"tunnel").await.expect("data");
            rest
        });
        (address, task)
    }

    #[tokio::test]
    async fn connects_by_name_and_passes_data() {
        let (address, task) = proxy(0).await;
        let mut stream = connect(&address, "abcdefgh.onion", 5269)
            .await
            .expect("connect");
        let mut data = [0u8; 6];
        stream.read_exact(&mut data).await.expect("read");
        assert_eq!(&data, b"tunnel");
        let request = task.await.expect("proxy");
        assert_eq!(&request[..request.len() - 2], b"abcdefgh.onion");
        assert_eq!(&request[request.len() - 2..], &5269u16.to_be_bytes());
    }

    #[tokio::test]
    async fn a_proxy_failure_is_an_error() {
        let (address, _task) = proxy(4).await;
        let error = connect(&address, "x.onion", 5269)
            .await
            .expect_err("refused");
        assert!(
            error.to_string().contains("could not reach x.onion:5269"),
            "{error}"
        );
    }
}
