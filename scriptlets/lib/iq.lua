-- IQ replies the presence script's handlers share.

local xml = require("xml")

local iq = {}

-- An empty type="result" answer to the request `stanza` (RFC 6120 §8.2.3).
function iq.result(stanza)
  local reply = xml.newnode("iq")
  reply:attr("type", "result")
  reply:attr("id", stanza:attr("id"))
  reply:attr("to", stanza:attr("from"))
  return reply
end

return iq
