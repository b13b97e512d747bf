//! Wiring module tables to hook points: each callback a script's module defines becomes one
//! Rust handler on the matching hook point, in configuration order. Callbacks:
//!
//! | method | hook point | arguments |
//! |---|---|---|
//! | `validate_connect` | `validate_connect` | `ac`, `vctx` |
//! | `client_{message,presence,iq}_recv` | `stanza/in` | `sess`, `stanza` |
//! | `local_{message,presence,iq}_deliver` | `stanza/deliver` | `to` (JID), `stanza` |
//! | `session_bound`, `session_closed` | `session/bound`, `session/closed` | `sess` |
//! | `core_<hook>` (`core_stanza_in`, `core_stanza_deliver`, `core_session_bound`, `core_session_closed`, `core_validate_connect`) | `<hook>` | as above |
//!
//! A callback returning `DONE` (1) stops the chain; a Lua error is logged with script, hook
//! and line and becomes `internal-server-error` for the stanza.

use std::sync::Arc;

use impetus_runtime::hooks::DEFAULT_ORDER;
use impetus_runtime::listener::{ConnectAttempt, VALIDATE_CONNECT};
use impetus_runtime::{Flow, Registrar};
use impetus_xml::Element;
use impetus_xmpp_proto::stanza::{StanzaKind, kind_of};
use impetus_xmpp_proto::stanza_error::{StanzaError, StanzaErrorCondition};
use mlua::{IntoLua, Lua, MultiValue, Value};
use mod_xmpp::hooks::{
    DeliverEvent, SESSION_BOUND, SESSION_CLOSED, STANZA_DELIVER, STANZA_IN, SessionEvent,
    StanzaEvent,
};

use crate::api::jid::LuaJid;
use crate::api::session::LuaSession;
use crate::api::xml::LuaNode;
use crate::error::{LoadError, ScriptError};
use crate::host::{Host, Target, is_done};
use crate::instance::{ModuleKind, Registered};
use crate::vctx::Vctx;

/// Where a callback hangs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    ValidateConnect,
    StanzaIn(Option<StanzaKind>),
    Deliver(Option<StanzaKind>),
    SessionBound,
    SessionClosed,
}

/// Hook names `core_<hook>` methods may use.
const CORE_HOOKS: [(&str, Point); 5] = [
    ("validate_connect", Point::ValidateConnect),
    ("stanza_in", Point::StanzaIn(None)),
    ("stanza_deliver", Point::Deliver(None)),
    ("session_bound", Point::SessionBound),
    ("session_closed", Point::SessionClosed),
];

/// Fixed callouts of `msys.registerModule` tables that Impetus never calls (SMTP phases).
const SMTP_CALLOUTS: [&str; 10] = [
    "validate_ehlo",
    "validate_mailfrom",
    "validate_rcptto",
    "validate_data",
    "validate_data_spool",
    "validate_data_spool_each_rcpt",
    "validate_set_binding",
    "validate_rcptto_list",
    "validate_rcptto_list_final",
    "validate_dealloc",
];

fn kinded(prefix: &str, suffix: &str, method: &str) -> Option<Option<StanzaKind>> {
    let kind = method.strip_prefix(prefix)?.strip_suffix(suffix)?;
    match kind {
        "message" => Some(Some(StanzaKind::Message)),
        "presence" => Some(Some(StanzaKind::Presence)),
        "iq" => Some(Some(StanzaKind::Iq)),
        _ => None,
    }
}

/// The hook point of `method`, `Ok(None)` for methods that are not callbacks.
fn point_of(module: &Registered, method: &str) -> Result<Option<Point>, LoadError> {
    if let Some(hook) = method.strip_prefix("core_") {
        return CORE_HOOKS
            .iter()
            .find(|(name, _)| *name == hook)
            .map(|(_, point)| Some(*point))
            .ok_or_else(|| LoadError::UnknownHook {
                module: module.name.clone(),
                method: method.to_owned(),
                hook: hook.to_owned(),
                known: CORE_HOOKS
                    .iter()
                    .map(|(n, _)| format!("core_{n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
    }
    Ok(match (module.kind, method) {
        (ModuleKind::Core, "validate_connect") => Some(Point::ValidateConnect),
        (ModuleKind::Xmpp, "session_bound") => Some(Point::SessionBound),
        (ModuleKind::Xmpp, "session_closed") => Some(Point::SessionClosed),
        (ModuleKind::Xmpp, m) => kinded("client_", "_recv", m)
            .map(Point::StanzaIn)
            .or_else(|| kinded("local_", "_deliver", m).map(Point::Deliver)),
        _ => None,
    })
}

/// Registers a handler for every callback of every module; warns about modules without any.
pub fn register(
    host: &Arc<Host>,
    modules: &[Registered],
    registrar: &mut Registrar,
) -> Result<(), LoadError> {
    for module in modules {
        let mut methods = Vec::new();
        for pair in module.table.pairs::<Value, Value>() {
            if let Ok((Value::String(key), Value::Function(_))) = pair {
                methods.push(key.to_string_lossy());
            }
        }
        methods.sort();
        let mut usable = false;
        for method in &methods {
            let lifecycle =
                module.kind == ModuleKind::Core && matches!(method.as_str(), "init" | "deinit");
            if module.kind == ModuleKind::Core && SMTP_CALLOUTS.contains(&method.as_str()) {
                tracing::warn!(target: "mod_scriptlet", module = %module.name, "scriptlet: {method} is an SMTP callout; Impetus never calls it");
            }
            let Some(point) = point_of(module, method)? else {
                usable |= lifecycle;
                continue;
            };
            usable = true;
            let target = Target {
                script: module.script.clone(),
                kind: module.kind,
                method: method.clone(),
            };
            add_handler(host.clone(), target, point, registrar);
        }
        if !usable {
            tracing::warn!(target: "mod_scriptlet", "scriptlet: no usable methods found for module {} in registerModule call", module.name);
        }
    }
    let sessions = host.sessions.clone();
    registrar.hook(
        &SESSION_CLOSED,
        i32::MAX,
        Arc::new(move |event: &mut SessionEvent| {
            sessions.forget(event.session.id);
            Ok(Flow::Continue)
        }),
    );
    Ok(())
}

fn log(error: &ScriptError) {
    tracing::error!(target: "mod_scriptlet", script = %error.script, hook = %error.hook, line = error.line(), "{error}");
}

fn userdata(lua: &Lua, value: impl IntoLua) -> mlua::Result<Value> {
    value.into_lua(lua)
}

/// Turns a stanza callback's outcome into the hook's: `DONE` stops, changes made to the
/// stanza are kept, errors become `internal-server-error`.
fn stanza_outcome(
    result: Result<MultiValue, ScriptError>,
    node: &LuaNode,
    stanza: &mut Element,
) -> Result<Flow, StanzaError> {
    match result {
        Ok(values) if is_done(&values) => Ok(Flow::Done),
        Ok(_) => {
            let tree = node.tree.borrow();
            if tree.dirty
                && let Some(changed) = tree.root.and_then(|root| tree.export(root))
            {
                *stanza = changed;
            }
            Ok(Flow::Continue)
        }
        Err(error) => {
            log(&error);
            Err(StanzaError::new(StanzaErrorCondition::InternalServerError))
        }
    }
}

fn wants(filter: Option<StanzaKind>, stanza: &Element) -> bool {
    filter.is_none_or(|kind| kind_of(stanza) == Some(kind))
}

fn add_handler(host: Arc<Host>, target: Target, point: Point, registrar: &mut Registrar) {
    let hook = target.method.clone();
    match point {
        Point::ValidateConnect => registrar.hook(
            &VALIDATE_CONNECT,
            DEFAULT_ORDER,
            Arc::new(move |attempt: &mut ConnectAttempt| {
                let vctx = Vctx::new(attempt);
                let refusal = vctx.refusal.clone();
                let result = host.call(&target, &hook, |lua| {
                    Ok(MultiValue::from_iter([
                        vctx.accept_table(lua)?,
                        userdata(lua, vctx)?,
                    ]))
                });
                match result {
                    Ok(values) => {
                        if let Some(reason) = refusal.borrow_mut().take() {
                            attempt.refuse = Some(format!("{} (script {})", reason, target.script));
                            return Ok(Flow::Done);
                        }
                        Ok(if is_done(&values) {
                            Flow::Done
                        } else {
                            Flow::Continue
                        })
                    }
                    Err(error) => {
                        // The connection goes on: a broken script must not take the server down.
                        log(&error);
                        Ok(Flow::Continue)
                    }
                }
            }),
        ),
        Point::StanzaIn(filter) => registrar.hook(
            &STANZA_IN,
            DEFAULT_ORDER,
            Arc::new(move |event: &mut StanzaEvent| {
                if !wants(filter, &event.stanza) {
                    return Ok(Flow::Continue);
                }
                let node = LuaNode::from_element(&event.stanza);
                let session = event.session.clone().map(LuaSession);
                let argument = node.clone();
                let result = host.call(&target, &hook, |lua| {
                    Ok(MultiValue::from_iter([
                        userdata(lua, session)?,
                        userdata(lua, argument)?,
                    ]))
                });
                stanza_outcome(result, &node, &mut event.stanza)
            }),
        ),
        Point::Deliver(filter) => registrar.hook(
            &STANZA_DELIVER,
            DEFAULT_ORDER,
            Arc::new(move |event: &mut DeliverEvent| {
                if !wants(filter, &event.stanza) {
                    return Ok(Flow::Continue);
                }
                let node = LuaNode::from_element(&event.stanza);
                let to = LuaJid(event.to.clone());
                let argument = node.clone();
                let result = host.call(&target, &hook, |lua| {
                    Ok(MultiValue::from_iter([
                        userdata(lua, to)?,
                        userdata(lua, argument)?,
                    ]))
                });
                stanza_outcome(result, &node, &mut event.stanza)
            }),
        ),
        Point::SessionBound | Point::SessionClosed => {
            let point = if point == Point::SessionBound {
                &SESSION_BOUND
            } else {
                &SESSION_CLOSED
            };
            registrar.hook(
                point,
                DEFAULT_ORDER,
                Arc::new(move |event: &mut SessionEvent| {
                    let session = LuaSession(event.session.clone());
                    match host.call(&target, &hook, |lua| {
                        Ok(MultiValue::from_iter([userdata(lua, session)?]))
                    }) {
                        Ok(values) if is_done(&values) => Ok(Flow::Done),
                        Ok(_) => Ok(Flow::Continue),
                        Err(error) => {
                            log(&error);
                            Ok(Flow::Continue)
                        }
                    }
                }),
            );
        }
    }
}
