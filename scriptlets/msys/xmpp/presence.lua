-- msys.xmpp.presence: rosters, subscriptions and presence for local users.
-- Load it with: script "xmpp-presence" { source = "msys.xmpp.presence" }
--
-- Hooks (msys.xmpp.registerModule "xmpp-presence"):
--   client_iq_recv         roster get/set (RFC 6121 §2), blocking IQs (XEP-0191 §3.2-3.4),
--                          IQs to blocked JIDs refused (XEP-0191 §3.6)
--   client_presence_recv   presence broadcast and probes (§4.2, §4.4), directed presence
--                          (§4.6), outbound subscription stanzas (§3)
--   client_message_recv    messages to blocked JIDs refused (XEP-0191 §3.6)
--   local_presence_deliver inbound subscription stanzas (§3), probes (§4.3), presence from
--                          blocked JIDs dropped (XEP-0191 §3.5)
--   local_message_deliver  messages from blocked JIDs refused (XEP-0191 §3.5)
--   local_iq_deliver       IQs from blocked JIDs refused (XEP-0191 §3.5)
--   session_closed         unavailable presence to contacts on disconnect (§4.5.2)
-- Stream features: roster versioning (XEP-0237), pre-approval (§3.4); disco: urn:xmpp:blocking.

local xmpp = require("msys.xmpp")
local xml = require("xml")
local roster = require("lib.roster")
local roster_iq = require("lib.roster_iq")
local subscription = require("lib.subscription")
local blocking = require("lib.blocking")
local broadcast = require("lib.broadcast")

xmpp.add_stream_feature("<ver xmlns='urn:xmpp:features:rosterver'/>")
xmpp.add_stream_feature("<sub xmlns='urn:xmpp:features:pre-approval'/>")
xmpp.add_feature(blocking.NS)

local SUBSCRIPTION = { subscribe = true, subscribed = true, unsubscribe = true, unsubscribed = true }

local mod = {}

local function payload_of(stanza)
  for child in stanza:children() do
    if child:name() ~= "text" then
      return child
    end
  end
end

function mod:client_iq_recv(sess, stanza)
  local to = stanza:attr("to")
  local user = sess:jid():bare()
  if to and roster.bare(to) ~= user then
    if blocking.blocks(user, to) then
      return blocking.refuse(sess, stanza)
    end
    return xmpp.CONT
  end
  local kind = stanza:attr("type")
  local payload = payload_of(stanza)
  if (kind ~= "get" and kind ~= "set") or not payload then
    return xmpp.CONT
  end
  local ns = payload:attr("xmlns")
  if ns == roster.NS then
    if kind == "get" then
      roster_iq.get(sess, stanza, payload)
    else
      roster_iq.set(sess, stanza, payload)
    end
    return xmpp.DONE
  elseif ns == blocking.NS then
    blocking.handle(sess, stanza, payload)
    return xmpp.DONE
  end
  return xmpp.CONT
end

function mod:client_message_recv(sess, stanza)
  local to = stanza:attr("to")
  if to and blocking.blocks(sess:jid():bare(), to) then
    return blocking.refuse(sess, stanza)
  end
  return xmpp.CONT
end

-- Directed presence (§4.6): remembered so the recipient gets unavailable presence later.
local function directed(sess, to, kind)
  local list = {}
  for jid in (sess:get("directed") or ""):gmatch("[^\n]+") do
    if jid ~= to then
      list[#list + 1] = jid
    end
  end
  if kind ~= "unavailable" then
    list[#list + 1] = to
  end
  sess:set("directed", #list > 0 and table.concat(list, "\n") or nil)
end

-- Presence broadcast (§4.2, §4.4, §4.5): to contacts with a "from" or "both" subscription;
-- initial presence also probes "to"/"both" contacts and redelivers pending requests;
-- unavailable presence also reaches directed-presence recipients.
local function broadcast_own(sess, stanza)
  local user = sess:jid():bare()
  local kind = stanza:attr("type")
  local initial = kind == nil and not sess:available()
  local items = roster.load(user)
  local _, blocked = blocking.list(user)
  sess:set("presence", kind == nil and stanza:tostring() or nil)
  local copy = xml.parsexml(stanza:tostring()):root()
  for _, contact in ipairs(roster.contacts(items)) do
    if roster.gives(items[contact]) and not blocking.matches(blocked, contact) then
      copy:attr("to", contact)
      xmpp.routeStanza(copy)
    end
  end
  if kind == "unavailable" then
    for jid in (sess:get("directed") or ""):gmatch("[^\n]+") do
      if not roster.gives(items[roster.bare(jid)]) then
        copy:attr("to", jid)
        xmpp.routeStanza(copy)
      end
    end
    sess:set("directed", nil)
  end
  if initial then
    sess:set("initial", true)
    for _, contact in ipairs(roster.contacts(items)) do
      if roster.gets(items[contact]) and not blocking.matches(blocked, contact) then
        xmpp.routeStanza(broadcast.presence("probe", user, contact))
      end
    end
    sess:set("initial", nil)
    for _, contact in ipairs(roster.contacts(items)) do
      local pending = items[contact].pending_requests.subscribe
      if pending and not blocking.matches(blocked, contact) then
        sess:send(pending)
      end
    end
  end
end

function mod:client_presence_recv(sess, stanza)
  local to = stanza:attr("to")
  local kind = stanza:attr("type")
  local user = sess:jid():bare()
  if not to then
    if kind == nil or (kind == "unavailable" and sess:available()) then
      broadcast_own(sess, stanza)
    end
    return xmpp.CONT
  end
  local contact = roster.bare(to)
  if kind == "probe" or blocking.blocks(user, to) then
    return xmpp.DONE
  end
  if SUBSCRIPTION[kind] then
    if contact == user then
      return xmpp.DONE
    end
    return subscription.outbound(user, contact, kind, stanza) and xmpp.CONT or xmpp.DONE
  end
  if kind == nil or kind == "unavailable" then
    local items = roster.load(user)
    if not roster.gives(items[contact]) then
      directed(sess, to, kind)
    end
  end
  return xmpp.CONT
end

-- A probe (§4.3.2): answered with the presence of each available resource when the prober
-- has a "from"/"both" subscription; never delivered to clients.
local function answer_probe(user, stanza)
  local prober = stanza:attr("from")
  local items = roster.load(user)
  if roster.gives(items[roster.bare(prober)]) then
    broadcast.current_to(user, prober)
  end
  return xmpp.DONE
end

function mod:local_presence_deliver(to, stanza)
  local user = to:bare()
  local from = stanza:attr("from")
  if not from then
    return xmpp.CONT
  end
  if blocking.blocks(user, from) then
    return xmpp.DONE
  end
  local kind = stanza:attr("type")
  if kind == "probe" then
    return answer_probe(user, stanza)
  end
  if SUBSCRIPTION[kind] then
    if not xmpp.connected(user) and not xmpp.user_exists(user) then
      return xmpp.CONT
    end
    subscription.inbound(user, roster.bare(from), kind, stanza)
    return xmpp.DONE
  end
  if to:resource() == nil and (kind == nil or kind == "unavailable") then
    broadcast.to_available(to, stanza)
    return xmpp.DONE
  end
  return xmpp.CONT
end

-- Stanzas from a blocked JID (XEP-0191 §3.5): service-unavailable for messages and IQ
-- requests, nothing for the rest.
local function refuse_blocked(to, stanza)
  local from = stanza:attr("from")
  if not from or not blocking.blocks(to:bare(), from) then
    return xmpp.CONT
  end
  local kind = stanza:attr("type")
  if kind ~= "error" and kind ~= "result" and kind ~= "groupchat" then
    local reply = xmpp.error_reply(stanza, "service-unavailable")
    if reply then
      xmpp.routeStanza(reply)
    end
  end
  return xmpp.DONE
end

function mod:local_message_deliver(to, stanza)
  return refuse_blocked(to, stanza)
end

function mod:local_iq_deliver(to, stanza)
  return refuse_blocked(to, stanza)
end

function mod:session_closed(sess)
  local unavailable = broadcast.presence("unavailable", sess:jid():get(), nil)
  if sess:available() then
    broadcast_own(sess, unavailable)
  else
    -- Directed presence sent before (or without) initial presence is ended too (§4.6.3).
    for jid in (sess:get("directed") or ""):gmatch("[^\n]+") do
      unavailable:attr("to", jid)
      xmpp.routeStanza(unavailable)
    end
  end
  return xmpp.CONT
end

xmpp.registerModule("xmpp-presence", mod)
