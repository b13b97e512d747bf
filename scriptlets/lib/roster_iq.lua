-- Roster IQs from the user's own resources (RFC 6121 §2): get (with XEP-0237 versions),
-- set (add or update one item) and removal (which cancels subscriptions both ways).

local xmpp = require("msys.xmpp")
local iq = require("lib.iq")
local roster = require("lib.roster")
local subscription = require("lib.subscription")

local roster_iq = {}

-- Roster get (§2.2, XEP-0237 §2): the whole roster, or an empty result when the client's
-- version is current. The resource becomes interested in roster pushes.
function roster_iq.get(sess, stanza, query)
  sess:interested(true)
  local items, version = roster.load(sess:jid():bare())
  local ver = query:attr("ver")
  if ver ~= nil and ver ~= "" and ver == tostring(version) then
    return sess:send(iq.result(stanza))
  end
  local reply = iq.result(stanza)
  local list = reply:addchild("query")
  list:attr("xmlns", roster.NS)
  if ver ~= nil then
    list:attr("ver", tostring(version))
  end
  for _, contact in ipairs(roster.contacts(items)) do
    if not items[contact].hidden then
      roster.add_item(list, contact, items[contact])
    end
  end
  sess:send(reply)
end

-- The <group/> names of a roster set item; nil and a condition when they are invalid.
local function groups_of(item)
  local groups, seen = {}, {}
  for child in item:children() do
    if child:name() == "group" then
      local name = child:contents()
      if name == "" then
        return nil, "not-acceptable"
      end
      if seen[name] then
        return nil, "bad-request"
      end
      seen[name] = true
      groups[#groups + 1] = name
    end
  end
  return groups
end

-- Roster set (§2.3, §2.5): add or update one item, or remove it.
function roster_iq.set(sess, stanza, query)
  local user = sess:jid():bare()
  local found = {}
  for child in query:children() do
    if child:name() == "item" then
      found[#found + 1] = child
    end
  end
  if #found ~= 1 then
    return sess:send(xmpp.error_reply(stanza, "bad-request"))
  end
  local node = found[1]
  local contact = roster.bare(node:attr("jid") or "")
  if not contact then
    return sess:send(xmpp.error_reply(stanza, "bad-request"))
  end
  local condition = roster.atomically(roster_iq.apply, user, contact, node)
  if condition then
    return sess:send(xmpp.error_reply(stanza, condition))
  end
  sess:send(iq.result(stanza))
end

-- The change of one roster set, saved and pushed; returns an error condition instead when
-- the request cannot be applied. Runs again from the start if the save conflicts.
function roster_iq.apply(user, contact, node)
  local items, version = roster.load(user)
  if node:attr("subscription") == "remove" then
    if not items[contact] then
      return "item-not-found"
    end
    subscription.remove(user, contact, items, version)
    return nil
  end
  local groups, condition = groups_of(node)
  if not groups then
    return condition
  end
  local item = roster.item(items, contact)
  item.name = node:attr("name")
  item.groups = groups
  item.hidden = false
  roster.commit(user, items, version, contact)
  return nil
end

return roster_iq
