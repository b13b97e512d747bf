-- Blocking command (XEP-0191): the block list of each user, kept in the store bucket
-- "xmpp-blocklist" (one JID per line), the <blocklist/>, <block/> and <unblock/> IQs with
-- their pushes, and the checks the presence script makes on stanzas in both directions.
-- Blocking leaves the contact in the roster.

local xmpp = require("msys.xmpp")
local xml = require("xml")
local iq = require("lib.iq")
local roster = require("lib.roster")
local broadcast = require("lib.broadcast")

local blocking = {}

blocking.NS = "urn:xmpp:blocking"
blocking.ERRORS_NS = "urn:xmpp:blocking:errors"
local BUCKET = "xmpp-blocklist"

-- An array of the JIDs stored in `text` (one per line) and a set of the same.
local function parse(text)
  local list, set = {}, {}
  for line in text:gmatch("[^\n]+") do
    list[#list + 1] = line
    set[line] = true
  end
  return list, set
end

-- The block list of `user`: an array of JIDs and a set of the same.
function blocking.list(user)
  return parse(msys.kv.get(BUCKET, user) or "")
end

local function store(user, list)
  if #list == 0 then
    msys.kv.delete(BUCKET, user)
  else
    msys.kv.put(BUCKET, user, table.concat(list, "\n"))
  end
end

-- Whether the block list `set` covers `jid` (XEP-0191 §3.1: a domain item blocks the
-- domain, a bare JID item blocks every resource, a full JID item only that resource).
function blocking.matches(set, jid)
  local parsed = jid and next(set) ~= nil and xmpp.jid(jid)
  if not parsed then
    return false
  end
  return set[parsed:get()] or set[parsed:bare()] or set[parsed:domain()] or false
end

-- Whether `user` blocks `jid`. Checked on every message, so a user without a block list
-- (the common case) costs one lookup and no tables.
function blocking.blocks(user, jid)
  local stored = msys.kv.get(BUCKET, user)
  if not stored then
    return false
  end
  local _, set = parse(stored)
  return blocking.matches(set, jid)
end

-- Answers a stanza the user sent to a blocked JID (§3.6): not-acceptable with <blocked/>.
function blocking.refuse(sess, stanza)
  local reply = xmpp.error_reply(stanza, "not-acceptable")
  if reply then
    for node in reply:children() do
      if node:name() == "error" then
        node:attr("type", "cancel")
        node:addchild("blocked"):attr("xmlns", blocking.ERRORS_NS)
      end
    end
    sess:send(reply)
  end
  return xmpp.DONE
end

-- Pushes <block/> or <unblock/> with `jids` to the resources that asked for the list.
local function push(user, verb, jids)
  for _, sess in ipairs(xmpp.sessions(user)) do
    if sess:get("blocklist") then
      local set = xml.newnode("iq")
      set:attr("type", "set")
      set:attr("id", xmpp.new_id())
      set:attr("to", sess:jid():get())
      local payload = set:addchild(verb)
      payload:attr("xmlns", blocking.NS)
      for _, jid in ipairs(jids) do
        payload:addchild("item"):attr("jid", jid)
      end
      sess:send(set)
    end
  end
end

-- The JIDs of a <block/> or <unblock/> payload, normalised; nil and a condition if one is bad.
local function jids_of(payload)
  local jids = {}
  for item in payload:children() do
    if item:name() == "item" then
      local jid = item:attr("jid") and xmpp.jid(item:attr("jid"))
      if not jid then
        return nil, "jid-malformed"
      end
      jids[#jids + 1] = jid:get()
    end
  end
  return jids
end

-- <blocklist/> (§3.2): the list; the resource now gets pushes.
local function get_list(sess, stanza, user)
  sess:set("blocklist", true)
  local reply = iq.result(stanza)
  local list_node = reply:addchild("blocklist")
  list_node:attr("xmlns", blocking.NS)
  for _, jid in ipairs((blocking.list(user))) do
    list_node:addchild("item"):attr("jid", jid)
  end
  sess:send(reply)
end

-- <block/> (§3.3): adds JIDs; contacts that saw the user's presence now see it end.
local function block(sess, stanza, user, jids)
  if #jids == 0 then
    return sess:send(xmpp.error_reply(stanza, "bad-request"))
  end
  local list, set = blocking.list(user)
  local added = {}
  for _, jid in ipairs(jids) do
    if not set[jid] then
      set[jid] = true
      list[#list + 1] = jid
      added[#added + 1] = jid
    end
  end
  store(user, list)
  sess:send(iq.result(stanza))
  push(user, "block", jids)
  local items = roster.load(user)
  for _, jid in ipairs(added) do
    if roster.gives(items[jid]) then
      broadcast.unavailable_to(user, jid)
    end
  end
end

-- <unblock/> (§3.4): removes JIDs (all of them when none is named); presence flows again.
local function unblock(sess, stanza, user, jids)
  local list = blocking.list(user)
  local removed, keep = {}, {}
  local wanted = {}
  for _, jid in ipairs(jids) do
    wanted[jid] = true
  end
  for _, jid in ipairs(list) do
    if #jids == 0 or wanted[jid] then
      removed[#removed + 1] = jid
    else
      keep[#keep + 1] = jid
    end
  end
  store(user, keep)
  sess:send(iq.result(stanza))
  push(user, "unblock", jids)
  local items = roster.load(user)
  for _, jid in ipairs(removed) do
    if roster.gives(items[jid]) then
      broadcast.current_to(user, jid)
    end
    if roster.gets(items[jid]) then
      xmpp.routeStanza(broadcast.presence("probe", user, jid))
    end
  end
end

-- Handles a blocking IQ from the user's own resource.
function blocking.handle(sess, stanza, payload)
  local user = sess:jid():bare()
  local kind, name = stanza:attr("type"), payload:name()
  if kind == "get" and name == "blocklist" then
    return get_list(sess, stanza, user)
  end
  if kind == "set" and (name == "block" or name == "unblock") then
    local jids, condition = jids_of(payload)
    if not jids then
      return sess:send(xmpp.error_reply(stanza, condition))
    end
    if name == "block" then
      return block(sess, stanza, user, jids)
    end
    return unblock(sess, stanza, user, jids)
  end
  sess:send(xmpp.error_reply(stanza, "bad-request"))
end

return blocking
