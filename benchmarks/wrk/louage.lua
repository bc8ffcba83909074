-- wrk load for Louage. Run with as many threads as connections (-t N -c N): each thread then
-- has one connection, so a response always answers the request made just before it.
--
-- Environment:
--   LOUAGE_MODE   search | hold | booking (2/3 one-seat holds, 1/3 cancels of them)
--                 | mixed (70 % search, 20 % one-seat hold, 10 % cancel)
--                 | healthz (GET /healthz) | path (GET the URL given to wrk)
--                 | queue (one-seat holds on "the next louage")
--   LOUAGE_DATA   file of lines "token <bearer>", "trip <id>", "station <id>",
--                 "query <string>", "queue <id>"
--   LOUAGE_ACKS   directory where each thread writes the holds and cancels it saw acknowledged
--                 (lines "hold <id> <trip_id> <seats>" and "cancel <id>"), or empty

local mode = os.getenv("LOUAGE_MODE") or "search"
local counter = 0
local threads = {}

local function read_data()
  local data = {token = {}, trip = {}, station = {}, query = {}, queue = {}}
  local path = os.getenv("LOUAGE_DATA")
  if path then
    for line in io.lines(path) do
      local kind, value = line:match("^(%S+) (.+)$")
      if kind and data[kind] then table.insert(data[kind], value) end
    end
  end
  return data
end

function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
  table.insert(threads, thread)
end

local data, acks, last, held
statuses = {}  -- global: done() reads it from each thread

function init(args)
  data = read_data()
  math.randomseed(os.time() * 1000 + number)
  held = {}
  local dir = os.getenv("LOUAGE_ACKS")
  if dir and dir ~= "" then
    acks = io.open(dir .. "/acks-" .. number .. ".log", "w")
    acks:setvbuf("line")
  end
end

local function pick(list) return list[math.random(#list)] end

local function search()
  last = {kind = "search"}
  if #data.query > 0 then
    return wrk.format("GET", "/api/v1/trips?" .. pick(data.query))
  end
  local origin, destination = pick(data.station), pick(data.station)
  while destination == origin and #data.station > 1 do destination = pick(data.station) end
  return wrk.format("GET", "/api/v1/trips?origin=" .. origin .. "&destination=" .. destination)
end

local function hold()
  local token = pick(data.token)
  last = {kind = "hold", token = token}
  local body = '{"trip_id": ' .. pick(data.trip) .. ', "seats": 1}'
  return wrk.format("POST", "/api/v1/reservations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

local function queue_hold()
  local token = pick(data.token)
  last = {kind = "hold", token = token}
  local body = '{"queue_id": ' .. pick(data.queue) .. ', "seats": 1}'
  return wrk.format("POST", "/api/v1/reservations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

local function cancel()
  local entry = table.remove(held, math.random(#held))
  last = {kind = "cancel", id = entry.id}
  return wrk.format("POST", "/api/v1/reservations/" .. entry.id .. "/cancel",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. entry.token}, "")
end

function request()
  if mode == "healthz" then
    last = {kind = "healthz"}
    return wrk.format("GET", "/healthz")
  end
  if mode == "path" then  -- the URL wrk was given, as it is
    last = {kind = "get"}
    return wrk.format("GET")
  end
  if mode == "hold" then return hold() end
  if mode == "queue" then return queue_hold() end
  if mode == "booking" then
    if math.random() < 0.67 or #held == 0 then return hold() end
    return cancel()
  end
  if mode == "mixed" then
    local roll = math.random()
    if roll < 0.7 then return search() end
    if roll < 0.9 or #held == 0 then return hold() end
    return cancel()
  end
  return search()
end

function response(status, headers, body)
  local key = (last and last.kind or "?") .. " " .. status
  statuses[key] = (statuses[key] or 0) + 1
  if last and last.kind == "hold" and status == 201 then
    local id = body:match('"id":%s*(%d+)')
    local trip = body:match('"trip_id":%s*(%d+)')
    if id then
      table.insert(held, {id = id, token = last.token})
      if acks then acks:write("hold " .. id .. " " .. (trip or "?") .. " 1\n") end
    end
  elseif last and last.kind == "cancel" and status == 200 then
    if acks then acks:write("cancel " .. last.id .. "\n") end
  end
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for key, value in pairs(counts) do merged[key] = (merged[key] or 0) + value end
  end
  local parts = {}
  for key, value in pairs(merged) do table.insert(parts, string.format('"%s": %d', key, value)) end
  local errors = summary.errors
  io.write(string.format(
    'LOUAGE_RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(parts, ", ")))
end
