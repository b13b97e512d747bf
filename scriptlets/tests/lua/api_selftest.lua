-- Exercises the Lua API with asserts (modules/scriptlet/tests/api.rs loads it): `init` checks
-- what works while the configuration loads; validate_connect checks the rest at run time and
-- refuses the connection with "ok <n>" (n counts calls, proving the state is reused).
local xmpp = require("msys.xmpp")
local xml = require("xml")
require("msys.db")
require("msys.datasource")

local mod = {}
local calls = 0

local function check_xml()
  local doc = assert(xml.parsexml("<iq type='get' id='1'><query xmlns='jabber:iq:roster'><item jid='a@x'/>text</query></iq>"))
  local root = doc:root()
  assert(root:name() == "iq" and root:attr("type") == "get")
  local query
  for child in root:children() do query = child end
  assert(query:attr("xmlns") == "jabber:iq:roster")
  local kinds = {}
  for child in query:children() do kinds[#kinds + 1] = child:name() end
  assert(kinds[1] == "item" and kinds[2] == "text", table.concat(kinds, ","))
  local found = 0
  for node in doc:xpath("/iq/query/item[@jid='a@x']") do found = found + 1; assert(node:attr("jid") == "a@x") end
  assert(found == 1)
  local item = query:addchild("item")
  item:attr("name", "B")
  assert(item:attr("xmlns") == "jabber:iq:roster", "children inherit the namespace")
  item:addchild("group"):contents("G")
  root:attr("id", nil)
  assert(root:attr("id") == nil)
  assert(root:tostring() == '<iq type="get"><query xmlns="jabber:iq:roster"><item jid="a@x"/>text<item name="B"><group>G</group></item></query></iq>', root:tostring())
  item:unlink()
  assert(tostring(doc) == '<iq type="get"><query xmlns="jabber:iq:roster"><item jid="a@x"/>text</query></iq>')
  local message = xml.newnode("message")
  message:attr("to", "a@x")
  message:addchild("body"):contents("hi & bye")
  assert(message:tostring() == '<message to="a@x"><body>hi &amp; bye</body></message>')
  local bad, err = xml.parsexml("<a>")
  assert(bad == nil and err)
end

local function check_jid()
  local jid = assert(xmpp.jid("Alice@Example.COM/Phone"))
  assert(jid:user() == "alice" and jid:domain() == "example.com" and jid:resource() == "Phone")
  assert(jid:bare() == "alice@example.com" and jid:get() == "alice@example.com/Phone")
  assert(tostring(jid) == "alice@example.com/Phone")
  assert(jid == xmpp.jid("alice@example.com/Phone"))
  assert(xmpp.jid("@bad") == nil)
end

local function check_store()
  assert(msys.db.execute("default", "CREATE TABLE IF NOT EXISTS t (k TEXT, v INTEGER)"))
  assert(msys.db.execute(nil, "INSERT INTO t VALUES (?, ?)", { "a", 1 }))
  assert(msys.db.execute(nil, "INSERT INTO t VALUES (?, ?)", { "b", 2 }))
  local rows = {}
  for row in msys.db.query(nil, "SELECT k, v FROM t ORDER BY v", {}) do rows[#rows + 1] = row[1] .. row[2] end
  assert(table.concat(rows, ",") == "a1,b2")
  assert(msys.db.fetch_row(nil, "SELECT v FROM t WHERE k = ?", { "b" })[1] == "2")
  local none, err = msys.db.fetch_row(nil, "SELECT nope FROM t", {}, { raise_error = false })
  assert(none == nil and err)
  local iterator, qerr = msys.db.query("other", "SELECT 1", {})
  assert(iterator == nil and qerr:find("unknown datasource"))
  assert(msys.kv.put("bucket", "k", "v"))
  assert(msys.kv.get("bucket", "k") == "v")
  assert(msys.kv.keys("bucket")[1] == "k")
  assert(msys.kv.delete("bucket", "k") and msys.kv.get("bucket", "k") == nil)
  local items = xmpp.roster_load("alice@example.com")
  assert(next(items) == nil)
  items["bob@example.com"] = { name = "Bob", groups = { "G" }, pending_requests = {}, subscription = "both" }
  assert(xmpp.roster_store("alice@example.com", items, "7"))
  local again, version = xmpp.roster_load("alice@example.com")
  assert(version == "7" and again["bob@example.com"].groups[1] == "G")
end

function mod:init()
  check_xml()
  check_jid()
  check_store()
  local ok, value = msys.runInPool("IO", function() return 42 end)
  assert(ok and value == 42)
  local failed, message = msys.runInPool("IO", function() error("nope") end)
  assert(not failed and message:find("nope"))
  assert(xmpp.domain_role("example.com") == "server")
  assert(xmpp.domain_option("example.com", "XMPP_Role") == "server")
  assert(xmpp.valid_domain("example.com") and not xmpp.valid_domain("elsewhere.org"))
  assert(not pcall(xmpp.routeStanza, xml.newnode("message")), "no routing while loading")
  assert(io == nil and dofile == nil and os.execute == nil and os.time() > 0)
  print("api selftest", "loaded")
  return true
end

function mod:validate_connect(ac, vctx)
  calls = calls + 1
  assert(vctx:get("remote_ip") == ac.remote_ip)
  assert(xmpp.connected("alice@example.com") == (ac.remote_ip == "127.0.0.9"))
  if ac.remote_ip == "127.0.0.9" then
    local online = xmpp.online("alice@example.com")
    assert(online.availability == false)
    local sessions = xmpp.sessions("alice@example.com")
    assert(#sessions == 1 and sessions[1]:jid():get() == "alice@example.com/main")
    sessions[1]:set("k", "v")
    assert(sessions[1]:get("k") == "v")
    assert(xmpp.user_exists("alice@example.com") and not xmpp.user_exists("nobody@example.com"))
    local message = xml.newnode("message")
    message:attr("to", "alice@example.com/main")
    message:attr("from", "example.com")
    message:addchild("body"):contents("routed by a script")
    assert(xmpp.routeStanza(message))
    assert(xmpp:send("<message to='alice@example.com/main' from='example.com'><body>sent</body></message>"))
    assert(not pcall(msys.registerModule, "late", {}))
  end
  vctx:refuse("ok " .. calls)
  return msys.core.VALIDATE_DONE
end

msys.registerModule("api_selftest", mod)
