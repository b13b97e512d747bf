-- Presence fan-out helpers shared by the presence, subscription and blocking code
-- (RFC 6121 §4): a resource's last presence, a user's presence sent to one contact, and
-- delivery to a user's available resources.

local xmpp = require("msys.xmpp")
local xml = require("xml")

local broadcast = {}

-- The last available presence `sess` broadcast (kept for probes), as a new node from its
-- full JID, or a plain <presence/> when it sent none with content.
function broadcast.last(sess)
  local text = sess:get("presence")
  local node = text and xml.parsexml(text)
  node = node and node:root() or xml.newnode("presence")
  node:attr("from", sess:jid():get())
  node:attr("id", nil)
  return node
end

-- Sends every available resource's presence of `user` to `to` (after an approval, an
-- unblock, or to answer a probe).
function broadcast.current_to(user, to)
  for _, sess in ipairs(xmpp.sessions(user)) do
    if sess:available() then
      local presence = broadcast.last(sess)
      presence:attr("to", to)
      xmpp.routeStanza(presence)
    end
  end
end

-- Sends unavailable presence from every available resource of `user` to `to` (after a
-- subscription is cancelled or the contact is blocked).
function broadcast.unavailable_to(user, to)
  for _, sess in ipairs(xmpp.sessions(user)) do
    if sess:available() then
      local presence = xml.newnode("presence")
      presence:attr("type", "unavailable")
      presence:attr("from", sess:jid():get())
      presence:attr("to", to)
      xmpp.routeStanza(presence)
    end
  end
end

-- Delivers `stanza` to every available resource of `user` (a bare JID string or object), and
-- to a resource that is in the middle of sending its initial presence (so probe answers
-- reach it).
function broadcast.to_available(user, stanza)
  for _, sess in ipairs(xmpp.sessions(user)) do
    if sess:available() or sess:get("initial") then
      sess:send(stanza)
    end
  end
end

-- A new presence of `kind` from `from` to `to`.
function broadcast.presence(kind, from, to)
  local presence = xml.newnode("presence")
  presence:attr("type", kind)
  presence:attr("from", from)
  presence:attr("to", to)
  return presence
end

return broadcast
