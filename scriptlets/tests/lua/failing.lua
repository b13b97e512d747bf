-- A deliberately misbehaving script for errors.txt: the message body says how to fail.
local xmpp = require("msys.xmpp")

local mod = {}

local function body_of(stanza)
  for child in stanza:children() do
    if child:name() == "body" then
      return child
    end
  end
end

function mod:client_message_recv(sess, stanza)
  local body = body_of(stanza)
  local text = body and body:contents()
  if text == "boom" then
    error("boom requested")
  elseif text == "loop" then
    while true do
    end
  elseif text == "memory" then
    local hoard = {}
    for i = 1, 1e9 do
      hoard[i] = string.rep("x", 4096) .. i
    end
  elseif text == "nil" then
    local missing = nil
    return missing.field
  elseif text == "rewrite" then
    body:contents("rewritten by " .. sess:jid():user())
  end
  return xmpp.CONT
end

xmpp.registerModule("failing", mod)
