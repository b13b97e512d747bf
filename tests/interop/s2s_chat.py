"""Scenario: users of two federated servers talk over s2s. alice@A and bob@B exchange messages
both ways (body and the sender's full JID), directed presence both ways, a ping from alice to
B's domain (an IQ answered across), and a message to an unknown user of B bounced back to
alice with service-unavailable. With the `roster` argument (both servers run the presence
scriptlet) they also subscribe to each other and see each other's presence changes.

Usage: s2s_chat.py HOST PORT_A DOMAIN_A PORT_B DOMAIN_B [roster]
"""

import asyncio

from scenario import TIMEOUT, iq_outcome, login, register, run


class Presences:
    """Every presence stanza a session receives, consumed in order by `expect`."""

    def __init__(self, session):
        self.queue = asyncio.Queue()
        roster = session.client.roster
        roster.auto_authorize = None
        roster.auto_subscribe = False
        session.client.add_event_handler("presence", self.queue.put_nowait)

    async def expect(self, kind, sender, show=None):
        """The first presence of type `kind` from `sender` (full or bare JID), or None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while (remaining := deadline - loop.time()) > 0:
            try:
                presence = await asyncio.wait_for(self.queue.get(), remaining)
            except asyncio.TimeoutError:
                return None
            frm, got = presence["from"], presence["type"]
            # slixmpp reports the <show/> of an available presence as its type.
            if kind == "available" and got in ("chat", "away", "xa", "dnd"):
                got = "available"
            if (got == kind and sender in (str(frm), str(frm.bare))
                    and (show is None or presence["show"] == show)):
                return presence
        return None


async def expect_message(checks, name, session, body, sender):
    """Checks that the next message `session` receives is `body` from full JID `sender`."""
    message = await session.next_message()
    if not checks.check(name, message is not None, "no message within the timeout"):
        return
    checks.equal(f"{name}: body", message["body"], body)
    checks.equal(f"{name}: from", str(message["from"]), sender)


async def roster(checks, alice, alice_seen, alice_jid, bob, bob_seen, bob_jid):
    """Mutual subscription across the servers, then a presence change seen remotely. Both
    clients fetch their roster first: only such "interested" resources receive subscription
    approvals and roster pushes (RFC 6121 §2.1.6), which Prosody enforces."""
    for session in (alice, bob):
        checks.check(f"{session.client.boundjid.bare} gets its roster",
                     await iq_outcome(session.client.get_roster(timeout=TIMEOUT)) == "result")
    alice.client.send_presence(pto=bob_jid, ptype="subscribe")
    checks.check("bob gets alice's subscription request",
                 await bob_seen.expect("subscribe", alice_jid) is not None)
    bob.client.send_presence(pto=alice_jid, ptype="subscribed")
    checks.check("alice gets bob's approval",
                 await alice_seen.expect("subscribed", bob_jid) is not None)
    checks.check("alice gets bob's presence after the approval",
                 await alice_seen.expect("available", f"{bob_jid}/home") is not None)
    bob.client.send_presence(pto=alice_jid, ptype="subscribe")
    checks.check("alice gets bob's subscription request",
                 await alice_seen.expect("subscribe", bob_jid) is not None)
    alice.client.send_presence(pto=bob_jid, ptype="subscribed")
    checks.check("bob gets alice's approval",
                 await bob_seen.expect("subscribed", alice_jid) is not None)
    checks.check("bob gets alice's presence after the approval",
                 await bob_seen.expect("available", f"{alice_jid}/desk") is not None)
    bob.client.send_presence(pshow="away", pstatus="out")
    seen = await alice_seen.expect("available", f"{bob_jid}/home", show="away")
    checks.check("alice sees bob's broadcast away presence", seen is not None)


async def main(checks, host, port_a, domain_a, port_b, domain_b, mode=""):
    port_b = int(port_b)
    alice_jid, bob_jid = f"alice@{domain_a}", f"bob@{domain_b}"
    checks.equal("register alice on A",
                 await register(host, port_a, "alice", "alice-pw", domain=domain_a), None)
    checks.equal("register bob on B",
                 await register(host, port_b, "bob", "bob-pw", domain=domain_b), None)
    alice, reason = await login(host, port_a, "alice", "alice-pw", resource="desk",
                                domain=domain_a)
    checks.check("alice logs in on A", alice is not None, reason)
    bob, reason = await login(host, port_b, "bob", "bob-pw", resource="home", domain=domain_b)
    checks.check("bob logs in on B", bob is not None, reason)
    if alice is None or bob is None:
        return
    alice_seen, bob_seen = Presences(alice), Presences(bob)

    alice.send(bob_jid, "hello bob, from the other server")
    await expect_message(checks, "alice to bob across servers", bob,
                         "hello bob, from the other server", f"{alice_jid}/desk")
    bob.send(f"{alice_jid}/desk", "hi alice <&> \u00e9\u2603")
    await expect_message(checks, "bob to alice's full JID across servers", alice,
                         "hi alice <&> \u00e9\u2603", f"{bob_jid}/home")
    for n in range(5):
        alice.send(bob_jid, f"burst {n}")
    for n in range(5):
        await expect_message(checks, f"burst message {n} in order", bob, f"burst {n}",
                             f"{alice_jid}/desk")

    alice.client.send_presence(pto=f"{bob_jid}/home", pstatus="directed")
    seen = await bob_seen.expect("available", f"{alice_jid}/desk")
    checks.equal("bob gets alice's directed presence",
                 seen["status"] if seen is not None else None, "directed")
    bob.client.send_presence(pto=f"{alice_jid}/desk", pshow="dnd")
    seen = await alice_seen.expect("available", f"{bob_jid}/home", show="dnd")
    checks.check("alice gets bob's directed presence", seen is not None)

    ping = alice.client.plugin["xep_0199"].send_ping(domain_b, timeout=TIMEOUT)
    checks.equal("alice pings B's domain across", await iq_outcome(ping), "result")

    alice.send(f"nobody@{domain_b}", "anyone there?")
    error = await alice.next_error()
    checks.equal("a message to an unknown remote user bounces",
                 error["error"]["condition"] if error is not None else None,
                 "service-unavailable")
    checks.equal("the bounce comes from the remote user",
                 str(error["from"]) if error is not None else None, f"nobody@{domain_b}")

    if mode == "roster":
        await roster(checks, alice, alice_seen, alice_jid, bob, bob_seen, bob_jid)

    for session in (alice, bob):
        await session.close()


run(main)
