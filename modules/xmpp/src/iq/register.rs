//! XEP-0077: In-Band Registration. Off unless `allow_registration` is set on the listener:
//! account creation before authentication (rate-limited per IP), and password change and
//! account removal for an authenticated user (seed 003's FAQ), all in the embedded store.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use impetus_runtime::auth::{CredentialBackend, SCRAM_ITERATIONS};
use impetus_xml::Element;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::ns;
use impetus_xmpp_proto::sasl::stored::StoredSecrets;
use impetus_xmpp_proto::stanza::iq_result;
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition, error_reply};
use impetus_xmpp_proto::stream_error::StreamErrorCondition;
use parking_lot::Mutex;

use super::{IqHandler, IqTarget};
use crate::state::XmppState;

/// Registrations per IP address within a window (process-wide, survives reloads).
#[derive(Default)]
pub struct RegistrationThrottle {
    recent: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl RegistrationThrottle {
    /// Records an attempt; false when `ip` already made `count` within `window`.
    pub fn allow(&self, ip: IpAddr, count: u32, window: Duration) -> bool {
        let now = Instant::now();
        let mut recent = self.recent.lock();
        recent.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.duration_since(*t) < window)
        });
        let times = recent.entry(ip).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.len() >= count as usize {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// What an unauthenticated registration request needs to know about its connection.
pub struct Applicant<'a> {
    /// The stream's domain.
    pub domain: &'a str,
    /// The client's IP.
    pub ip: IpAddr,
    /// `registration_throttle` as (count, seconds).
    pub throttle: (u32, u32),
}

fn form(registered: Option<&str>) -> Element {
    let mut query = Element::new("query", ns::REGISTER);
    if let Some(user) = registered {
        query.push_child(Element::new("registered", ns::REGISTER));
        query.push_child(Element::new("username", ns::REGISTER).with_text(user));
    } else {
        query.push_child(
            Element::new("instructions", ns::REGISTER).with_text("Choose a username and password."),
        );
        query.push_child(Element::new("username", ns::REGISTER));
    }
    query.push_child(Element::new("password", ns::REGISTER));
    query
}

fn field(query: &Element, name: &str) -> Option<String> {
    query
        .child(name, ns::REGISTER)
        .map(|f| f.text())
        .filter(|t| !t.is_empty())
}

fn error(iq: &Element, condition: StanzaErrorCondition, text: &str) -> Element {
    let error = StanzaError::new(condition).with_text(text);
    error_reply(iq, &error).unwrap_or_else(|| iq_result(iq))
}

/// Answers a registration IQ sent before authentication.
pub fn before_auth(state: &XmppState, applicant: &Applicant<'_>, iq: &Element) -> Element {
    let Some(query) = iq.child("query", ns::REGISTER) else {
        return error(iq, StanzaErrorCondition::BadRequest, "missing query");
    };
    if iq.attr("type") == Some("get") {
        return iq_result(iq).with_child(form(None));
    }
    let (Some(username), Some(password)) = (field(query, "username"), field(query, "password"))
    else {
        return error(
            iq,
            StanzaErrorCondition::NotAcceptable,
            "username and password are required",
        );
    };
    let jid = match Jid::parse(&format!("{username}@{}", applicant.domain)) {
        Ok(jid) if jid.node().is_some() => jid,
        _ => {
            return error(
                iq,
                StanzaErrorCondition::NotAcceptable,
                "that username is not valid",
            );
        }
    };
    let Some(backend) = state.writable_backend() else {
        return error(
            iq,
            StanzaErrorCondition::NotAllowed,
            "accounts cannot be created on this server",
        );
    };
    let (count, seconds) = applicant.throttle;
    if !state.registration_throttle.allow(
        applicant.ip,
        count,
        Duration::from_secs(u64::from(seconds)),
    ) {
        return error(
            iq,
            StanzaErrorCondition::ResourceConstraint,
            "too many registrations from your address; try later",
        );
    }
    let node = jid.node().unwrap_or_default();
    let secrets = match StoredSecrets::from_password(
        node,
        &password,
        Some(applicant.domain),
        SCRAM_ITERATIONS,
    ) {
        Ok(secrets) => secrets,
        Err(e) => return error(iq, StanzaErrorCondition::NotAcceptable, &e.to_string()),
    };
    match backend.create(applicant.domain, node, &secrets) {
        Ok(true) => {
            tracing::info!(jid = %jid, ip = %applicant.ip, "Account registered in-band");
            iq_result(iq)
        }
        Ok(false) => error(iq, StanzaErrorCondition::Conflict, "that username is taken"),
        Err(e) => error(
            iq,
            StanzaErrorCondition::InternalServerError,
            &e.to_string(),
        ),
    }
}

/// The handler for authenticated users: form with `<registered/>`, password change, removal.
/// Clients address these to the server or send them without `to` (XEP-0077 §3.2, which
/// RFC 6120 §10.3.3 routes to the sender's own account), so `target` is registered twice; an
/// account target only answers its own user.
pub fn handler(target: IqTarget) -> IqHandler {
    IqHandler {
        namespace: ns::REGISTER,
        target,
        handle: Arc::new(move |request| {
            if target == IqTarget::Account && *request.to != request.from.bare() {
                return Err(StanzaError::new(StanzaErrorCondition::ServiceUnavailable));
            }
            let node = request.from.node().unwrap_or_default();
            if !request.set {
                return Ok(Some(form(Some(node))));
            }
            let backend = request
                .state
                .writable_backend()
                .ok_or_else(|| StanzaError::new(StanzaErrorCondition::NotAllowed))?;
            if request.payload.child("remove", ns::REGISTER).is_some() {
                return remove(request, backend.as_ref());
            }
            let password = field(request.payload, "password")
                .ok_or_else(|| StanzaError::new(StanzaErrorCondition::BadRequest))?;
            if field(request.payload, "username").is_some_and(|u| u != node) {
                return Err(StanzaError::new(StanzaErrorCondition::NotAuthorized)
                    .with_text("you can only change your own password"));
            }
            let secrets = StoredSecrets::from_password(
                node,
                &password,
                Some(request.from.domain()),
                SCRAM_ITERATIONS,
            )
            .map_err(|e| {
                StanzaError::new(StanzaErrorCondition::NotAcceptable).with_text(&e.to_string())
            })?;
            match backend.update(request.from.domain(), node, &secrets) {
                Ok(true) => Ok(None),
                Ok(false) => Err(StanzaError::new(StanzaErrorCondition::ItemNotFound)),
                Err(e) => Err(StanzaError::new(StanzaErrorCondition::InternalServerError)
                    .with_text(&e.to_string())),
            }
        }),
    }
}

fn remove(
    request: &super::IqRequest<'_>,
    backend: &dyn CredentialBackend,
) -> Result<Option<Element>, StanzaError> {
    let from = request.from;
    match backend.delete(from.domain(), from.node().unwrap_or_default()) {
        Ok(_) => {
            let bare = from.bare();
            tracing::info!(jid = %bare, "Account removed in-band");
            // Close every resource after the result is queued (XEP-0077 §3.2).
            let sessions = request.state.router.sessions(&bare);
            request.after.borrow_mut().push(Box::new(move || {
                for session in sessions {
                    session.close(
                        StreamErrorCondition::NotAuthorized,
                        Some("account removed".into()),
                    );
                }
            }));
            Ok(None)
        }
        Err(e) => {
            Err(StanzaError::new(StanzaErrorCondition::InternalServerError)
                .with_text(&e.to_string()))
        }
    }
}
