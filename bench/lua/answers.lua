-- Quiz answers, each (attempt, question) pair sent once: thread N reads LIST.N, sends its
-- lines in order and appends the Location of every redirect it gets (the feedback page of
-- the stored answer) to ACKS.N, so the harness can check the database against it.
--   wrk ... -s bench/lua/answers.lua URL -- LIST_PREFIX ACK_PREFIX
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end

local requests
local acks
local i = 0
sent, exhausted = 0, 0

function init(args)
  requests = common.load(args[1] .. "." .. id)
  acks = io.open(args[2] .. "." .. id, "w")
  acks:setvbuf("line")
end

function request()
  i = i + 1
  if i > #requests then
    -- Out of fresh pairs: repeat the last one (a duplicate the server must count once)
    -- and tell the harness, which treats the round as too short of data.
    exhausted = exhausted + 1
    return requests[#requests]
  end
  sent = i
  return requests[i]
end

function response(status, headers, body)
  -- Every response, in order: "302 /attempts/1/feedback/q" or "409 -".
  acks:write(status, " ", (headers["Location"] or headers["location"] or "-"), "\n")
end

function done(summary, latency, requests)
  local total_sent, total_exhausted = 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + (thread:get("sent") or 0)
    total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
  end
  common.done(summary, latency,
    string.format(',"sent":%d,"exhausted":%d', total_sent, total_exhausted))
end
