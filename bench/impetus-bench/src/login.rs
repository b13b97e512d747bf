//! The client side of stream negotiation (RFC 6120 §4-§7): open the stream, STARTTLS or
//! direct TLS, SASL, restart, bind, initial presence; and XEP-0077 registration.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::prelude::*;
use impetus_xml::{Element, STREAMS_NS, StreamEvent, escape_attr};

use crate::conn::Conn;
use crate::error::BenchError;
use crate::profile::{Profile, TlsMode};
use crate::sasl::{Mechanism, ScramClient, plain_response};

const TLS_NS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
const SASL_NS: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
const BIND_NS: &str = "urn:ietf:params:xml:ns:xmpp-bind";
const SESSION_NS: &str = "urn:ietf:params:xml:ns:xmpp-session";
const REGISTER_NS: &str = "jabber:iq:register";
/// The default namespace of client streams.
pub const CLIENT_NS: &str = "jabber:client";

/// A logged-in, bound session that has sent initial presence.
pub struct Session {
    /// The connection, with any bytes read after the bind result still buffered.
    pub conn: Conn,
    /// The full JID the server bound.
    pub jid: String,
    /// How long the login took, from connect to bind result.
    pub latency: Duration,
}

/// What registering one account found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The account was created.
    Created,
    /// The account already existed (`conflict`).
    Existing,
}

/// The step a login is in, named in a timeout error.
struct Step(Mutex<&'static str>);

impl Step {
    fn new() -> Step {
        Step(Mutex::new("connect"))
    }

    fn set(&self, name: &'static str) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = name;
    }

    fn get(&self) -> &'static str {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs `work` until `limit`; a timeout names the step it stopped in.
async fn bounded<T>(
    limit: Instant,
    step: &Step,
    work: impl Future<Output = Result<T, BenchError>>,
) -> Result<T, BenchError> {
    match tokio::time::timeout_at(limit.into(), work).await {
        Ok(result) => result,
        Err(_) => Err(BenchError::Timeout(step.get())),
    }
}

/// Logs user `index` in; gives up at `deadline` or after the profile's login timeout.
pub async fn login(p: &Profile, index: usize, deadline: Instant) -> Result<Session, BenchError> {
    let started = Instant::now();
    let step = Step::new();
    let limit = deadline.min(started + p.login_timeout);
    bounded(limit, &step, login_steps(p, index, started, &step)).await
}

async fn login_steps(
    p: &Profile,
    index: usize,
    started: Instant,
    step: &Step,
) -> Result<Session, BenchError> {
    let (mut conn, features) = secure(p, step).await?;
    step.set("sasl");
    authenticate(&mut conn, &features, p, &p.username(index)).await?;
    step.set("bind");
    conn.xml.reset();
    let features = open(&mut conn, &p.domain).await?;
    let jid = bind(&mut conn, &features, &p.resource).await?;
    let latency = started.elapsed();
    conn.send("<presence/>").await?;
    Ok(Session { conn, jid, latency })
}

/// Registers user `index` in-band (XEP-0077) and closes the connection.
pub async fn register(
    p: &Profile,
    index: usize,
    deadline: Instant,
) -> Result<Registered, BenchError> {
    let step = Step::new();
    let limit = deadline.min(Instant::now() + p.login_timeout);
    bounded(limit, &step, register_steps(p, index, &step)).await
}

async fn register_steps(p: &Profile, index: usize, step: &Step) -> Result<Registered, BenchError> {
    let (mut conn, _features) = secure(p, step).await?;
    step.set("register");
    let mut iq = format!("<iq type='set' id='reg'><query xmlns='{REGISTER_NS}'><username>");
    escape_attr(&p.username(index), &mut iq);
    iq.push_str("</username><password>");
    escape_attr(&p.password, &mut iq);
    iq.push_str("</password></query></iq>");
    conn.send(&iq).await?;
    let reply = iq_reply(&mut conn, "reg").await?;
    conn.close().await;
    match reply.attr("type") {
        Some("result") => Ok(Registered::Created),
        _ if error_condition(&reply).as_deref() == Some("conflict") => Ok(Registered::Existing),
        _ => Err(BenchError::Protocol(format!(
            "registration refused: {}",
            error_condition(&reply).unwrap_or_default()
        ))),
    }
}

/// Connects and secures the stream as the profile says; returns the features of the stream
/// the client will authenticate on.
async fn secure(p: &Profile, step: &Step) -> Result<(Conn, Element), BenchError> {
    let mut conn = Conn::connect(p.addr).await?;
    let name = crate::tls::server_name(&p.domain, p.addr.ip());
    if p.tls == TlsMode::Direct {
        step.set("tls");
        conn = conn.start_tls(p.tls_config.clone(), name.clone()).await?;
    }
    step.set("stream");
    let features = open(&mut conn, &p.domain).await?;
    if p.tls != TlsMode::Starttls {
        return Ok((conn, features));
    }
    step.set("starttls");
    if features.child("starttls", TLS_NS).is_none() {
        return Err(BenchError::Protocol("STARTTLS is not offered".into()));
    }
    conn.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        .await?;
    let answer = conn.next_stanza().await?;
    if !answer.is("proceed", TLS_NS) {
        return Err(BenchError::Protocol(format!(
            "STARTTLS answered with <{}/>",
            answer.name
        )));
    }
    step.set("tls");
    conn = conn.start_tls(p.tls_config.clone(), name).await?;
    step.set("stream");
    let features = open(&mut conn, &p.domain).await?;
    Ok((conn, features))
}

/// Sends a stream header and returns the server's `<stream:features/>`.
async fn open(conn: &mut Conn, domain: &str) -> Result<Element, BenchError> {
    let mut header = String::from("<?xml version='1.0'?><stream:stream to='");
    escape_attr(domain, &mut header);
    header.push_str(
        "' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    conn.send(&header).await?;
    match conn.next_event().await? {
        StreamEvent::Header(_) => {}
        StreamEvent::Close => return Err(BenchError::Closed),
        StreamEvent::Stanza(e) => {
            crate::conn::check_stream_error(e)?;
            return Err(BenchError::Protocol("no stream header".into()));
        }
    }
    let features = conn.next_stanza().await?;
    if !features.is("features", STREAMS_NS) {
        return Err(BenchError::Protocol(format!(
            "expected features, got <{}/>",
            features.name
        )));
    }
    Ok(features)
}

fn sasl_element(name: &str, mechanism: Option<&str>, data: &[u8]) -> String {
    let text = if data.is_empty() {
        "=".to_owned()
    } else {
        BASE64_STANDARD.encode(data)
    };
    match mechanism {
        Some(m) => format!("<{name} xmlns='{SASL_NS}' mechanism='{m}'>{text}</{name}>"),
        None => format!("<{name} xmlns='{SASL_NS}'>{text}</{name}>"),
    }
}

/// Reads the next SASL element: `Ok((name, decoded data))`, or the failure condition.
async fn sasl_answer(conn: &mut Conn) -> Result<(String, Vec<u8>), BenchError> {
    let e = conn.next_stanza().await?;
    if e.ns != SASL_NS {
        return Err(BenchError::Protocol(format!(
            "unexpected <{}/> during SASL",
            e.name
        )));
    }
    if e.name == "failure" {
        let condition = e
            .elements()
            .next()
            .map(|c| c.name.clone())
            .unwrap_or_default();
        return Err(BenchError::SaslFailure(condition));
    }
    let text = e.text();
    let text = text.trim();
    let data = if text.is_empty() || text == "=" {
        Vec::new()
    } else {
        BASE64_STANDARD
            .decode(text)
            .map_err(|_| BenchError::Protocol("bad base64 from the server".into()))?
    };
    Ok((e.name, data))
}

async fn authenticate(
    conn: &mut Conn,
    features: &Element,
    p: &Profile,
    username: &str,
) -> Result<(), BenchError> {
    let wanted = p.mechanism.name();
    let offered = features
        .child("mechanisms", SASL_NS)
        .is_some_and(|m| m.elements().any(|e| e.text().trim() == wanted));
    if !offered {
        return Err(BenchError::MechanismNotOffered(wanted));
    }
    let hash = match p.mechanism {
        Mechanism::Plain => {
            let response = plain_response(username, &p.password);
            conn.send(&sasl_element("auth", Some(wanted), &response))
                .await?;
            return expect_success(sasl_answer(conn).await?);
        }
        Mechanism::Scram(hash) => hash,
    };
    let mut scram = ScramClient::new(hash, username, &p.password);
    conn.send(&sasl_element("auth", Some(wanted), &scram.client_first()))
        .await?;
    let (name, server_first) = sasl_answer(conn).await?;
    if name != "challenge" {
        return Err(BenchError::Protocol(format!(
            "expected a challenge, got <{name}/>"
        )));
    }
    let client_final = scram.client_final(&server_first, &p.keys)?;
    conn.send(&sasl_element("response", None, &client_final))
        .await?;
    let (name, data) = sasl_answer(conn).await?;
    match name.as_str() {
        "success" => scram.verify_server_final(&data)?,
        // Servers that send the verifier in a challenge expect an empty response.
        "challenge" => {
            scram.verify_server_final(&data)?;
            conn.send(&sasl_element("response", None, &[])).await?;
            expect_success(sasl_answer(conn).await?)?;
        }
        other => return Err(BenchError::Protocol(format!("unexpected <{other}/>"))),
    }
    Ok(())
}

fn expect_success((name, _): (String, Vec<u8>)) -> Result<(), BenchError> {
    match name.as_str() {
        "success" => Ok(()),
        other => Err(BenchError::Protocol(format!(
            "expected success, got <{other}/>"
        ))),
    }
}

/// Reads until the IQ reply with `id` (other stanzas are skipped).
pub async fn iq_reply(conn: &mut Conn, id: &str) -> Result<Element, BenchError> {
    loop {
        let e = conn.next_stanza().await?;
        if e.name == "iq" && e.attr("id") == Some(id) {
            return Ok(e);
        }
    }
}

/// The condition of a stanza error reply, if it is one.
pub fn error_condition(stanza: &Element) -> Option<String> {
    let error = stanza.elements().find(|e| e.name == "error")?;
    error
        .elements()
        .find(|c| c.name != "text")
        .map(|c| c.name.clone())
}

async fn bind(conn: &mut Conn, features: &Element, resource: &str) -> Result<String, BenchError> {
    if features.child("bind", BIND_NS).is_none() {
        return Err(BenchError::Protocol(
            "resource binding is not offered".into(),
        ));
    }
    let mut iq = format!("<iq type='set' id='bind'><bind xmlns='{BIND_NS}'><resource>");
    escape_attr(resource, &mut iq);
    iq.push_str("</resource></bind></iq>");
    conn.send(&iq).await?;
    let reply = iq_reply(conn, "bind").await?;
    let jid = reply
        .child("bind", BIND_NS)
        .and_then(|b| b.child("jid", BIND_NS))
        .map(Element::text)
        .filter(|j| !j.is_empty());
    let Some(jid) = jid else {
        return Err(BenchError::Protocol(format!(
            "bind failed: {}",
            error_condition(&reply).unwrap_or_default()
        )));
    };
    // RFC 3921 sessions: only when the server says they are not optional.
    if let Some(session) = features.child("session", SESSION_NS)
        && session.child("optional", SESSION_NS).is_none()
    {
        conn.send(&format!(
            "<iq type='set' id='sess'><session xmlns='{SESSION_NS}'/></iq>"
        ))
        .await?;
        let reply = iq_reply(conn, "sess").await?;
        if reply.attr("type") != Some("result") {
            return Err(BenchError::Protocol("session establishment failed".into()));
        }
    }
    Ok(jid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::testing::profile;
    use crate::sasl::ScramHash;
    use crate::testserver;

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[tokio::test]
    async fn logs_in_with_scram_and_plain() {
        let server = testserver::start(true).await;
        for mechanism in [Mechanism::Scram(ScramHash::Sha256), Mechanism::Plain] {
            let p = profile(server.addr, mechanism);
            let session = login(&p, 3, soon()).await.expect("login");
            assert_eq!(session.jid, "u3@localhost/bench");
            assert!(session.latency > Duration::ZERO);
            session.conn.close().await;
        }
        // The salted password was computed once and then reused.
        let p = profile(server.addr, Mechanism::Scram(ScramHash::Sha256));
        login(&p, 4, soon()).await.expect("first");
        login(&p, 4, soon()).await.expect("second");
        assert_eq!(p.keys.stats(), (1, 1));
    }

    #[tokio::test]
    async fn reports_refusals_by_kind() {
        let server = testserver::start(true).await;
        let mut p = profile(server.addr, Mechanism::Scram(ScramHash::Sha256));
        p.password = "wrong".into();
        let e = login(&p, 1, soon()).await.err().expect("refused");
        assert_eq!(e.kind(), "sasl-failure: not-authorized");
        let p = profile(server.addr, Mechanism::Scram(ScramHash::Sha1));
        let e = login(&p, 1, soon()).await.err().expect("not offered");
        assert_eq!(e.kind(), "mechanism-not-offered: SCRAM-SHA-1");
        let mut p = profile(server.addr, Mechanism::Plain);
        p.tls = TlsMode::Starttls;
        let e = login(&p, 1, soon()).await.err().expect("no starttls");
        assert_eq!(e.kind(), "protocol");
        let past = Instant::now().checked_sub(Duration::from_secs(1));
        let e = login(&p, 1, past.unwrap_or_else(Instant::now))
            .await
            .err()
            .expect("deadline");
        assert!(e.kind().starts_with("timeout: "), "{e}");
    }

    #[tokio::test]
    async fn registers_and_finds_existing_accounts() {
        let server = testserver::start(true).await;
        let p = profile(server.addr, Mechanism::Plain);
        assert_eq!(
            register(&p, 9, soon()).await.ok(),
            Some(Registered::Created)
        );
        assert_eq!(
            register(&p, 9, soon()).await.ok(),
            Some(Registered::Existing)
        );
    }
}
