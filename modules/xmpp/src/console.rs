//! The xmpp module's console commands (spec §9.8): `xmpp sessions`, `xmpp show session <jid>`,
//! `xmpp kick <jid>`, `xmpp s2s`, `xmpp user add|del|passwd`, and its `summary` lines.

use impetus_runtime::auth::SCRAM_ITERATIONS;
use impetus_xmpp_proto::jid::Jid;
use impetus_xmpp_proto::sasl::stored::StoredSecrets;
use impetus_xmpp_proto::stream_error::StreamErrorCondition;

use crate::state::XmppState;

const HELP: &str = "xmpp sessions | xmpp show session <jid> | xmpp kick <jid> | xmpp s2s | xmpp user add <jid> <password> | xmpp user passwd <jid> <password> | xmpp user del <jid>";

/// Runs one command; `None` for an unknown one.
pub fn command(state: &XmppState, args: &[&str]) -> Option<Result<String, String>> {
    let result = match args {
        ["sessions"] => Ok(sessions(state)),
        ["show", "session", jid] => show_session(state, jid),
        ["kick", jid] => kick(state, jid),
        ["s2s"] => Ok(s2s(state)),
        ["user", "add", jid, password] => set_user(state, jid, password, true),
        ["user", "passwd", jid, password] => set_user(state, jid, password, false),
        ["user", "del", jid] => delete_user(state, jid),
        ["help"] | [] => Ok(HELP.into()),
        _ => return None,
    };
    Some(result)
}

/// `summary` lines.
pub fn summary(state: &XmppState) -> Vec<(String, String)> {
    vec![
        ("XMPP sessions".into(), state.router.count().to_string()),
        (
            "XMPP s2s links".into(),
            state.s2s.pool.links().len().to_string(),
        ),
        (
            "XMPP domains".into(),
            state.hosts.iter().cloned().collect::<Vec<_>>().join(" "),
        ),
    ]
}

fn sessions(state: &XmppState) -> String {
    let mut all = state.router.all();
    all.sort_by_key(|s| s.jid.to_string());
    let mut out = format!("{} session(s)\n", all.len());
    for session in all {
        let presence = match session.available() {
            Some(a) if a.show.is_empty() => format!("available, priority {}", a.priority),
            Some(a) => format!("{}, priority {}", a.show, a.priority),
            None => "unavailable".into(),
        };
        out.push_str(&format!(
            "{}  {}  {}\n",
            session.jid, session.peer, presence
        ));
    }
    out
}

/// `xmpp s2s`: outgoing links with their queues, then inbound streams.
fn s2s(state: &XmppState) -> String {
    let links = state.s2s.pool.links();
    let mut out = format!("{} outgoing server-to-server link(s)\n", links.len());
    for link in links {
        let status = link.status();
        out.push_str(&format!(
            "out  {} -> {}  {}  {}  {}  {}  queued {}  sent {}\n",
            link.local,
            link.remote,
            status.state,
            status.peer.as_deref().unwrap_or("-"),
            if status.tls { "TLS" } else { "plain" },
            status.auth.unwrap_or("-"),
            link.queued(),
            status.sent
        ));
    }
    let inbound = state.s2s.pool.inbound();
    out.push_str(&format!(
        "{} inbound server-to-server stream(s)\n",
        inbound.len()
    ));
    for stream in inbound {
        let domains: Vec<String> = stream
            .domains
            .iter()
            .map(|(remote, local)| format!("{remote} -> {local}"))
            .collect();
        out.push_str(&format!(
            "in   {}  {}  {}  {}\n",
            stream.peer,
            if stream.tls { "TLS" } else { "plain" },
            stream.auth.unwrap_or("unauthenticated"),
            if domains.is_empty() {
                "-".into()
            } else {
                domains.join(", ")
            }
        ));
    }
    out
}

fn parse(jid: &str) -> Result<Jid, String> {
    Jid::parse(jid).map_err(|e| format!("invalid JID '{jid}': {e}"))
}

fn show_session(state: &XmppState, jid: &str) -> Result<String, String> {
    let jid = parse(jid)?;
    let sessions = if jid.resource().is_some() {
        state.router.session(&jid).into_iter().collect()
    } else {
        state.router.sessions(&jid)
    };
    if sessions.is_empty() {
        return Err(format!("no session for {jid}"));
    }
    Ok(sessions
        .iter()
        .map(|s| {
            format!(
                "jid: {}\npeer: {}\nid: {}\npresence: {:?}\n",
                s.jid,
                s.peer,
                s.id,
                s.available()
            )
        })
        .collect())
}

fn kick(state: &XmppState, jid: &str) -> Result<String, String> {
    let jid = parse(jid)?;
    let sessions = if jid.resource().is_some() {
        state.router.session(&jid).into_iter().collect()
    } else {
        state.router.sessions(&jid)
    };
    if sessions.is_empty() {
        return Err(format!("no session for {jid}"));
    }
    for session in &sessions {
        session.close(
            StreamErrorCondition::PolicyViolation,
            Some("disconnected by the administrator".into()),
        );
    }
    Ok(format!(
        "Disconnected {} session(s) of {jid}",
        sessions.len()
    ))
}

fn account(
    state: &XmppState,
    jid: &str,
) -> Result<
    (
        Jid,
        std::sync::Arc<dyn impetus_runtime::auth::CredentialBackend>,
    ),
    String,
> {
    let jid = parse(jid)?;
    if jid.node().is_none() || jid.resource().is_some() {
        return Err(format!("'{jid}' is not a bare user JID (user@domain)"));
    }
    if !state.hosts(jid.domain()) {
        return Err(format!("{} is not hosted here", jid.domain()));
    }
    let backend = state
        .writable_backend()
        .ok_or("no writable credential source (use uri = \"datasource://\")")?;
    Ok((jid, backend))
}

fn set_user(state: &XmppState, jid: &str, password: &str, create: bool) -> Result<String, String> {
    let (jid, backend) = account(state, jid)?;
    let node = jid.node().unwrap_or_default();
    let secrets =
        StoredSecrets::from_password(node, password, Some(jid.domain()), SCRAM_ITERATIONS)
            .map_err(|e| e.to_string())?;
    let done = if create {
        backend.create(jid.domain(), node, &secrets)
    } else {
        backend.update(jid.domain(), node, &secrets)
    };
    match done.map_err(|e| e.to_string())? {
        true if create => Ok(format!("Created {jid}")),
        true => Ok(format!("Changed the password of {jid}")),
        false if create => Err(format!("{jid} already exists")),
        false => Err(format!("{jid} does not exist")),
    }
}

fn delete_user(state: &XmppState, jid: &str) -> Result<String, String> {
    let (jid, backend) = account(state, jid)?;
    if !backend
        .delete(jid.domain(), jid.node().unwrap_or_default())
        .map_err(|e| e.to_string())?
    {
        return Err(format!("{jid} does not exist"));
    }
    for session in state.router.sessions(&jid) {
        session.close(
            StreamErrorCondition::NotAuthorized,
            Some("account removed".into()),
        );
    }
    Ok(format!("Deleted {jid}"))
}
