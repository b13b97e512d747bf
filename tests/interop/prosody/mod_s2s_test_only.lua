-- Test-only guard loaded by the s2s interop test: outgoing s2s may reach *.test domains only;
-- stanzas for any other domain bounce, so the test can never send traffic off this machine.
local st = require "util.stanza";

module:hook("route/remote", function (event)
	if event.to_host and event.to_host:match("%.test$") then
		return; -- mod_s2s carries on
	end
	module:log("warn", "Refusing s2s to %s: only .test domains are reachable", tostring(event.to_host));
	local stanza = event.stanza;
	if stanza and stanza.attr.type ~= "error" and stanza.attr.type ~= "result" then
		module:send(st.error_reply(stanza, "cancel", "remote-server-not-found",
			"only .test domains are reachable in this test"));
	end
	return true;
end, 100);
