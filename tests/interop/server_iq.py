"""Scenario: IQs to the server through slixmpp's plugins: disco#info (identity and features),
XEP-0199 ping, XEP-0092 version, XEP-0202 time, and payloads in an unknown namespace answered
with service-unavailable (to the server and to the user's own account).

Usage: server_iq.py HOST PORT VERSION
"""

from datetime import datetime, timezone
from xml.etree import ElementTree

from slixmpp.plugins import xep_0082

from scenario import iq_result, login, register, run


def unknown_iq(client, kind, to):
    """Sends an IQ of `kind` carrying a payload no module handles."""
    iq = client.Iq()
    iq["type"] = kind
    if to:
        iq["to"] = to
    iq.set_payload(ElementTree.fromstring("<query xmlns='urn:example:nobody-handles-this'/>"))
    return iq.send(timeout=10)


async def main(checks, host, port, version):
    checks.equal("register alice", await register(host, port, "alice", "alice-pw"), None)
    alice, reason = await login(host, port, "alice", "alice-pw")
    if not checks.check("alice logs in", alice is not None, reason):
        return
    plugins = alice.client.plugin

    kind, info = await iq_result(plugins["xep_0030"].get_info(jid="localhost", timeout=10))
    if checks.equal("disco#info answered", kind, "result"):
        features = set(info["disco_info"]["features"])
        for feature in ("http://jabber.org/protocol/disco#info", "urn:xmpp:ping",
                        "jabber:iq:version", "urn:xmpp:time", "jabber:iq:register"):
            checks.check(f"disco#info feature {feature}", feature in features, sorted(features))
        identities = {(c, t) for c, t, _, _ in info["disco_info"]["identities"]}
        checks.check("disco#info identity server/im", ("server", "im") in identities, identities)
        checks.equal("disco#info from", str(info["from"]), "localhost")

    kind, pong = await iq_result(plugins["xep_0199"].send_ping("localhost", timeout=10))
    if checks.equal("ping answered", kind, "result"):
        checks.equal("ping result from", str(pong["from"]), "localhost")

    kind, reply = await iq_result(plugins["xep_0092"].get_version("localhost", timeout=10))
    if checks.equal("version answered", kind, "result"):
        checks.equal("version name", reply["software_version"]["name"], "Impetus")
        checks.equal("version number", reply["software_version"]["version"], version)

    kind, reply = await iq_result(plugins["xep_0202"].get_entity_time("localhost", timeout=10))
    if checks.equal("time answered", kind, "result"):
        # Read the raw text: slixmpp's `entity_time["utc"]` appends a second "Z" to the
        # XEP-0202 example format ("...:35Z") and fails to parse it.
        utc = reply["entity_time"].xml.findtext("{urn:xmpp:time}utc") or ""
        checks.check("time utc ends in Z", utc.endswith("Z"), utc)
        skew = abs((datetime.now(timezone.utc) - xep_0082.parse(utc)).total_seconds())
        checks.check("time utc is now", skew < 60, f"{utc} is {skew} s off")
        checks.equal("time tzo", reply["entity_time"].xml.findtext("{urn:xmpp:time}tzo"),
                     "+00:00")

    for kind, to in (("get", "localhost"), ("set", "localhost"), ("get", None)):
        target = to or "own account"
        outcome, condition = await iq_result(unknown_iq(alice.client, kind, to))
        checks.equal(f"unknown {kind} to {target} is an error", outcome, "error")
        checks.equal(f"unknown {kind} to {target} condition", condition, "service-unavailable")

    kind, _ = await iq_result(plugins["xep_0199"].send_ping("localhost", timeout=10))
    checks.equal("session still usable after errors", kind, "result")
    await alice.close()


run(main)
