"""Scenario: XEP-0368 direct TLS. On the direct-TLS port the stream starts inside TLS 1.3 (no
STARTTLS offered): registration, PLAIN and SCRAM-SHA-256-PLUS (tls-exporter) logins work,
and a session there exchanges messages with a STARTTLS session on the other port.

Usage: direct_tls.py HOST STARTTLS_PORT DIRECT_TLS_PORT
"""

from scenario import login, register, run, tls_exporter


async def main(checks, host, port, direct_port):
    direct_port = int(direct_port)
    checks.equal("register frank over direct TLS",
                 await register(host, direct_port, "frank", "frank-pw", direct_tls=True), None)
    checks.equal("register gina over STARTTLS", await register(host, port, "gina", "gina-pw"),
                 None)

    for mech in ("PLAIN", "SCRAM-SHA-256-PLUS"):
        binding = tls_exporter if mech.endswith("-PLUS") else None
        session, reason = await login(host, direct_port, "frank", "frank-pw", mech=mech,
                                      direct_tls=True, binding=binding)
        if not checks.check(f"direct TLS login {mech}", session is not None, reason):
            continue
        checks.equal(f"direct TLS login {mech} used {mech}", session.mechanism, mech)
        checks.equal(f"direct TLS {mech} runs TLS 1.3", session.client.socket.version(),
                     "TLSv1.3")
        checks.check(f"direct TLS {mech} was not offered STARTTLS",
                     "starttls" not in session.client.features, session.client.features)
        await session.close()

    frank, reason = await login(host, direct_port, "frank", "frank-pw", resource="tls",
                                direct_tls=True)
    gina, reason2 = await login(host, port, "gina", "gina-pw", resource="plain")
    checks.check("frank logs in over direct TLS", frank is not None, reason)
    checks.check("gina logs in over STARTTLS", gina is not None, reason2)
    if frank is None or gina is None:
        return
    checks.check("gina negotiated STARTTLS", "starttls" in gina.client.features,
                 gina.client.features)
    frank.send("gina@localhost", "from the direct TLS port")
    message = await gina.next_message()
    if checks.check("gina receives frank's message", message is not None, "nothing"):
        checks.equal("frank's message body", message["body"], "from the direct TLS port")
        checks.equal("frank's message from", str(message["from"]), "frank@localhost/tls")
    gina.send("frank@localhost/tls", "from the STARTTLS port")
    message = await frank.next_message()
    if checks.check("frank receives gina's message", message is not None, "nothing"):
        checks.equal("gina's message body", message["body"], "from the STARTTLS port")
        checks.equal("gina's message from", str(message["from"]), "gina@localhost/plain")
    await frank.close()
    await gina.close()


run(main)
