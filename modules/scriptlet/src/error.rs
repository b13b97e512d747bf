//! Typed errors: what can go wrong loading scripts (a configuration error) and running them
//! (logged with script, hook and line; the stanza gets `internal-server-error`).

/// A failure while a callback ran.
#[derive(Debug, Clone, thiserror::Error)]
#[error("runtime error in {location} (script '{script}', hook '{hook}'): {message}")]
pub struct ScriptError {
    /// The `script "name"` stanza whose module was called.
    pub script: String,
    /// The hook or callout (`validate_connect`, `stanza/in` ...).
    pub hook: String,
    /// `file.lua:line` of the failure, or `?` when Lua gave none.
    pub location: String,
    /// Lua's message, without the location prefix.
    pub message: String,
}

impl ScriptError {
    /// Builds the error from an mlua error, finding the `file.lua:line` Lua put in the text.
    pub fn from_lua(script: &str, hook: &str, error: &mlua::Error) -> ScriptError {
        let text = root_message(error);
        let (mut location, message) = split_location(&text);
        if location == "?"
            && let mlua::Error::CallbackError { traceback, .. } = error
        {
            // A Rust function failed: the first Lua frame of the traceback is the caller.
            if let Some(found) = traceback
                .lines()
                .map(|line| split_location(line.trim()).0)
                .find(|l| l != "?")
            {
                location = found;
            }
        }
        ScriptError {
            script: script.to_owned(),
            hook: hook.to_owned(),
            location,
            message,
        }
    }

    /// The line number, when known.
    pub fn line(&self) -> Option<u32> {
        self.location.rsplit_once(':')?.1.parse().ok()
    }
}

/// A failure while loading scripts for a configuration; it fails the configuration.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    /// The source was not found on the search path.
    #[error("script '{script}': source '{name}' not found (searched {searched})")]
    NotFound {
        /// The script stanza.
        script: String,
        /// The `source` value or required module name.
        name: String,
        /// The directories searched.
        searched: String,
    },
    /// The file exists but could not be read.
    #[error("script '{script}': cannot read {path}: {reason}")]
    Read {
        /// The script stanza.
        script: String,
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// Lua failed while compiling or running the script's top level, or `init`.
    #[error("script '{script}': {message}")]
    Lua {
        /// The script stanza.
        script: String,
        /// Lua's message with its location.
        message: String,
    },
    /// The script registered no module under its stanza name.
    #[error(
        "script '{script}' must call msys.registerModule(\"{script}\", ...) or xmpp.registerModule(\"{script}\", ...): {found}"
    )]
    NotRegistered {
        /// The script stanza.
        script: String,
        /// What it registered instead.
        found: String,
    },
    /// A module table defines a `core_<hook>` method for a hook point that does not exist.
    #[error(
        "module '{module}' defines {method}, but there is no hook point '{hook}' (known: {known})"
    )]
    UnknownHook {
        /// The module name.
        module: String,
        /// The method.
        method: String,
        /// The hook name derived from it.
        hook: String,
        /// Hook names that exist.
        known: String,
    },
    /// `init` returned something other than `true`.
    #[error("init of module '{module}' returned {returned}, not true")]
    InitFailed {
        /// The module name.
        module: String,
        /// What it returned.
        returned: String,
    },
}

/// The innermost message of an mlua error (callback errors wrap the real cause).
fn root_message(error: &mlua::Error) -> String {
    match error {
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        mlua::Error::RuntimeError(message) | mlua::Error::SyntaxError { message, .. } => {
            message.clone()
        }
        mlua::Error::WithContext { cause, .. } => root_message(cause),
        other => other.to_string(),
    }
}

/// Splits `"msys/xmpp/presence.lua:88: boom"` into the location and the message.
pub fn split_location(text: &str) -> (String, String) {
    let first = text.lines().next().unwrap_or_default();
    if let Some(at) = first.find(".lua:") {
        let start = first[..at]
            .rfind(|c: char| c.is_whitespace() || c == '[' || c == '"')
            .map_or(0, |i| i + 1);
        let after = &first[at + ".lua:".len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            let end = at + ".lua:".len() + digits.len();
            let location = first[start..end].to_owned();
            let rest = first[end..].trim_start_matches(':').trim().to_owned();
            return (location, rest);
        }
    }
    ("?".to_owned(), first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_found_in_lua_messages() {
        assert_eq!(
            split_location("msys/xmpp/presence.lua:88: attempt to index nil"),
            (
                "msys/xmpp/presence.lua:88".into(),
                "attempt to index nil".into()
            )
        );
        assert_eq!(
            split_location("[string \"x\"]:3: oops"),
            ("?".into(), "[string \"x\"]:3: oops".into())
        );
        let error = ScriptError::from_lua(
            "presence",
            "stanza/in",
            &mlua::Error::RuntimeError("lib/roster.lua:12: bad".into()),
        );
        assert_eq!(error.line(), Some(12));
        assert_eq!(
            error.to_string(),
            "runtime error in lib/roster.lua:12 (script 'presence', hook 'stanza/in'): bad"
        );
    }
}
