-- Shared by the bench scripts: load a request list, and print wrk's figures as JSON.
-- A request list has one request a line: METHOD <tab> PATH <tab> COOKIE <tab> BODY.

local common = {}

function common.load(path)
  local requests, targets = {}, {}
  for line in io.lines(path) do
    local method, target, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = { ["User-Agent"] = "learn-bench" }
      if cookie ~= "" then headers["Cookie"] = cookie end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      requests[#requests + 1] = wrk.format(method, target, headers, body)
      targets[#targets + 1] = target
    end
  end
  return requests, targets
end

function common.done(summary, latency, extra)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, extra or ""))
end

return common
