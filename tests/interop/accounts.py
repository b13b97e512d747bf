"""Scenario: account management over XEP-0077 with slixmpp's own calls. A password change
takes effect for every mechanism (old password refused, new one accepted); an account
removal ends the user's stream, later logins fail, and messages to it bounce with
service-unavailable instead of being stored.

Usage: accounts.py HOST PORT
"""

import asyncio

from scenario import iq_outcome, iq_result, login, register, run

MECHANISMS = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "DIGEST-MD5"]


async def password_change(checks, host, port):
    dave, reason = await login(host, port, "dave", "old-secret", mech="SCRAM-SHA-256")
    if not checks.check("dave logs in with the old password", dave is not None, reason):
        return
    registration = dave.client.plugin["xep_0077"]
    kind, form = await iq_result(registration.get_registration(timeout=10))
    if checks.equal("registration form answered", kind, "result"):
        checks.check("registration form says registered", form["register"]["registered"], form)
        checks.equal("registration form username", form["register"]["username"], "dave")
    changed = await iq_outcome(registration.change_password("new-secret", timeout=10))
    checks.equal("change password", changed, "result")
    await dave.close()
    for mech in MECHANISMS:
        session, reason = await login(host, port, "dave", "old-secret", mech=mech)
        checks.check(f"old password refused with {mech}", session is None, "logged in")
        checks.equal(f"old password with {mech} condition", reason, "failed:not-authorized")
        session, reason = await login(host, port, "dave", "new-secret", mech=mech)
        if checks.check(f"new password accepted with {mech}", session is not None, reason):
            await session.close()


async def removal(checks, host, port):
    bob, reason = await login(host, port, "bob", "bob-pw", resource="home")
    erin, reason2 = await login(host, port, "erin", "erin-pw", resource="laptop")
    checks.check("bob logs in", bob is not None, reason)
    checks.check("erin logs in", erin is not None, reason2)
    if bob is None or erin is None:
        return
    # Removal addressed to someone else's account is not bob's to make.
    forged = bob.client.Iq()
    forged["type"] = "set"
    forged["to"] = "erin@localhost"
    forged["register"]["remove"] = True
    checks.equal("bob cannot remove erin's account",
                 await iq_outcome(forged.send(timeout=10)), "service-unavailable")
    ended = asyncio.get_running_loop().create_future()
    stream_errors = []
    erin.client.add_event_handler("stream_error", lambda e: stream_errors.append(e["condition"]))
    erin.client.add_event_handler("disconnected", lambda r: ended.done() or ended.set_result(r))
    removed = await iq_outcome(erin.client.plugin["xep_0077"].cancel_registration(timeout=10))
    checks.equal("remove account", removed, "result")
    try:
        await asyncio.wait_for(ended, 10)
        checks.check("removed account's stream is closed", True)
        checks.equal("removed account's stream error", stream_errors, ["not-authorized"])
    except asyncio.TimeoutError:
        checks.check("removed account's stream is closed", False, "still connected")
        erin.client.abort()

    session, reason = await login(host, port, "erin", "erin-pw", mech="PLAIN")
    checks.check("removed account cannot log in", session is None, "logged in")
    checks.equal("removed account login condition", reason, "failed:not-authorized")

    bob.send("erin@localhost", "are you there?")
    error = await bob.next_error()
    if checks.check("message to removed account bounces", error is not None, "no error"):
        checks.equal("bounce condition", error["error"]["condition"], "service-unavailable")
        checks.equal("bounce from", str(error["from"]), "erin@localhost")
    checks.equal("register erin anew", await register(host, port, "erin", "fresh-pw"), None)
    erin, reason = await login(host, port, "erin", "fresh-pw", mech="SCRAM-SHA-1")
    if checks.check("new erin logs in", erin is not None, reason):
        await asyncio.sleep(0.3)
        checks.equal("bounced message was not stored", erin.messages.qsize(), 0)
        await erin.close()
    await bob.close()


async def main(checks, host, port):
    for user in ("dave", "bob", "erin"):
        checks.equal(f"register {user}",
                     await register(host, port, user, "old-secret" if user == "dave"
                                    else f"{user}-pw"), None)
    await password_change(checks, host, port)
    await removal(checks, host, port)


run(main)
