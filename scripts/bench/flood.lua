-- wrk: sign-in attempts, each from a new client address (a random
-- X-Forwarded-For, which trajet trusts from loopback in this run) with a
-- random key id: every request is a key no limiter has seen, the worst case
-- for the limiters' memory.
math.randomseed(os.time())

request = function()
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local key = string.format("trj_%08x_%032x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  return wrk.format("POST", "/api/v1/console/session", {
    ["Content-Type"] = "application/json",
    ["X-Trajet-Console"] = "1",
    ["Origin"] = "http://127.0.0.1:" .. wrk.port,
    ["X-Forwarded-For"] = ip,
  }, '{"key":"' .. key .. '"}')
end
