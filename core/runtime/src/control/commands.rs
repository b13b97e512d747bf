//! The console's command table (spec §7.2 and §9.8): built-in commands, then module commands
//! addressed as `<module>[:<instance>] <command ...>`.

use std::fmt::Write as _;

use crate::server::Server;

/// Every built-in command with a one-line description, for `help` and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    ("help", "list the commands, or describe one: help [command]"),
    ("version", "the server's name and version"),
    ("pid", "the server's process id"),
    (
        "summary",
        "uptime, generation, listeners, sessions, stanza/auth/storage metrics",
    ),
    ("module list", "the configured modules"),
    (
        "module hooks",
        "hook points with handlers in the current generation",
    ),
    (
        "config",
        "get|eval|set|unset|show|locate|reload the configuration",
    ),
    (
        "reopen logs",
        "ask every logging module to reopen its files",
    ),
    ("show inbound", "one line per open connection"),
    ("paniclog", "the last warnings and errors kept in memory"),
    ("shutdown", "stop the server"),
    ("quit", "leave the console"),
];

/// Splits a command line into words; double quotes group words.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(current);
    }
    out
}

/// Runs one command line.
pub fn run(server: &Server, line: &str) -> Result<String, String> {
    let words = words(line);
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    match refs.as_slice() {
        [] => Ok(String::new()),
        ["help"] => Ok(COMMANDS
            .iter()
            .map(|(name, doc)| format!("{name:14} {doc}\n"))
            .collect()),
        ["help", topic @ ..] => {
            let topic = topic.join(" ");
            COMMANDS
                .iter()
                .find(|(name, _)| *name == topic)
                .map(|(name, doc)| format!("{name}: {doc}\n"))
                .ok_or_else(|| format!("no command '{topic}'"))
        }
        ["version"] => Ok(format!("Impetus version {}\n", env!("CARGO_PKG_VERSION"))),
        ["pid"] => Ok(format!("{}\n", std::process::id())),
        ["summary"] => Ok(summary(server)),
        ["module", "list"] => Ok(module_list(server)),
        ["module", "hooks"] => Ok(server
            .current()
            .hook_names()
            .iter()
            .map(|n| format!("{n}\n"))
            .collect()),
        ["config", ..] => super::config_commands::run(server, &words[1..]),
        ["reopen", "logs"] => {
            for module in &server.current().modules {
                module.module.reopen_logs();
            }
            Ok("Logs reopened.\n".into())
        }
        ["show", "inbound"] => Ok(show_inbound(server)),
        ["paniclog"] => Ok(crate::paniclog::render()),
        ["shutdown"] => {
            server.shutdown();
            Ok("Shutting down.\n".into())
        }
        [target, args @ ..] => module_command(server, target, args),
    }
}

fn summary(server: &Server) -> String {
    let generation = server.current();
    let uptime = server.uptime().as_secs();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Impetus version {}, pid {}",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    let _ = writeln!(
        out,
        "Uptime: {}d {:02}h {:02}m {:02}s",
        uptime / 86_400,
        uptime / 3600 % 24,
        uptime / 60 % 60,
        uptime % 60
    );
    let _ = writeln!(
        out,
        "Configuration: {} (generation {})",
        server.config_path().display(),
        generation.id
    );
    let _ = writeln!(
        out,
        "Listening sockets: {}",
        server.listeners().bound().len()
    );
    let _ = writeln!(
        out,
        "Open connections: {}",
        server.listeners().connections().len()
    );
    for module in &generation.modules {
        for (name, value) in module.module.summary() {
            let _ = writeln!(out, "{name}: {value}");
        }
    }
    for (name, value) in crate::metrics::summary() {
        let _ = writeln!(out, "{name}: {value}");
    }
    out
}

fn module_list(server: &Server) -> String {
    let mut out = String::new();
    for module in &server.current().modules {
        let _ = writeln!(out, "Module: {}:{}", module.name, module.instance);
        let _ = writeln!(out, "  Enabled: {}", module.enabled);
        let _ = writeln!(
            out,
            "  API: {}",
            if module.singleton {
                "Singleton"
            } else {
                "Generic"
            }
        );
        let _ = writeln!(out, "  Debug_Level: {}", module.debug_level.as_str());
    }
    out
}

fn show_inbound(server: &Server) -> String {
    let rows = server.listeners().connections().snapshot();
    let mut out = format!("{} connection(s)\n", rows.len());
    for row in rows {
        let _ = writeln!(
            out,
            "{:>6}  {:16} {:24} {:24} {}s",
            row.id,
            row.listener,
            row.local,
            row.peer,
            row.since.elapsed().as_secs()
        );
    }
    out
}

fn module_command(server: &Server, target: &str, args: &[&str]) -> Result<String, String> {
    let (name, instance) = match target.split_once(':') {
        Some((name, instance)) => (name, Some(instance)),
        None => (target, None),
    };
    let generation = server.current();
    let Some(module) = generation.module(name, instance) else {
        return Err(format!("unknown command '{target}'; try 'help'"));
    };
    module.module.command(args).unwrap_or_else(|| {
        Err(format!(
            "module {} has no command '{}'",
            module.name,
            args.join(" ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_spaces_and_keep_quoted_groups() {
        assert_eq!(
            words("config set xmpp_listener idle_time 30"),
            ["config", "set", "xmpp_listener", "idle_time", "30"]
        );
        assert_eq!(
            words("  config  locate \"a b\" \"\" "),
            ["config", "locate", "a b", ""]
        );
        assert!(words("   ").is_empty());
    }
}
