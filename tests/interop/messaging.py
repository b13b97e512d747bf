"""Scenario: messages between two users both ways (body, type and the `from` full JID the server
stamps), then between resources of one user: a full JID reaches only that resource, the bare
JID reaches every available resource and skips one that sent no initial presence.

"Only" is checked by order, not by waiting: a later message must be the next one a resource
sees, so an earlier misrouted copy would show up first.

Usage: messaging.py HOST PORT
"""

from scenario import login, register, run


async def expect(checks, name, session, body, sender, kind="chat"):
    """Checks that the next message `session` receives is `body` from full JID `sender`."""
    message = await session.next_message()
    if not checks.check(name, message is not None, "no message within the timeout"):
        return
    checks.equal(f"{name}: body", message["body"], body)
    checks.equal(f"{name}: from", str(message["from"]), sender)
    checks.equal(f"{name}: type", message["type"], kind)


async def main(checks, host, port):
    for user in ("alice", "bob"):
        checks.equal(f"register {user}", await register(host, port, user, f"{user}-pw"), None)

    desk, reason = await login(host, port, "alice", "alice-pw", resource="desk")
    checks.check("alice/desk logs in", desk is not None, reason)
    bob, reason = await login(host, port, "bob", "bob-pw", resource="home", mech="PLAIN")
    checks.check("bob/home logs in", bob is not None, reason)
    if desk is None or bob is None:
        return

    desk.send("bob@localhost", "hello bob, from alice")
    await expect(checks, "alice to bob's bare JID", bob, "hello bob, from alice",
                 "alice@localhost/desk")
    # bob claims to be mallory: the server stamps his real full JID.
    bob.send("alice@localhost/desk", "hi alice <&> 'quoted' \u00e9\u2603", kind="normal",
             claimed_from="mallory@localhost/forged")
    await expect(checks, "bob to alice's full JID", desk, "hi alice <&> 'quoted' \u00e9\u2603",
                 "bob@localhost/home", kind="normal")

    phone, reason = await login(host, port, "alice", "alice-pw", resource="phone",
                                mech="SCRAM-SHA-1")
    tablet, reason2 = await login(host, port, "alice", "alice-pw", resource="tablet",
                                  presence=False)
    checks.check("alice/phone logs in", phone is not None, reason)
    checks.check("alice/tablet logs in without presence", tablet is not None, reason2)
    if phone is None or tablet is None:
        return

    desk.send("alice@localhost/phone", "desk to phone")
    await expect(checks, "own full JID reaches phone", phone, "desk to phone",
                 "alice@localhost/desk")
    bob.send("alice@localhost/phone", "bob to phone only")
    await expect(checks, "full JID reaches phone", phone, "bob to phone only",
                 "bob@localhost/home")
    bob.send("alice@localhost", "bob to every resource")
    await expect(checks, "bare JID reaches phone", phone, "bob to every resource",
                 "bob@localhost/home")
    # desk's next message is the bare one: neither full-JID message to phone reached it.
    await expect(checks, "bare JID reaches desk, full JIDs did not", desk,
                 "bob to every resource", "bob@localhost/home")
    bob.send("alice@localhost/tablet", "bob to tablet")
    # tablet sent no presence: the bare-JID message skipped it, the full-JID one arrives.
    await expect(checks, "unavailable tablet skipped by bare JID, reached by full JID", tablet,
                 "bob to tablet", "bob@localhost/home")

    for session in (desk, phone, tablet, bob):
        await session.close()


run(main)
