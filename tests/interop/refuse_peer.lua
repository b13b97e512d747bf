-- validate_connect policy for the end-to-end tests: refuses connections from 127.0.0.2
-- before any byte is read (Momentum's way to deny a peer), accepts everyone else.
local mod = {}

function mod:validate_connect(ac, vctx)
  if ac.remote_ip == "127.0.0.2" then
    vctx:set_code(554, "127.0.0.2 is not welcome")
    return msys.core.VALIDATE_DONE
  end
  return msys.core.VALIDATE_CONT
end

msys.registerModule("refuse_peer", mod)
