-- One wrk script for every endpoint of perf/endpoints.tsv.
--
--   wrk ... -s perf/request.lua URL -- METHOD PATH BODY HEADER DEALS STAGE_A STAGE_B
--
-- PATH and BODY may hold per-request placeholders, filled from the deal list DEALS (one line
-- per deal: "id version stage_id"), which is split between wrk's threads so no two threads
-- touch the same deal:
--   {id}        the next deal of this thread (round robin)
--   {version}   that deal's current version (updated from every response that carries one)
--   {to_stage}  STAGE_B when the deal is in STAGE_A, else STAGE_A (a move that is never a no-op)
--   {seq}       a per-thread request counter
-- BODY "-" means no body. done() prints one tab-separated line:
--   RESULT <p50 ms> <p95 ms> <p99 ms> <requests/s> <requests> <2xx> <409> <other status> <socket errors>

local threads = {}
local thread_no = 0

function setup(thread)
  thread:set("no", thread_no)
  thread_no = thread_no + 1
  table.insert(threads, thread)
end

local method, path, body, header_name, header_value
local stage_a, stage_b
local deals = {}
local cursor = 0
local current
ok, conflicts, other = 0, 0, 0
local seq = 0

function init(args)
  method = args[1]
  path = args[2]
  body = args[3] ~= "-" and args[3] or nil
  header_name, header_value = args[4]:match("^([^:]+):%s*(.*)$")
  stage_a, stage_b = args[6], args[7]
  local threads_total = tonumber(os.getenv("WRK_THREADS") or "1")
  local n = 0
  for line in io.lines(args[5]) do
    local id, version, stage = line:match("^(%d+)%s+(%d+)%s+(%d+)")
    if id then
      if n % threads_total == no then
        table.insert(deals, { id = id, version = version, stage = stage })
      end
      n = n + 1
    end
  end
  if #deals == 0 then
    table.insert(deals, { id = "0", version = "0", stage = "0" })
  end
end

local function fill(template, d)
  return (template:gsub("{([%w_]+)}", function(key)
    if key == "id" then
      return d.id
    elseif key == "version" then
      return d.version
    elseif key == "to_stage" then
      return d.stage == stage_a and stage_b or stage_a
    elseif key == "seq" then
      return tostring(seq)
    end
  end))
end

function request()
  cursor = cursor % #deals + 1
  current = deals[cursor]
  seq = seq + 1
  local headers = { [header_name] = header_value }
  if body then
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, fill(path, current), headers, body and fill(body, current) or nil)
end

local by_id = nil

function response(status, _, resp)
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 409 then
    conflicts = conflicts + 1
  else
    other = other + 1
  end
  if method ~= "GET" and resp then
    local id = resp:match('^{"id":(%d+)')
    if id then
      if not by_id then
        by_id = {}
        for _, d in ipairs(deals) do
          by_id[d.id] = d
        end
      end
      local d = by_id[id]
      if d then
        d.version = resp:match('"version":(%d+)') or d.version
        d.stage = resp:match('"stage_id":(%d+)') or d.stage
      end
    end
  end
end

function done(summary, latency, _)
  local n_ok, n_conflicts, n_other = 0, 0, 0
  for _, t in ipairs(threads) do
    n_ok = n_ok + t:get("ok")
    n_conflicts = n_conflicts + t:get("conflicts")
    n_other = n_other + t:get("other")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT\t%.2f\t%.2f\t%.2f\t%.0f\t%d\t%d\t%d\t%d\t%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / seconds, summary.requests, n_ok, n_conflicts, n_other, errors))
end
