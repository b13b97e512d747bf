"""Scenario: offline delivery (XEP-0160). While bob is offline alice sends three messages; bob
logs in, gets nothing before his initial presence, then all three in order, each with a
<delay xmlns='urn:xmpp:delay'/>; a second login delivers nothing again, and a live message
carries no delay.

Usage: offline.py HOST PORT
"""

import asyncio
from datetime import datetime, timezone

from scenario import login, register, run

DELAY = "{urn:xmpp:delay}delay"
BODIES = ["offline one", "offline two", "offline three"]


async def round_trip(session):
    """Everything the server sent before answering a ping has arrived (plus a margin for
    slixmpp's event dispatch)."""
    await session.sync()
    await asyncio.sleep(0.2)


def recent(stamp):
    """Whether `stamp` is an XEP-0082 UTC date-time within the last minute."""
    try:
        when = datetime.fromisoformat((stamp or "").replace("Z", "+00:00"))
    except ValueError:
        return False
    age = (datetime.now(timezone.utc) - when).total_seconds()
    return when.utcoffset().total_seconds() == 0 and -5 < age < 60


async def main(checks, host, port):
    for user in ("alice", "bob"):
        checks.equal(f"register {user}", await register(host, port, user, f"{user}-pw"), None)
    alice, reason = await login(host, port, "alice", "alice-pw", resource="desk")
    if not checks.check("alice logs in", alice is not None, reason):
        return
    for body in BODIES:
        alice.send("bob@localhost", body)
    # Alice's session handles stanzas in order: once the ping is answered all three are stored.
    await round_trip(alice)

    bob, reason = await login(host, port, "bob", "bob-pw", resource="home", presence=False)
    if not checks.check("bob logs in", bob is not None, reason):
        return
    await round_trip(bob)
    checks.equal("nothing delivered before initial presence", bob.messages.qsize(), 0)
    bob.client.send_presence()
    for index, body in enumerate(BODIES, 1):
        message = await bob.next_message()
        name = f"offline message {index}"
        if not checks.check(name, message is not None, "not delivered"):
            break
        checks.equal(f"{name}: body in order", message["body"], body)
        checks.equal(f"{name}: from", str(message["from"]), "alice@localhost/desk")
        delay = message.xml.find(DELAY)
        checks.check(f"{name}: has urn:xmpp:delay", delay is not None, message.xml)
        if delay is not None:
            checks.check(f"{name}: delay stamp is recent UTC", recent(delay.get("stamp")),
                         delay.attrib)
            checks.equal(f"{name}: delay from", delay.get("from"), "localhost")

    alice.send("bob@localhost", "live one")
    message = await bob.next_message()
    if checks.check("live message delivered", message is not None, "not delivered"):
        checks.equal("live message body", message["body"], "live one")
        checks.check("live message has no delay", message.xml.find(DELAY) is None, message.xml)
    await bob.close()

    again, reason = await login(host, port, "bob", "bob-pw", resource="other")
    if checks.check("bob logs in again", again is not None, reason):
        await round_trip(again)
        checks.equal("offline messages not delivered twice", again.messages.qsize(), 0)
        await again.close()
    await alice.close()


run(main)
