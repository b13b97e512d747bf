-- The presence subscription state machine (RFC 6121 §3 and Appendix A), one named function
-- per transition. "user" is the local account whose roster changes, "contact" the other
-- party, both bare JIDs. Outbound functions run when the user sends a subscription stanza,
-- inbound ones when such a stanza arrives for the user. Rosters are saved before anything is
-- routed, because routing may re-enter the script for the other party.

local xmpp = require("msys.xmpp")
local roster = require("lib.roster")
local broadcast = require("lib.broadcast")

local subscription = {}

-- Outbound "subscribe" (§3.1.2): the item shows ask="subscribe" until the contact answers.
function subscription.outbound_subscribe(user, contact, items, version)
  local item = roster.item(items, contact)
  if not roster.gets(item) then
    item.ask = "subscribe"
  end
  item.hidden = false
  roster.commit(user, items, version, contact)
  return true
end

-- Outbound "unsubscribe" (§3.3.2): the user stops receiving the contact's presence.
function subscription.outbound_unsubscribe(user, contact, items, version)
  local item = items[contact]
  if item and (roster.gets(item) or item.ask) then
    item.subscription = item.subscription == "both" and "from" or "none"
    item.ask = nil
    roster.commit(user, items, version, contact)
  end
  return true
end

-- Outbound "subscribed" (§3.1.5): approves a pending request, or pre-approves one (§3.4).
-- Returns whether the stanza is to be routed, and whether presence follows it.
function subscription.outbound_subscribed(user, contact, items, version)
  local item = items[contact]
  if item and item.pending_requests and item.pending_requests.subscribe then
    item.pending_requests.subscribe = nil
    item.subscription = item.subscription == "to" and "both" or "from"
    item.hidden = false
    item.approved = nil
    roster.commit(user, items, version, contact)
    return true, true
  end
  if roster.gives(item) then
    return false
  end
  item = roster.item(items, contact)
  item.approved = true
  item.hidden = false
  roster.commit(user, items, version, contact)
  return false
end

-- Outbound "unsubscribed" (§3.2.1, §3.2.2): denies a request, cancels a pre-approval, or
-- cancels the contact's subscription. Returns whether unavailable presence follows.
function subscription.outbound_unsubscribed(user, contact, items, version)
  local item = items[contact]
  if not item then
    return false
  end
  local was_giving = roster.gives(item)
  local visible = not item.hidden
  item.pending_requests.subscribe = nil
  item.approved = nil
  if was_giving then
    item.subscription = item.subscription == "both" and "to" or "none"
  end
  roster.prune(items, contact)
  local new_version = roster.save(user, items, version)
  if visible then
    roster.push(user, contact, items[contact], new_version)
  end
  return was_giving
end

-- Inbound "subscribe" (§3.1.3): answered at once when already subscribed or pre-approved,
-- else kept in pending_requests (delivered again at each login) and delivered now.
function subscription.inbound_subscribe(user, contact, items, version, stanza)
  local item = items[contact]
  if roster.gives(item) then
    xmpp.routeStanza(broadcast.presence("subscribed", user, contact))
    return
  end
  if item and item.approved then
    item.approved = nil
    item.subscription = item.subscription == "to" and "both" or "from"
    roster.commit(user, items, version, contact)
    xmpp.routeStanza(broadcast.presence("subscribed", user, contact))
    broadcast.current_to(user, contact)
    return
  end
  item = roster.item(items, contact)
  item.pending_requests.subscribe = stanza:tostring()
  roster.save(user, items, version)
  broadcast.to_available(user, stanza)
end

-- Inbound "subscribed" (§3.1.6): only when the user asked.
function subscription.inbound_subscribed(user, contact, items, version, stanza)
  local item = items[contact]
  if not (item and item.ask == "subscribe") then
    return
  end
  item.ask = nil
  item.subscription = item.subscription == "from" and "both" or "to"
  roster.commit(user, items, version, contact)
  broadcast.to_available(user, stanza)
end

-- Inbound "unsubscribe" (§3.3.3): the contact no longer wants the user's presence.
function subscription.inbound_unsubscribe(user, contact, items, version, stanza)
  local item = items[contact]
  if not (item and (roster.gives(item) or item.pending_requests.subscribe)) then
    return
  end
  local visible = not item.hidden
  local was_giving = roster.gives(item)
  item.pending_requests.subscribe = nil
  item.approved = nil
  if was_giving then
    item.subscription = item.subscription == "both" and "to" or "none"
  end
  roster.prune(items, contact)
  local new_version = roster.save(user, items, version)
  if visible then
    roster.push(user, contact, items[contact], new_version)
  end
  broadcast.to_available(user, stanza)
  if was_giving then
    broadcast.unavailable_to(user, contact)
  end
end

-- Inbound "unsubscribed" (§3.2.3): the contact denied or cancelled the user's subscription.
function subscription.inbound_unsubscribed(user, contact, items, version, stanza)
  local item = items[contact]
  if not (item and (roster.gets(item) or item.ask)) then
    return
  end
  item.ask = nil
  if roster.gets(item) then
    item.subscription = item.subscription == "both" and "from" or "none"
  end
  roster.commit(user, items, version, contact)
  broadcast.to_available(user, stanza)
end

-- Removing a contact (§2.5.2): cancel both directions, then drop the item.
function subscription.remove(user, contact, items, version)
  local item = items[contact]
  items[contact] = nil
  local new_version = roster.save(user, items, version)
  roster.push(user, contact, nil, new_version)
  if roster.gets(item) or item.ask then
    xmpp.routeStanza(broadcast.presence("unsubscribe", user, contact))
  end
  if roster.gives(item) or item.pending_requests.subscribe then
    xmpp.routeStanza(broadcast.presence("unsubscribed", user, contact))
  end
  if roster.gives(item) then
    broadcast.unavailable_to(user, contact)
  end
end

-- Dispatches an outbound subscription stanza; returns whether to route it as it is.
function subscription.outbound(user, contact, kind, stanza)
  return roster.atomically(subscription.outbound_once, user, contact, kind, stanza)
end

function subscription.outbound_once(user, contact, kind, stanza)
  local items, version = roster.load(user)
  stanza:attr("from", user)
  if kind == "subscribe" then
    return subscription.outbound_subscribe(user, contact, items, version)
  elseif kind == "unsubscribe" then
    return subscription.outbound_unsubscribe(user, contact, items, version)
  elseif kind == "subscribed" then
    local route, presence = subscription.outbound_subscribed(user, contact, items, version)
    if route then
      xmpp.routeStanza(stanza)
    end
    if presence then
      broadcast.current_to(user, contact)
    end
    return false
  end
  local unavailable = subscription.outbound_unsubscribed(user, contact, items, version)
  xmpp.routeStanza(stanza)
  if unavailable then
    broadcast.unavailable_to(user, contact)
  end
  return false
end

-- Dispatches an inbound subscription stanza (always handled here).
function subscription.inbound(user, contact, kind, stanza)
  roster.atomically(subscription.inbound_once, user, contact, kind, stanza)
end

function subscription.inbound_once(user, contact, kind, stanza)
  local items, version = roster.load(user)
  stanza:attr("to", user)
  local handler = subscription["inbound_" .. kind]
  handler(user, contact, items, version, stanza)
end

return subscription
