-- Mixed traffic for the soak test (bench/soak.py): reads replayed round and round, every
-- WRITE_EVERY-th request a fresh quiz answer (each sent once, its redirect recorded as in
-- answers.lua), and every EXPORT_EVERY-th request an admin export.
--   wrk ... -s bench/lua/mixed.lua URL -- READS WRITE_PREFIX ACK_PREFIX EXPORTS WRITE_EVERY EXPORT_EVERY
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end

local reads, writes, exports, acks
local write_every, export_every
local n, ri, wi, ei = 0, 0, 0, 0
sent, exhausted, exported = 0, 0, 0

function init(args)
  reads = common.load(args[1])
  writes = common.load(args[2] .. "." .. id)
  acks = io.open(args[3] .. "." .. id, "w")
  acks:setvbuf("line")
  exports = common.load(args[4])
  write_every = tonumber(args[5])
  export_every = tonumber(args[6])
  ri = ((id or 0) * 7919) % #reads
end

function request()
  n = n + 1
  if export_every > 0 and n % export_every == 0 then
    ei = ei % #exports + 1
    exported = exported + 1
    return exports[ei]
  end
  if write_every > 0 and n % write_every == 0 then
    if wi < #writes then
      wi = wi + 1
      sent = wi
      return writes[wi]
    end
    exhausted = exhausted + 1
  end
  ri = ri % #reads + 1
  return reads[ri]
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"]
  if status == 302 and location and location:find("/feedback/", 1, true) then
    acks:write(status, " ", location, "\n")
  elseif status >= 400 then
    acks:write(status, " -\n")
  end
end

function done(summary, latency, requests)
  local total_sent, total_exhausted, total_exported = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + (thread:get("sent") or 0)
    total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
    total_exported = total_exported + (thread:get("exported") or 0)
  end
  common.done(summary, latency, string.format(',"sent":%d,"exhausted":%d,"exported":%d',
    total_sent, total_exhausted, total_exported))
end
