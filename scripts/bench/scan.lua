-- wrk: each request scans the next seat code of the scan trip (tokens.txt in
-- the working directory), without a cookie, as a new passenger does.
local tokens = {}
for line in io.lines("tokens.txt") do
  tokens[#tokens + 1] = "/T/" .. line
end
local next_token = 0

request = function()
  next_token = next_token % #tokens + 1
  return wrk.format("GET", tokens[next_token])
end
