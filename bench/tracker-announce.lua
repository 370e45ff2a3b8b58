-- wrk script for bench/tracker.sh: announces with varied info_hash / peer_id / port / left.
-- usage: wrk ... -s tracker-announce.lua URL -- HASHES_FILE MODE
--   HASHES_FILE: one 40-hex infohash per line (the whitelisted swarms)
--   MODE: "close" (Connection: close, one TCP connection per announce) or "keepalive"
-- Each thread pre-builds 10000 distinct announces (about 10 peers per swarm for 1000 swarms)
-- and cycles through them, so the request stream is the same for every tracker and the
-- script itself costs almost nothing per request.

local requests = {}
local count = 0
local index = 0
local counter = 0

local function pct(bytes)
  return (bytes:gsub(".", function(c) return string.format("%%%02X", c:byte()) end))
end

local function hexbytes(hex)
  return (hex:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end

setup = function(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

init = function(args)
  local file, mode = args[1], args[2] or "close"
  local hashes = {}
  for line in io.lines(file) do
    if #line >= 40 then hashes[#hashes + 1] = pct(hexbytes(line:sub(1, 40))) end
  end
  math.randomseed(1000 + (thread_number or 1))
  local headers = {}
  if mode == "close" then headers["Connection"] = "close" end
  for i = 1, 10000 do
    local ih = hashes[math.random(#hashes)]
    local id = "-WK0001-"
    for _ = 1, 12 do id = id .. string.char(math.random(0, 255)) end
    local left = (math.random(2) == 1) and 0 or math.random(1, 1000000000)
    local port = math.random(1024, 65535)
    local path = "/announce?info_hash=" .. ih .. "&peer_id=" .. pct(id) .. "&port=" .. port ..
        "&uploaded=0&downloaded=0&left=" .. left .. "&numwant=50&compact=1&key=" .. string.format("%08x", i)
    requests[i] = wrk.format("GET", path, headers)
  end
  count = #requests
end

request = function()
  index = index % count + 1
  return requests[index]
end
