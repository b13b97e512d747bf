"""Package test client: alice and bob (created with `ec_console xmpp user add`) log in to the
installed daemon with slixmpp over STARTTLS, and alice's message reaches bob.

Usage: login.py HOST PORT TAG   (TAG ends up in the message body and the stanza id)
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "interop"))

from scenario import login, run  # noqa: E402


async def main(checks, host, port, tag):
    bob, reason = await login(host, port, "bob", "bob-pw", resource="desk")
    checks.check("bob logs in", bob is not None, reason)
    alice, reason = await login(host, port, "alice", "alice-pw", resource="laptop")
    checks.check("alice logs in", alice is not None, reason)
    if bob is None or alice is None:
        return
    alice.client.send_message(mto="bob@localhost", mbody=f"hello {tag}", mtype="chat")
    message = await bob.next_message()
    checks.check("bob receives alice's message", message is not None, "nothing arrived")
    if message is not None:
        checks.equal("body", message["body"], f"hello {tag}")
        checks.equal("from", str(message["from"]), "alice@localhost/laptop")
    await alice.close()
    await bob.close()


run(main)
