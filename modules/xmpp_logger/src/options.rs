//! Options of an `xmpp_logger "name" {}` stanza: exactly Momentum's, with its defaults
//! (spec §6). The only place this module declares options.

use std::path::PathBuf;

use impetus_config::declare_options;
use impetus_config::types::{Perms, Seconds};

declare_options! {
    /// Options of the xmpp_logger stanza.
    pub struct LoggerOptions {
        /// File the records are appended to; `reopen logs` (console) and SIGHUP reopen it.
        logfile: PathBuf = "/var/log/ecelerity/xmpplog.ec", scopes [xmpp_logger];
        /// Permissions (octal) given to the log file when it is created.
        logmode: Perms = "0644", scopes [xmpp_logger];
        /// Write an `R` record for every stanza a local client sends.
        log_reception: bool = "true", scopes [xmpp_logger];
        /// Write a `D` record for every stanza queued to a local session.
        log_delivery: bool = "true", scopes [xmpp_logger];
        /// Format of reception records. Macros: `%t` epoch seconds, `%st` stanza type, `%so` the
        /// stanza with message text obfuscated, `%sr` the raw stanza, `%af` from, `%at` to,
        /// `%ai` id, `%ay` type attribute, `%H` remote IP:port, `%%` a percent sign.
        log_reception_format: String = "\"%t+R+%st+%at+%af+%ai+%ay+%H\"", scopes [xmpp_logger];
        /// Format of delivery records (same macros; `%H` is the recipient's remote address).
        log_delivery_format: String = "\"%t+D+%st+%at+%af+%ai+%ay+%H\"", scopes [xmpp_logger];
        /// Format of heartbeat records (only `%t` has a value in them).
        log_heartbeat_format: String = "\"%t+M\"", scopes [xmpp_logger];
        /// Seconds between heartbeat records; 0 writes none.
        heartbeat: Seconds = "60", scopes [xmpp_logger];
        /// Macro namespaces searched (Momentum's, undocumented); accepted for compatibility:
        /// Impetus expands the xmpp_logger macros only.
        namespace: String = "\"xmpp_logger,sieve,custom_logger\"", scopes [xmpp_logger];
    }
}
