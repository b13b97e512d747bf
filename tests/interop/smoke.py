"""Quick manual smoke: register alice/bob in-band, log both in, send one message."""
import asyncio, sys, ssl, logging
import slixmpp

HOST, PORT = sys.argv[1], int(sys.argv[2])

async def register(user, pw):
    c = slixmpp.ClientXMPP(f"{user}@localhost", pw)
    c.register_plugin("xep_0077")
    c.enable_direct_tls = False
    c.use_aiodns = False
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    done = asyncio.get_event_loop().create_future()
    async def on_register(_):
        resp = c.Iq(); resp["type"] = "set"
        resp["register"]["username"] = user; resp["register"]["password"] = pw
        try:
            await resp.send()
            done.set_result("ok")
        except Exception as e:
            done.set_result(f"err {e}")
        c.disconnect()
    c.add_event_handler("register", on_register)
    c["xep_0077"].force_registration = True
    c.connect((HOST, PORT))
    print(user, await asyncio.wait_for(done, 10))

async def main():
    await register("alice", "secret1")
    await register("bob", "secret2")

asyncio.run(main())
