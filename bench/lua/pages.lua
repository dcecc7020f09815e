-- Replay a list of page requests (bench/lib/load.py writes it), round and round;
-- each wrk thread starts at its own place in the list.
--   wrk ... -s bench/lua/pages.lua URL -- LIST_FILE
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local requests
local i = 1

function init(args)
  requests = common.load(args[1])
  i = ((id or 0) * 7919) % #requests + 1
end

function request()
  local r = requests[i]
  i = i % #requests + 1
  return r
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
