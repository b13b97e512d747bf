"""Shared plumbing for the slixmpp interop scenarios: a checklist that prints PASS/FAIL lines,
and helpers to register, log in (with a forced SASL mechanism), and collect stanzas with
slixmpp 1.17 against a server on loopback.

Every wait is bounded by TIMEOUT; connections go to IP literals without DNS, and the server's
self-signed certificate is not verified.
"""

import asyncio
import ctypes
import ssl
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

DOMAIN = "localhost"
TIMEOUT = 10
PLUGINS = ("xep_0030", "xep_0077", "xep_0092", "xep_0199", "xep_0202")
# Every client lives until the end: slixmpp's background tasks of an aborted client would
# otherwise be garbage-collected while pending, which asyncio reports as an error.
CLIENTS = []


class Checklist:
    """Records named checks, printing `PASS name` or `FAIL name: detail` for each."""

    def __init__(self):
        self.failures = 0

    def check(self, name, ok, detail=""):
        """Records one check; returns `ok` so callers can stop early."""
        if ok:
            print(f"PASS {name}", flush=True)
        else:
            self.failures += 1
            print(f"FAIL {name}: {detail}", flush=True)
        return ok

    def equal(self, name, got, want):
        """Checks that `got == want`."""
        return self.check(name, got == want, f"got {got!r}, want {want!r}")


def run(main):
    """Runs `main(checklist, host, port, *extra_args)` and exits 1 if any check failed."""
    host, port, *extra = sys.argv[1:]
    checklist = Checklist()

    async def guarded():
        try:
            await asyncio.wait_for(main(checklist, host, int(port), *extra), 90)
        except Exception as exc:  # any escape is a failed scenario, reported as such
            checklist.check("scenario completes", False, f"{type(exc).__name__}: {exc}")

    asyncio.run(guarded())
    print(f"DONE failures={checklist.failures}", flush=True)
    sys.exit(1 if checklist.failures else 0)


def tls_exporter(ssl_object, label=b"EXPORTER-Channel-Binding"):
    """RFC 9266 `tls-exporter` channel-binding data of a TLS 1.3 connection.

    CPython's ssl module only offers tls-unique (python/cpython#95341), so slixmpp cannot
    compute this itself. We call SSL_export_keying_material from the very libssl that `_ssl`
    links against, on the SSL* inside CPython's `_ssl._SSLSocket` (PyObject_HEAD, Socket,
    ssl, ctx). The layout is verified first: the field after `ssl` must be the context object.
    """
    import _ssl

    inner = ssl_object._sslobj
    base = id(inner)
    word = ctypes.sizeof(ctypes.c_void_p)
    ctx = ctypes.c_void_p.from_address(base + 4 * word).value
    if ctx != id(inner.context):
        raise RuntimeError("unexpected _ssl._SSLSocket layout: cannot reach the SSL*")
    ssl_ptr = ctypes.c_void_p.from_address(base + 3 * word).value
    libssl = ctypes.CDLL(_ssl.__file__)
    export = libssl.SSL_export_keying_material
    export.restype = ctypes.c_int
    export.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
    ]
    out = ctypes.create_string_buffer(32)
    if export(ssl_ptr, out, 32, label, len(label), b"", 0, 1) != 1:
        raise RuntimeError("SSL_export_keying_material failed")
    return out.raw


def make_client(user, password, resource=None, mech=None, direct_tls=False, binding=None,
                domain=DOMAIN):
    """A configured, unconnected slixmpp client for `user@domain[/resource]` (`localhost` by
    default).

    `mech` forces one SASL mechanism. `binding` (a function of the TLS object returning bytes)
    supplies channel-binding data for -PLUS mechanisms over TLS 1.3.
    """
    jid = f"{user}@{domain}" + (f"/{resource}" if resource else "")
    client = slixmpp.ClientXMPP(jid, password, sasl_mech=mech)
    CLIENTS.append(client)
    for plugin in PLUGINS:
        client.register_plugin(plugin)
    client.use_aiodns = False
    client.enable_direct_tls = direct_tls
    client.enable_starttls = not direct_tls
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    client.auto_reconnect = False
    if binding is not None:
        mechanisms = client.plugin["feature_mechanisms"]
        default = mechanisms.sasl_callback

        def credentials(required, optional):
            result = default(required, optional)
            if "channel_binding" in required | optional and client.socket.version() == "TLSv1.3":
                result["channel_binding"] = binding(client.socket)
            return result

        mechanisms.sasl_callback = credentials
    return client


def settle_once(future, value):
    """Resolves `future` with `value` unless something resolved it first."""
    if not future.done():
        future.set_result(value)


class Session:
    """A connected client plus the messages it received, in order."""

    def __init__(self, client):
        self.client = client
        self.messages = asyncio.Queue()
        self.errors = asyncio.Queue()
        self.mechanism = None
        client.add_event_handler("message", self.messages.put_nowait)
        client.add_event_handler("message_error", self.errors.put_nowait)

    async def next_message(self, timeout=TIMEOUT):
        """The next received message, or None after `timeout` seconds."""
        try:
            return await asyncio.wait_for(self.messages.get(), timeout)
        except asyncio.TimeoutError:
            return None

    async def next_error(self, timeout=TIMEOUT):
        """The next received message error, or None after `timeout` seconds."""
        try:
            return await asyncio.wait_for(self.errors.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def send(self, to, body, kind="chat", claimed_from=None):
        """Sends a message, optionally claiming a `from` the server must overwrite."""
        self.client.send_message(mto=to, mbody=body, mtype=kind, mfrom=claimed_from)

    async def sync(self):
        """Pings the server: once answered, the server has handled everything sent before.
        Returns "result" or what went wrong."""
        server = self.client.boundjid.domain
        return await iq_outcome(self.client.plugin["xep_0199"].send_ping(server, timeout=TIMEOUT))

    async def close(self):
        """Ends the stream and waits (bounded) for the disconnect."""
        try:
            await asyncio.wait_for(self.client.disconnect(), TIMEOUT)
        except asyncio.TimeoutError:
            self.client.abort()


async def login(host, port, user, password, resource=None, mech=None, direct_tls=False,
                presence=True, binding=None, domain=DOMAIN):
    """Connects and authenticates. Returns `(session, None)` once the session started (and
    the server handled the initial presence, if `presence`), or `(None, reason)`:
    `failed:<condition>` on a SASL failure, or a description of how the connection ended."""
    client = make_client(user, password, resource, mech, direct_tls, binding, domain)
    session = Session(client)
    loop = asyncio.get_running_loop()
    outcome = loop.create_future()

    def settle(value):
        settle_once(outcome, value)

    def started(_):
        settle(None)

    def succeeded(_):
        session.mechanism = client.plugin["feature_mechanisms"].mech.name

    client.add_event_handler("auth_success", succeeded)
    client.add_event_handler("session_start", started)
    client.add_event_handler("failed_auth", lambda s: settle(f"failed:{s['condition']}"))
    client.add_event_handler("failed_all_auth", lambda _: settle("failed:no mechanism"))
    client.add_event_handler("disconnected", lambda r: settle(f"disconnected:{r}"))
    client.add_event_handler("connection_failed", lambda e: settle(f"connection failed:{e}"))
    client.add_event_handler("stream_error", lambda e: settle(f"stream error:{e['condition']}"))
    client.connect(host, port)
    try:
        reason = await asyncio.wait_for(outcome, TIMEOUT)
    except asyncio.TimeoutError:
        reason = "timeout"
    if reason is None and presence:
        client.send_presence()
        synced = await session.sync()
        reason = None if synced == "result" else f"presence not handled: {synced}"
    if reason is not None:
        client.cancel_connection_attempt()
        client.abort()
        return None, reason
    return session, None


async def register(host, port, user, password, direct_tls=False, domain=DOMAIN):
    """Creates `user` in-band (XEP-0077) before authentication; returns None or the error."""
    client = make_client(user, password, direct_tls=direct_tls, domain=domain)
    client.plugin["xep_0077"].force_registration = True
    loop = asyncio.get_running_loop()
    outcome = loop.create_future()

    async def on_register(_form):
        iq = client.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = user
        iq["register"]["password"] = password
        result = await iq_outcome(iq.send(timeout=TIMEOUT))
        settle_once(outcome, None if result == "result" else result)
        client.disconnect()

    client.add_event_handler("register", on_register)
    client.add_event_handler("disconnected", lambda r: settle_once(outcome, f"disconnected:{r}"))
    client.connect(host, port)
    try:
        return await asyncio.wait_for(outcome, TIMEOUT)
    except asyncio.TimeoutError:
        client.abort()
        return "timeout"


async def iq_result(request):
    """Awaits an IQ request (an `Iq.send(...)` or a plugin call); returns `("result", reply)`,
    `("error", condition)` or `("timeout", None)`."""
    try:
        return "result", await request
    except IqError as err:
        return "error", err.iq["error"]["condition"]
    except IqTimeout:
        return "timeout", None


async def iq_outcome(request):
    """Like `iq_result`, but just "result", the error condition, or "timeout"."""
    kind, value = await iq_result(request)
    return value if kind == "error" else kind
