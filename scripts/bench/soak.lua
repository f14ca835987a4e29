-- wrk: the soak's mix at a moderate pace. Every connection waits DELAY_MS
-- between requests; 1 in 10 is a scan of the next seat code (tokens.txt),
-- 1 in 10 a progression save when SOAK_PROGRESS_PATH is set, the rest reads of
-- SOAK_READ_PATH with the session cookie SOAK_COOKIE.
local tokens = {}
for line in io.lines("tokens.txt") do
  tokens[#tokens + 1] = "/T/" .. line
end
local cookie = { ["Cookie"] = os.getenv("SOAK_COOKIE") }
local read_path = os.getenv("SOAK_READ_PATH")
local progress_path = os.getenv("SOAK_PROGRESS_PATH") or ""
local locator_href = os.getenv("SOAK_LOCATOR_HREF") or ""
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "10")
local n = 0

delay = function()
  return pause
end

request = function()
  n = n + 1
  if n % 10 == 0 then
    return wrk.format("GET", tokens[math.floor(n / 10) % #tokens + 1])
  elseif n % 10 == 5 and progress_path ~= "" then
    local body = string.format(
      '{"modified":"%s","device":{"id":"soak","name":"soak"},"locator":{"href":"%s","type":"application/xhtml+xml","locations":{"progression":0.5}}}',
      os.date("!%Y-%m-%dT%H:%M:%SZ"), locator_href)
    local headers = { ["Cookie"] = cookie["Cookie"], ["Content-Type"] = "application/json" }
    return wrk.format("PUT", progress_path, headers, body)
  end
  return wrk.format("GET", read_path, cookie)
end
