-- Roster storage, roster items and roster pushes (RFC 6121 §2, XEP-0237 versions).
--
-- A roster is a table keyed by contact bare JID, stored per user bare JID in the JSON shape
-- of Momentum's Riak bucket (see scriptlets/README.md): { name = "Bob", groups = {"work"},
-- pending_requests = {}, subscription = "both", ask = "subscribe", approved = true,
-- hidden = true }. `hidden` items exist only to hold a pending inbound request.
-- The version is a counter, bumped by every save.

local xmpp = require("msys.xmpp")
local xml = require("xml")

local roster = {}

roster.NS = "jabber:iq:roster"

-- The bare JID of a JID string, or nil when it is not a JID.
function roster.bare(text)
  local jid = text and xmpp.jid(text)
  return jid and jid:bare() or nil
end

-- The stored version each loaded roster was read at (weak keys: gone with the table), so a
-- save can check that nobody saved in between.
local read_at = setmetatable({}, { __mode = "k" })

-- Raised by roster.save when another thread saved the roster since it was loaded.
roster.CONFLICT = setmetatable({}, { __tostring = function() return "roster conflict" end })

-- The items and version (a number) of `user`.
function roster.load(user)
  local items, version = xmpp.roster_load(user)
  read_at[items] = version
  return items, tonumber(version) or 0
end

-- Stores `items` as the next version; returns that version. Raises roster.CONFLICT when the
-- stored roster is no longer the one `items` was loaded from: nothing has been sent yet
-- (every transition saves before it routes), so roster.atomically can run it again.
function roster.save(user, items, version)
  local next_version = version + 1
  if not xmpp.roster_store(user, items, tostring(next_version), read_at[items] or "") then
    error(roster.CONFLICT, 0)
  end
  return next_version
end

-- Runs fn(...) (which loads, changes and saves rosters) again from the start while its save
-- conflicts with a concurrent one, so no change is lost between two users' threads.
function roster.atomically(fn, ...)
  for _ = 1, 20 do
    local results = { pcall(fn, ...) }
    if results[1] then
      return unpack(results, 2, table.maxn(results))
    end
    if results[2] ~= roster.CONFLICT then
      error(results[2], 0)
    end
  end
  error("the roster kept changing concurrently", 0)
end

-- The item of `contact`, created hidden (subscription none) when missing.
function roster.item(items, contact)
  local item = items[contact]
  if not item then
    item = { subscription = "none", groups = {}, pending_requests = {}, hidden = true }
    items[contact] = item
  end
  return item
end

-- Whether `item` grants the contact our presence ("from" or "both").
function roster.gives(item)
  return item ~= nil and (item.subscription == "from" or item.subscription == "both")
end

-- Whether `item` gives us the contact's presence ("to" or "both").
function roster.gets(item)
  return item ~= nil and (item.subscription == "to" or item.subscription == "both")
end

-- Removes a hidden item that no longer holds anything.
function roster.prune(items, contact)
  local item = items[contact]
  if item and item.hidden and item.subscription == "none" and not item.ask
      and not item.approved and next(item.pending_requests or {}) == nil then
    items[contact] = nil
  end
end

-- Contact JIDs in a stable (sorted) order.
function roster.contacts(items)
  local list = {}
  for contact in pairs(items) do
    list[#list + 1] = contact
  end
  table.sort(list)
  return list
end

-- Adds <item/> for `contact` to `query`; `item` nil means subscription="remove".
function roster.add_item(query, contact, item)
  local node = query:addchild("item")
  node:attr("jid", contact)
  if not item then
    node:attr("subscription", "remove")
    return node
  end
  if item.name and item.name ~= "" then
    node:attr("name", item.name)
  end
  node:attr("subscription", item.subscription or "none")
  if item.ask then
    node:attr("ask", item.ask)
  end
  if item.approved then
    node:attr("approved", "true")
  end
  for _, group in ipairs(item.groups or {}) do
    node:addchild("group"):contents(group)
  end
  return node
end

-- An empty <query xmlns="jabber:iq:roster"/> inside a new <iq/> of `kind`.
function roster.query_iq(kind, id, to, version)
  local iq = xml.newnode("iq")
  iq:attr("type", kind)
  iq:attr("id", id)
  if to then
    iq:attr("to", to)
  end
  local query = iq:addchild("query")
  query:attr("xmlns", roster.NS)
  if version then
    query:attr("ver", tostring(version))
  end
  return iq, query
end

-- Pushes the change of `contact` (nil item: removal) to every interested resource of `user`.
function roster.push(user, contact, item, version)
  if item and item.hidden then
    return
  end
  for _, sess in ipairs(xmpp.sessions(user)) do
    if sess:interested() then
      local iq, query = roster.query_iq("set", xmpp.new_id(), sess:jid():get(), version)
      roster.add_item(query, contact, item)
      sess:send(iq)
    end
  end
end

-- Saves and pushes one changed item (nil: removed); returns the new version.
function roster.commit(user, items, version, contact)
  local new_version = roster.save(user, items, version)
  roster.push(user, contact, items[contact], new_version)
  return new_version
end

return roster
