"""Scenario for the msys.xmpp.presence scriptlet: mutual subscription with pending states,
presence reaching every resource, unsubscribe, block/unblock (XEP-0191) with the contact kept
in the roster, and roster versioning (XEP-0237) answering an unchanged version with an empty
result.

Subscription requests are answered by hand (slixmpp's auto-authorize is off), so each step is
checked as the RFC describes it, not as a client library's shortcut.

Usage: roster_presence.py HOST PORT
"""

import asyncio

from scenario import DOMAIN, TIMEOUT, iq_outcome, iq_result, login, register, run

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


class Watch:
    """Every presence stanza a session receives, consumed in order by `expect`."""

    def __init__(self, session):
        self.session = session
        self.queue = asyncio.Queue()
        client = session.client
        client.register_plugin("xep_0191")
        client.roster.auto_authorize = None
        client.roster.auto_subscribe = False
        client.add_event_handler("presence", self.queue.put_nowait)

    async def expect(self, predicate, timeout=TIMEOUT):
        """The first presence matching `predicate` (earlier ones are skipped), or None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                presence = await asyncio.wait_for(self.queue.get(), remaining)
            except asyncio.TimeoutError:
                return None
            if predicate(presence):
                return presence


def kind(presence_type, sender=None):
    """A predicate: presence of `presence_type` whose `from` is `sender` (full or bare)."""

    def matches(presence):
        frm = presence["from"]
        return presence["type"] == presence_type and (
            sender is None or str(frm) == sender or frm.bare == sender)

    return matches


async def roster_items(session):
    """The roster as {jid: (subscription, ask)}, from a fresh roster get."""
    # Not `client.get_roster()`: it sends the cached version, which is answered (rightly)
    # with an empty result when nothing changed.
    request = session.client.make_iq_get()
    request.enable("roster")
    outcome, iq = await iq_result(request.send(timeout=TIMEOUT))
    if outcome != "result":
        return outcome
    return {str(jid): (item["subscription"], item["ask"] or None)
            for jid, item in iq["roster"]["items"].items()}


async def roster_version_check(checks, session):
    """A roster get with ver="" returns a version; the same version returns an empty result."""
    def request(version):
        iq = session.client.make_iq_get()
        iq.enable("roster")
        # slixmpp drops empty attributes, so `ver` is set on the XML itself.
        iq.xml.find("{jabber:iq:roster}query").set("ver", version)
        return iq.send(timeout=TIMEOUT)

    outcome, reply = await iq_result(request(""))
    version = reply["roster"]["ver"] if outcome == "result" else None
    checks.check("roster get with ver returns a version", bool(version), f"{outcome} {reply}")
    outcome, reply = await iq_result(request(version or "0"))
    empty = outcome == "result" and reply.xml.find("{jabber:iq:roster}query") is None
    checks.check("unchanged roster version gives an empty result", empty, f"{outcome} {reply}")


async def subscribe(checks, asker, asker_watch, contact, contact_watch, asker_jid, contact_jid):
    """`asker` subscribes to `contact`, who approves; checks both stanzas arrive."""
    asker.client.send_presence(pto=contact_jid, ptype="subscribe")
    request = await contact_watch.expect(kind("subscribe", asker_jid))
    checks.check(f"{contact_jid} gets the request of {asker_jid}", request is not None)
    contact.client.send_presence(pto=asker_jid, ptype="subscribed")
    approved = await asker_watch.expect(kind("subscribed", contact_jid))
    checks.check(f"{asker_jid} gets the approval of {contact_jid}", approved is not None)


async def main(checks, host, port):
    for user in ("alice", "bob"):
        checks.equal(f"register {user}", await register(host, port, user, f"{user}-pw"), None)
    desk, reason = await login(host, port, "alice", "alice-pw", resource="desk")
    checks.check("alice/desk logs in", desk is not None, reason)
    home, reason = await login(host, port, "bob", "bob-pw", resource="home")
    checks.check("bob/home logs in", home is not None, reason)
    if desk is None or home is None:
        return
    desk_watch, home_watch = Watch(desk), Watch(home)
    checks.equal("alice's roster starts empty", await roster_items(desk), {})
    checks.equal("bob's roster starts empty", await roster_items(home), {})

    desk.client.send_presence(pto=BOB, ptype="subscribe")
    request = await home_watch.expect(kind("subscribe", ALICE))
    checks.check("bob gets alice's request", request is not None)
    checks.equal("alice's item is pending out", (await roster_items(desk)).get(BOB),
                 ("none", "subscribe"))
    home.client.send_presence(pto=ALICE, ptype="subscribed")
    checks.check("alice gets bob's approval",
                 await desk_watch.expect(kind("subscribed", BOB)) is not None)
    checks.check("alice gets bob's presence after the approval",
                 await desk_watch.expect(kind("available", f"{BOB}/home")) is not None)
    await subscribe(checks, home, home_watch, desk, desk_watch, BOB, ALICE)
    checks.equal("alice's roster: bob, both", await roster_items(desk), {BOB: ("both", None)})
    checks.equal("bob's roster: alice, both", await roster_items(home), {ALICE: ("both", None)})

    phone, reason = await login(host, port, "alice", "alice-pw", resource="phone")
    checks.check("alice/phone logs in", phone is not None, reason)
    if phone is None:
        return
    phone_watch = Watch(phone)
    checks.check("bob sees alice/phone come online",
                 await home_watch.expect(kind("available", f"{ALICE}/phone")) is not None)
    home.client.send_presence(pshow="away", pstatus="gardening")
    for name, watch in (("desk", desk_watch), ("phone", phone_watch)):
        seen = await watch.expect(lambda p: str(p["from"]) == f"{BOB}/home"
                                  and p["show"] == "away")
        checks.check(f"alice/{name} sees bob's away presence", seen is not None)
        checks.equal(f"alice/{name} sees bob's status",
                     seen["status"] if seen is not None else None, "gardening")
    phone.client.send_presence(pshow="dnd")
    seen = await home_watch.expect(lambda p: str(p["from"]) == f"{ALICE}/phone"
                                   and p["show"] == "dnd")
    checks.check("bob sees alice/phone's dnd", seen is not None)

    await roster_version_check(checks, desk)

    # bob unsubscribes from alice: he sees her resources go offline, she sees his request.
    home.client.send_presence(pto=ALICE, ptype="unsubscribe")
    checks.check("bob gets unavailable from alice/desk",
                 await home_watch.expect(kind("unavailable", f"{ALICE}/desk")) is not None)
    checks.check("alice is told bob unsubscribed",
                 await desk_watch.expect(kind("unsubscribe", BOB)) is not None)
    checks.equal("bob's roster after unsubscribe", await roster_items(home),
                 {ALICE: ("from", None)})
    checks.equal("alice's roster after unsubscribe", await roster_items(desk),
                 {BOB: ("to", None)})
    await subscribe(checks, home, home_watch, desk, desk_watch, BOB, ALICE)

    # Blocking: bob's messages bounce, the roster keeps bob, unblocking restores delivery.
    blocking = desk.client.plugin["xep_0191"]
    checks.equal("alice blocks bob", await iq_outcome(blocking.block(BOB, timeout=TIMEOUT)),
                 "result")
    blocked = await blocking.get_blocked_jids(timeout=TIMEOUT)
    checks.equal("alice's block list", {str(j) for j in blocked}, {BOB})
    checks.check("bob sees alice go offline when blocked",
                 await home_watch.expect(kind("unavailable", f"{ALICE}/desk")) is not None)
    home.send(ALICE, "are you there?")
    error = await home.next_error()
    checks.equal("bob's message to alice bounces",
                 error["error"]["condition"] if error is not None else None,
                 "service-unavailable")
    desk.send(BOB, "blocked?")
    error = await desk.next_error()
    checks.equal("alice cannot message bob",
                 error["error"]["condition"] if error is not None else None, "not-acceptable")
    checks.equal("bob stays in alice's roster", (await roster_items(desk)).get(BOB),
                 ("both", None))
    checks.equal("alice unblocks bob", await iq_outcome(blocking.unblock(BOB, timeout=TIMEOUT)),
                 "result")
    checks.check("bob sees alice again after unblock",
                 await home_watch.expect(kind("available", f"{ALICE}/desk")) is not None)
    home.send(ALICE, "hello again")
    message = await desk.next_message()
    while message is not None and message["type"] == "error":
        message = await desk.next_message()  # the bounce of "blocked?" is a message too
    checks.equal("bob's message reaches alice after unblock",
                 message["body"] if message is not None else None, "hello again")

    await phone.close()
    checks.check("bob sees alice/phone leave",
                 await home_watch.expect(kind("unavailable", f"{ALICE}/phone")) is not None)
    for session in (desk, home):
        await session.close()


run(main)
