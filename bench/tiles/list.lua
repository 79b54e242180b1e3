-- wrk script: cycles through the tile paths listed in $TILE_LIST.
local paths = {}
for line in io.lines(os.getenv("TILE_LIST")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end
