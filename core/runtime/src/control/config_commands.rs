//! The console's `config` commands (spec §1.8, §7.2): `get` (set in exactly that scope),
//! `eval` (with fallback to the default), `show`, `locate`, `set` / `unset` (applied at once
//! as a new generation, lost at the next `config reload` as in Momentum), and `reload`.
//!
//! A scope path is a sequence of scope kinds, each followed by its instance name when the
//! scope takes one: `config eval xmpp_listener listen 127.0.0.1:5222 idle_time`.

use std::fmt::Write as _;

use impetus_config::schema::GLOBAL;
use impetus_config::{
    Config, InstanceRule, Location, Name, OptionNode, Resolved, Schema, ScopeNode,
};

use crate::server::Server;

const USAGE: &str = "config get|eval [scope [instance] ...] option | config set [scope ...] option value | config unset [scope ...] option | config show [scope ...] | config locate scope | config reload";

/// Runs `config <args>`.
pub fn run(server: &Server, args: &[String]) -> Result<String, String> {
    let generation = server.current();
    let config = &generation.config;
    match args.split_first() {
        Some((verb, rest)) => match verb.to_ascii_lowercase().as_str() {
            "get" => get(config, rest, false),
            "eval" => get(config, rest, true),
            "show" | "showrecurse" => show(config, rest),
            "locate" => locate(config, rest),
            "set" => edit(server, config, rest, true),
            "unset" => edit(server, config, rest, false),
            "reload" => match server.reload() {
                Ok(generation) => Ok(format!(
                    "Reconfigure succeeded (generation {}).\n",
                    generation.id
                )),
                Err(errors) => Err(format!("{}\nReconfigure failed.\n", errors.join("\n"))),
            },
            _ => Err(USAGE.into()),
        },
        None => Err(USAGE.into()),
    }
}

/// Walks scope tokens from the root: returns the chain of scopes found (root first) and the
/// tokens left over (the option, and for `set` its value).
fn walk<'a, 't>(
    root: &'a ScopeNode,
    schema: &Schema,
    tokens: &'t [String],
) -> (Vec<&'a ScopeNode>, &'t [String]) {
    let mut chain = vec![root];
    let mut rest = tokens;
    while let (Some(node), Some((kind, after))) = (chain.last().copied(), rest.split_first()) {
        let takes_instance = takes_instance(schema, node, kind);
        let (instance, after_instance) = match (takes_instance, after.split_first()) {
            (true, Some((instance, remaining)))
                if !remaining.is_empty() || node.child(kind, Some(instance)).is_some() =>
            {
                (Some(instance.as_str()), remaining)
            }
            _ => (None, after),
        };
        let Some(child) = node
            .children
            .iter()
            .find(|c| c.kind.eq_ignore_case(kind) && c.instance.as_deref() == instance)
        else {
            break;
        };
        chain.push(child);
        rest = after_instance;
    }
    (chain, rest)
}

fn takes_instance(schema: &Schema, parent: &ScopeNode, kind: &str) -> bool {
    let parent_kind = if parent.kind.eq_ignore_case(GLOBAL) {
        GLOBAL
    } else {
        parent.kind.as_str()
    };
    if let Some(spec) = schema.child_scope(parent_kind, kind) {
        return spec.instance != InstanceRule::Forbidden;
    }
    schema.module(kind).is_some_and(|m| !m.singleton)
}

fn get(config: &Config, args: &[String], fallback: bool) -> Result<String, String> {
    let (chain, rest) = walk(config.root(), config.schema(), args);
    let [option] = rest else {
        return Err(format!(
            "expected a scope path and one option name; {USAGE}"
        ));
    };
    let Some(scope) = chain.last() else {
        return Err(USAGE.into());
    };
    if !fallback {
        return scope
            .get(option)
            .map(|v| format!("{option} = {}\n", v.value))
            .ok_or_else(|| format!("'{option}' is not set in scope {}", scope.label()));
    }
    let resolved = Resolved::new(chain.iter().rev().copied().collect(), config.schema());
    match resolved.get_raw(option) {
        Some(value) => Ok(format!("{option} = {}\n", value.value)),
        None => match resolved.spec(option).and_then(|spec| spec.default) {
            Some(default) => Ok(format!("{option} = {default} # default\n")),
            None if resolved.spec(option).is_some() => {
                Ok(format!("{option} is not set and has no default\n"))
            }
            None => Err(format!("'{option}' is not a known option")),
        },
    }
}

fn print_scope(out: &mut String, node: &ScopeNode, depth: usize) {
    let indent = "  ".repeat(depth);
    for option in &node.options {
        let _ = writeln!(out, "{indent}{} = {}", option.name, option.value.value);
    }
    for child in &node.children {
        let _ = writeln!(out, "{indent}{} {{", child.label());
        print_scope(out, child, depth + 1);
        let _ = writeln!(out, "{indent}}}");
    }
}

fn show(config: &Config, args: &[String]) -> Result<String, String> {
    let (chain, rest) = walk(config.root(), config.schema(), args);
    if !rest.is_empty() {
        return Err(format!("no scope {}", rest.join(" ")));
    }
    let mut out = String::new();
    if let Some(scope) = chain.last() {
        print_scope(&mut out, scope, 0);
    }
    Ok(out)
}

fn locate(config: &Config, args: &[String]) -> Result<String, String> {
    let [kind] = args else {
        return Err("config locate scope".into());
    };
    let mut out = String::new();
    let mut stack: Vec<(&ScopeNode, String)> = vec![(config.root(), String::new())];
    while let Some((node, path)) = stack.pop() {
        for child in node.children.iter().rev() {
            let escaped = child.instance.as_deref().unwrap_or("").replace(':', "\\:");
            let child_path = format!("{path}{}:{escaped}:", child.kind);
            if child.kind.eq_ignore_case(kind) {
                let _ = writeln!(
                    out,
                    "{child_path}  ({}:{})",
                    child.location.file, child.location.line
                );
            }
            stack.push((child, format!("{child_path}:")));
        }
    }
    if out.is_empty() {
        return Err(format!("no scope of kind '{kind}'"));
    }
    Ok(out)
}

fn edit(server: &Server, config: &Config, args: &[String], set: bool) -> Result<String, String> {
    let mut root = config.root().clone();
    let (chain, rest) = walk(config.root(), config.schema(), args);
    // Re-walk mutably by positions, since the tree was cloned.
    let mut node = &mut root;
    for scope in chain.iter().skip(1) {
        let position = node
            .children
            .iter()
            .position(|c| c.kind == scope.kind && c.instance == scope.instance)
            .ok_or("the scope disappeared")?;
        node = &mut node.children[position];
    }
    let (option, value) = match (set, rest) {
        (true, [option, value @ ..]) if !value.is_empty() => (option, Some(value.join(" "))),
        (false, [option]) => (option, None),
        _ => return Err(USAGE.into()),
    };
    let location = Location::new("<console>".into(), 1, 1);
    node.options.retain(|o| !o.name.eq_ignore_case(option));
    if let Some(text) = value {
        let text = text.strip_prefix("= ").unwrap_or(&text).to_owned();
        let value = impetus_config::parse_value(&text, "<console>").map_err(|d| d.message)?;
        node.options.push(OptionNode {
            name: Name::new(option.as_str()),
            value,
            location,
            readonly: false,
        });
    }
    let loaded = server.registry().load_tree(root).map_err(|d| {
        format!(
            "{}\nReconfigure failed.",
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let generation = server
        .apply(loaded)
        .map_err(|e| format!("{}\nReconfigure failed.", e.join("\n")))?;
    Ok(format!(
        "Configuration updated (generation {}).\n",
        generation.id
    ))
}
