-- Prosody 0.12 for bench/compare.sh; @NAME@ placeholders are filled in by the script.
-- Loopback only, no s2s, names resolved only from the private files below.
-- Equivalent to the Impetus and ejabberd configurations next to this file: STARTTLS
-- required, SCRAM-SHA-256 with 4096 iterations, in-band registration open to loopback,
-- no traffic shaping (no mod_limits), no archiving (no mod_mam), Nagle off.
pidfile = "@DIR@/prosody.pid"
data_path = "@DIR@/data"
-- Warnings only, like the other two: info would log every connection.
log = { { levels = { min = "warn" }, to = "file", filename = "@DIR@/prosody.log" } }

interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { @PORT@ }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
-- s2s is autoloaded; leave it out so nothing listens on 5269 and nothing federates.
s2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
modules_disabled = { "s2s" }

-- libunbound with private files: never the machine's resolver (unset, libunbound would fall
-- back to the root servers).
unbound = { resolvconf = "@DIR@/resolv.conf"; hoststxt = "@DIR@/hosts" }

-- The epoll backend keeps Nagle on unless told (each login waits on delayed ACKs).
network_settings = { nagle = false; tcp_backlog = 4096 }

-- No "limits" (Debian's default config caps c2s at 10 kB/s), no "mam", no "smacks".
-- Autoloaded as well: presence, message, iq, offline, c2s.
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "register" }

authentication = "internal_hashed"
password_hash = "SHA-256"       -- offer SCRAM-SHA-256 (the 0.12 default is SHA-1)
default_iteration_count = 4096  -- Impetus and ejabberd use 4096 (Prosody's default: 10000)

-- In-band registration (XEP-0077) for impetus-bench --register. mod_register_limits never
-- throttles 127.0.0.1 (registration_allowlist) and without min_seconds_between_registrations
-- it has no throttle at all.
allow_registration = true
registration_allowlist = { "127.0.0.1" }

c2s_require_encryption = true
allow_unencrypted_plain_auth = false

certificates = "@DIR@/tls"
ssl = { certificate = "@CERT@"; key = "@KEY@" }

VirtualHost "localhost"
	ssl = { certificate = "@CERT@"; key = "@KEY@" }
