//! The `metrics_listen` socket: registered with the listener manager like a `Listen` scope (so
//! a reload keeps, moves or closes it, and `show inbound` lists its connections), refused
//! unless the address is loopback (the endpoint has no authentication), and answered by a
//! minimal HTTP/1.0 responder: `GET /metrics` (or `/`) returns [`super::render`].

use std::sync::Arc;
use std::time::Duration;

use impetus_config::types::ListenAddr;
use impetus_config::{Config, Diagnostic};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Generation;
use crate::listener::{Connection, ConnectionHandler, ListenRegistration, SocketOptions};
use crate::registrar::Registrar;

/// The largest request head read before answering.
const MAX_REQUEST: usize = 8192;

/// Registers the metrics socket when the global `metrics_listen` names one.
pub fn configure(config: &Config, registrar: &mut Registrar) -> Vec<Diagnostic> {
    let global = config.global();
    let location = global.get_raw("metrics_listen").map(|v| v.location.clone());
    let addr = match global.get::<Option<ListenAddr>>("metrics_listen") {
        Ok(Some(addr)) => addr,
        Ok(None) => return Vec::new(),
        Err(diagnostic) => return vec![diagnostic],
    };
    let loopback = matches!(&addr, ListenAddr::Inet(socket) if socket.ip().is_loopback());
    if !loopback {
        return vec![Diagnostic::error(
            location,
            format!(
                "metrics_listen must be a loopback address such as \"127.0.0.1:9090\" (the endpoint has no authentication), got {addr}"
            ),
        )];
    }
    registrar.listen(ListenRegistration {
        kind: "metrics".into(),
        addr,
        options: SocketOptions {
            backlog: 16,
            ..SocketOptions::default()
        },
        enabled: true,
        handler: Arc::new(MetricsHandler),
    });
    Vec::new()
}

struct MetricsHandler;

impl ConnectionHandler for MetricsHandler {
    fn accept(&self, connection: Connection, _generation: Arc<Generation>) {
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(10), serve(connection)).await;
        });
    }
}

async fn serve(mut connection: Connection) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = connection.stream.read(&mut buffer).await?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            break;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    let response = respond(&String::from_utf8_lossy(&head));
    connection.stream.write_all(response.as_bytes()).await?;
    connection.stream.shutdown().await
}

/// The whole HTTP response for a request head.
fn respond(head: &str) -> String {
    let mut words = head.lines().next().unwrap_or("").split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics" | "/") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            super::render(),
        ),
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain",
            "Not found: try /metrics\n".into(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "Only GET is supported\n".into(),
        ),
    };
    let body = if method == "HEAD" { "" } else { body.as_str() };
    format!(
        "HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_metrics_answers_the_exposition() {
        let response = respond("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(response.starts_with("HTTP/1.0 200 OK\r\n"), "{response}");
        assert!(response.contains("Content-Type: text/plain; version=0.0.4"));
        assert!(response.contains("# TYPE impetus_storage_seconds histogram"));
        let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }

    #[test]
    fn other_paths_and_methods_are_refused() {
        assert!(respond("GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.0 404"));
        assert!(respond("POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.0 405"));
        assert!(respond("").starts_with("HTTP/1.0 405"));
        let head = respond("HEAD /metrics HTTP/1.1\r\n\r\n");
        assert!(head.ends_with("\r\n\r\n"), "{head}");
    }

    fn registrations(text: &str) -> (usize, Vec<String>) {
        let schema = crate::Registry::new(Vec::new()).schema(&[]);
        let (tree, diagnostics) = impetus_config::parse_str(text, "m.conf");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let (config, diagnostics) = impetus_config::validate(tree, &schema);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let mut registrar = Registrar::default();
        let problems = configure(&config, &mut registrar);
        (
            registrar.listens.len(),
            problems.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert_eq!(registrations(""), (0, vec![]));
        assert_eq!(
            registrations("metrics_listen = \"127.0.0.1:9090\"\n"),
            (1, vec![])
        );
        assert_eq!(registrations("metrics_listen = \"[::1]:9090\"\n").0, 1);
        let (count, problems) = registrations("metrics_listen = \"*:9090\"\n");
        assert_eq!(count, 0);
        assert!(
            problems[0].starts_with("m.conf:1:") && problems[0].contains("loopback"),
            "{problems:?}"
        );
        assert_eq!(registrations("metrics_listen = \"0.0.0.0:9090\"\n").0, 0);
    }
}
