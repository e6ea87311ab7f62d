-- wrk script for the sign-up surge. One connection per thread, so when a
-- thread's time is up it stops with nothing in flight: every request sent got
-- its answer, and rows in the database can be matched to accepted requests.
-- args: mode (get|form|signup) path cookie token seconds pool runid nthreads
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}
local next_id = 1
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode, path, cookie, token = args[1], args[2], args[3], args[4]
  seconds, pool, runid, nthreads = tonumber(args[5]), tonumber(args[6]), args[7], tonumber(args[8])
  tid = wrk.thread:get("tid")
  stride = math.floor(pool / nthreads)
  n, ret_used, sent_new, sent_ret, ok_new, ok_ret, bad = 0, 0, 0, 0, 0, 0, 0
  started, finished, last_kind, last_status = 0, 0, "", 0
  expected = (mode == "get") and 200 or 302
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded",
              ["Cookie"] = "csrftoken=" .. cookie }
end

function request()
  if started == 0 then started = now() end
  n = n + 1
  if mode == "get" then
    last_kind = "new"
    return wrk.format("GET", path)
  end
  local id = runid .. "-" .. tid .. "-" .. n
  if mode == "form" then
    last_kind = "new"
    return wrk.format("POST", path, headers,
      "csrfmiddlewaretoken=" .. token .. "&name=floor-" .. id)
  end
  local email
  if n % 5 == 0 and ret_used < stride then
    email = "s" .. ((tid - 1) * stride + ret_used) .. "%40bench.example.org"
    ret_used = ret_used + 1
    last_kind = "ret"
  else
    email = "surge-" .. id .. "%40bench.example.org"
    last_kind = "new"
  end
  return wrk.format("POST", path, headers,
    "csrfmiddlewaretoken=" .. token .. "&first_name=Surge&last_name=T" .. tid ..
    "&email=" .. email .. "&phone=&zip_code=50102&language=en&sector=" ..
    "&asks=call&asks=letter&email_updates=on&website=")
end

function response(status, hdrs, body)
  if last_kind == "ret" then sent_ret = sent_ret + 1 else sent_new = sent_new + 1 end
  if status == expected then
    if last_kind == "ret" then ok_ret = ok_ret + 1 else ok_new = ok_new + 1 end
  else
    bad = bad + 1
    last_status = status
  end
  local t = now()
  if t - started >= seconds then
    finished = t
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local tot = { sent_new = 0, sent_ret = 0, ok_new = 0, ok_ret = 0, bad = 0 }
  local first, last, status = math.huge, 0, 0
  for _, t in ipairs(threads) do
    for k, _ in pairs(tot) do tot[k] = tot[k] + (t:get(k) or 0) end
    local s, f = t:get("started"), t:get("finished")
    if s and s > 0 and s < first then first = s end
    if f and f > last then last = f end
    if (t:get("last_status") or 0) ~= 0 then status = t:get("last_status") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"sent_new": %d, "sent_ret": %d, "ok_new": %d, "ok_ret": %d, "bad": %d, ' ..
    '"bad_status": %d, "socket_errors": %d, "window": %.3f, "responses": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    tot.sent_new, tot.sent_ret, tot.ok_new, tot.ok_ret, tot.bad, status,
    e.connect + e.read + e.write + e.timeout, last - first, summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
