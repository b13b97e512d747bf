//! Opening an s2s stream to another server (RFC 6120 §4-§6): find a target (static route,
//! SRV, A/AAAA, or the SOCKS5 proxy for `.onion`), connect, STARTTLS (or direct TLS), check the
//! certificate against the domain's policy, then authenticate with SASL EXTERNAL (XEP-0178)
//! when offered, else with dialback (XEP-0220). Also asks an authoritative server to verify a
//! dialback key, over a connection of its own.

use base64::Engine;
use impetus_config::Config;
use impetus_xml::{Element, Limits, StreamEvent, StreamHeader, StreamReader};
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::stanza_error::StanzaErrorCondition;
use tokio::net::TcpStream;

use super::dialback::{self, DbBody, DbElement, Outcome};
use super::options::TlsMode;
use super::policy::{self, RemotePolicy};
use super::resolve::{DEFAULT_PORT, ResolveError, Target};
use super::stream::{XmlStream, header};
use super::verify::{self, Verdict};
use super::{S2s, socks};

/// Why a stream could not be established.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// No server could be found or reached, or it was refused (bad certificate, no TLS,
    /// authentication refused).
    #[error("{0}")]
    NotFound(String),
    /// Something took too long.
    #[error("{0}")]
    Timeout(String),
    /// The connection broke after it was made (worth one retry).
    #[error("{0}")]
    Lost(String),
}

impl Failure {
    /// The stanza error queued stanzas bounce with.
    pub fn condition(&self) -> StanzaErrorCondition {
        match self {
            Failure::Timeout(_) => StanzaErrorCondition::RemoteServerTimeout,
            Failure::NotFound(_) | Failure::Lost(_) => StanzaErrorCondition::RemoteServerNotFound,
        }
    }
}

impl From<ResolveError> for Failure {
    fn from(error: ResolveError) -> Self {
        match error {
            ResolveError::NotFound(why) => Failure::NotFound(why),
            ResolveError::Timeout(why) => Failure::Timeout(why),
        }
    }
}

/// An authenticated outgoing stream.
pub struct Established {
    /// The stream.
    pub stream: XmlStream,
    /// The address connected to.
    pub peer: String,
    /// `EXTERNAL` or `dialback`.
    pub auth: &'static str,
}

/// The two ends of a stream we open.
struct Ends<'a> {
    s2s: &'a S2s,
    local: &'a str,
    remote: &'a str,
    policy: RemotePolicy,
}

/// Opens and authenticates a stream from hosted `local` to `remote`.
pub async fn establish(
    s2s: &S2s,
    config: &Config,
    local: &str,
    remote: &str,
) -> Result<Established, Failure> {
    let ends = ends(s2s, config, local, remote)?;
    let (mut stream, features, id, peer) = open(&ends).await?;
    let auth = authenticate(&ends, config, &mut stream, &features, &id).await?;
    Ok(Established { stream, peer, auth })
}

/// Asks the authoritative server of `originating` whether `key` is the dialback key it gave
/// for the stream `id` it opened to our hosted `receiving` (XEP-0220 §2.1.2).
pub async fn verify_key(
    s2s: &S2s,
    config: &Config,
    receiving: &str,
    originating: &str,
    id: &str,
    key: &str,
) -> Result<Outcome, Failure> {
    let ends = ends(s2s, config, receiving, originating)?;
    let (mut stream, _, _, peer) = open(&ends).await?;
    let request = DbElement {
        name: "verify",
        from: receiving,
        to: originating,
        id: Some(id),
        body: DbBody::Key(key),
    };
    send(&mut stream, &request.write()).await?;
    loop {
        let element = next_element(&mut stream).await?;
        if element.is("verify", ns::DIALBACK) && element.attr("id") == Some(id) {
            let outcome = dialback::outcome(&element)
                .unwrap_or(Outcome::Error(StanzaErrorCondition::UndefinedCondition));
            tracing::debug!(target: "mod_xmpp", %peer, originating, receiving, ?outcome, "Dialback key verified by the authoritative server");
            stream.close("</stream:stream>").await;
            return Ok(outcome);
        }
    }
}

fn ends<'a>(
    s2s: &'a S2s,
    config: &Config,
    local: &'a str,
    remote: &'a str,
) -> Result<Ends<'a>, Failure> {
    let policy =
        policy::remote(config, remote, s2s.settings.allow_unlisted).map_err(Failure::NotFound)?;
    if !policy.federates {
        return Err(Failure::NotFound(format!(
            "this server does not federate with {remote}"
        )));
    }
    Ok(Ends {
        s2s,
        local,
        remote,
        policy,
    })
}

/// Connects to the first reachable target and negotiates up to authentication: returns the
/// stream, its latest features, its stream id and the peer address.
async fn open(ends: &Ends<'_>) -> Result<(XmlStream, Element, String, String), Failure> {
    let targets = match &ends.policy.route {
        Some(route) => vec![route.clone()],
        None if is_onion(ends.remote) => vec![Target {
            host: ends.remote.to_owned(),
            port: DEFAULT_PORT,
            direct_tls: false,
        }],
        None => ends.s2s.resolver().targets(ends.remote).await?,
    };
    let mut last = Failure::NotFound(format!("no server for {}", ends.remote));
    for target in targets {
        match connect(ends.s2s, &target).await {
            Ok((tcp, peer)) => {
                let limits = Limits::default();
                let stream =
                    XmlStream::new(Box::new(tcp), StreamReader::new(limits.clone()), limits);
                let (stream, features, id) = negotiate(ends, stream, target.direct_tls).await?;
                return Ok((stream, features, id, peer));
            }
            Err(failure) => {
                tracing::debug!(target: "mod_xmpp", remote = ends.remote, host = %target.host, port = target.port, error = %failure, "Cannot connect");
                last = failure;
            }
        }
    }
    Err(last)
}

fn is_onion(host: &str) -> bool {
    host.trim_end_matches('.').ends_with(".onion")
}

async fn connect(s2s: &S2s, target: &Target) -> Result<(TcpStream, String), Failure> {
    let name = format!("{}:{}", target.host, target.port);
    if is_onion(&target.host) {
        let proxy = s2s.settings.socks5_proxy.as_deref().ok_or_else(|| {
            Failure::NotFound(format!(
                "{} is an onion service and no s2s_socks5_proxy is configured",
                target.host
            ))
        })?;
        let stream = socks::connect(proxy, &target.host, target.port)
            .await
            .map_err(|e| Failure::NotFound(format!("{name} through {proxy}: {e}")))?;
        return Ok((stream, name));
    }
    let mut last = Failure::NotFound(format!("{} has no address", target.host));
    for address in s2s.resolver().addresses(&target.host, target.port).await? {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok((stream, address.to_string()));
            }
            Err(e) => last = Failure::NotFound(format!("{address}: {e}")),
        }
    }
    Err(last)
}

async fn send(stream: &mut XmlStream, text: &str) -> Result<(), Failure> {
    stream
        .send(text)
        .await
        .map_err(|e| Failure::Lost(e.to_string()))
}

/// The next top-level element; a stream error or the end of the stream is a failure.
async fn next_element(stream: &mut XmlStream) -> Result<Element, Failure> {
    match stream
        .next()
        .await
        .map_err(|e| Failure::Lost(e.to_string()))?
    {
        StreamEvent::Stanza(element) if element.is("error", ns::STREAMS) => {
            Err(Failure::NotFound(format!(
                "the remote server sent a stream error: {}",
                describe_error(&element)
            )))
        }
        StreamEvent::Stanza(element) => Ok(element),
        StreamEvent::Close => Err(Failure::Lost("the remote server closed the stream".into())),
        StreamEvent::Header(_) => Err(Failure::NotFound("unexpected stream header".into())),
    }
}

/// The condition (and text) of a `<stream:error/>`.
pub fn describe_error(error: &Element) -> String {
    let condition = error
        .elements()
        .find(|e| e.ns == ns::STREAM_ERRORS && e.name != "text")
        .map(|e| e.name.clone())
        .unwrap_or_else(|| "undefined-condition".into());
    match error.child("text", ns::STREAM_ERRORS) {
        Some(text) => format!("{condition} ({})", text.text()),
        None => condition,
    }
}

async fn next_header(stream: &mut XmlStream) -> Result<StreamHeader, Failure> {
    match stream
        .next()
        .await
        .map_err(|e| Failure::Lost(e.to_string()))?
    {
        StreamEvent::Header(header) if header.default_ns.as_deref() == Some(ns::SERVER) => {
            Ok(header)
        }
        StreamEvent::Header(_) => Err(Failure::NotFound(
            "the remote server did not open a jabber:server stream".into(),
        )),
        _ => Err(Failure::NotFound(
            "the remote server did not open a stream".into(),
        )),
    }
}

async fn tls(ends: &Ends<'_>, stream: XmlStream, direct: bool) -> Result<XmlStream, Failure> {
    let config = ends
        .s2s
        .client_tls(ends.local, direct)
        .map_err(Failure::NotFound)?;
    let stream = stream
        .connect_tls(config, ends.remote)
        .await
        .map_err(|e| Failure::NotFound(format!("TLS with {} failed: {e}", ends.remote)))?;
    let verdict = match ends.s2s.anchors(ends.policy.ca.as_deref()).as_ref() {
        Ok(anchors) => verify::check(&stream.peer_certificates, ends.remote, anchors),
        Err(e) => Verdict::Untrusted(e.clone()),
    };
    if !verdict.acceptable(ends.policy.verify) {
        tracing::warn!(target: "mod_xmpp", remote = ends.remote, reason = %verdict.describe(), "Refused the certificate of a remote server");
        return Err(Failure::NotFound(format!(
            "{} presented a bad certificate: {}",
            ends.remote,
            verdict.describe()
        )));
    }
    Ok(stream)
}

/// Headers, features and TLS until the stream is ready to authenticate.
async fn negotiate(
    ends: &Ends<'_>,
    mut stream: XmlStream,
    direct: bool,
) -> Result<(XmlStream, Element, String), Failure> {
    if direct {
        stream = tls(ends, stream, true).await?;
    }
    loop {
        send(&mut stream, &header(ends.local, Some(ends.remote), None)).await?;
        let opened = next_header(&mut stream).await?;
        let id = opened.attr("id").unwrap_or_default().to_owned();
        let features = next_element(&mut stream).await?;
        if !features.is("features", ns::STREAMS) {
            return Err(Failure::NotFound(
                "the remote server sent no stream features".into(),
            ));
        }
        if !stream.tls
            && ends.policy.tls != TlsMode::No
            && features.child("starttls", ns::TLS).is_some()
        {
            send(
                &mut stream,
                &Element::new("starttls", ns::TLS).to_string_in(ns::SERVER),
            )
            .await?;
            let answer = next_element(&mut stream).await?;
            if !answer.is("proceed", ns::TLS) {
                return Err(Failure::NotFound(format!(
                    "{} refused STARTTLS",
                    ends.remote
                )));
            }
            stream = tls(ends, stream, false).await?;
            continue;
        }
        if !stream.tls && ends.policy.tls == TlsMode::Required {
            return Err(Failure::NotFound(format!(
                "{} offers no TLS, which tls = required demands",
                ends.remote
            )));
        }
        return Ok((stream, features, id));
    }
}

async fn authenticate(
    ends: &Ends<'_>,
    config: &Config,
    stream: &mut XmlStream,
    features: &Element,
    id: &str,
) -> Result<&'static str, Failure> {
    let external = features
        .child("mechanisms", ns::SASL)
        .is_some_and(|m| m.elements().any(|e| e.text().trim() == "EXTERNAL"));
    if stream.tls && external {
        let auth = Element::new("auth", ns::SASL)
            .with_attr("mechanism", "EXTERNAL")
            .with_text(&base64::engine::general_purpose::STANDARD.encode(ends.local));
        send(stream, &auth.to_string_in(ns::SERVER)).await?;
        let answer = next_element(stream).await?;
        if answer.is("success", ns::SASL) {
            stream.restart();
            send(stream, &header(ends.local, Some(ends.remote), None)).await?;
            next_header(stream).await?;
            next_element(stream).await?;
            return Ok("EXTERNAL");
        }
        tracing::debug!(target: "mod_xmpp", remote = ends.remote, "SASL EXTERNAL refused; trying dialback");
    }
    if id.is_empty() {
        return Err(Failure::NotFound(format!(
            "{} gave no stream id for dialback",
            ends.remote
        )));
    }
    let secret = policy::secret(config, ends.local, ends.remote, &ends.s2s.pool.secret);
    let key = dialback::key(&secret, ends.remote, ends.local, id);
    let request = DbElement {
        name: "result",
        from: ends.local,
        to: ends.remote,
        id: None,
        body: DbBody::Key(&key),
    };
    send(stream, &request.write()).await?;
    loop {
        let element = next_element(stream).await?;
        if !element.is("result", ns::DIALBACK) || element.attr("from") != Some(ends.remote) {
            continue;
        }
        return match dialback::outcome(&element) {
            Some(Outcome::Valid) => Ok("dialback"),
            Some(Outcome::Invalid) => Err(Failure::NotFound(format!(
                "{} refused our dialback key",
                ends.remote
            ))),
            Some(Outcome::Error(condition)) => Err(Failure::NotFound(format!(
                "{} answered dialback with {condition}",
                ends.remote
            ))),
            None => continue,
        };
    }
}
