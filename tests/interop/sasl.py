"""Scenario: in-band registration (XEP-0077), then one login per SASL mechanism with slixmpp
forced to that mechanism, a wrong password refused with not-authorized, and a -PLUS login
whose tls-exporter binding the server really verifies.

Usage: sasl.py HOST PORT
"""

from scenario import login, register, run, tls_exporter

MECHANISMS = [
    "PLAIN",
    "DIGEST-MD5",
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
    "SCRAM-SHA-512",
    "SCRAM-SHA-256-PLUS",
    "SCRAM-SHA-512-PLUS",
]


async def main(checks, host, port):
    checks.equal("register alice", await register(host, port, "alice", "wonder land"), None)
    checks.equal("register alice again is a conflict",
                 await register(host, port, "alice", "other"), "conflict")

    for mech in MECHANISMS:
        binding = tls_exporter if mech.endswith("-PLUS") else None
        session, reason = await login(host, port, "alice", "wonder land", mech=mech,
                                      binding=binding)
        if checks.check(f"login {mech}", session is not None, reason):
            checks.equal(f"login {mech} used {mech}", session.mechanism, mech)
            checks.equal(f"login {mech} bound alice", session.client.boundjid.bare,
                         "alice@localhost")
            await session.close()

    for mech in ["PLAIN", "SCRAM-SHA-256", "DIGEST-MD5"]:
        session, reason = await login(host, port, "alice", "wrong password", mech=mech)
        checks.check(f"wrong password with {mech} refused", session is None, "logged in")
        checks.equal(f"wrong password with {mech} condition", reason, "failed:not-authorized")

    # A binding that differs from the real one (another exporter label) must be refused.
    def forged(ssl_object):
        return tls_exporter(ssl_object, label=b"EXPORTER-Not-The-Binding")

    session, reason = await login(host, port, "alice", "wonder land", mech="SCRAM-SHA-256-PLUS",
                                  binding=forged)
    checks.check("forged tls-exporter binding refused", session is None, "logged in")
    checks.equal("forged tls-exporter binding condition", reason, "failed:not-authorized")

    session, reason = await login(host, port, "alice", "wonder land", mech="SCRAM-SHA-1")
    if checks.check("server still serves after failures", session is not None, reason):
        await session.close()


run(main)
