-- wrk script for bench/images.sh: request the paths listed in a file (one
-- per line), round-robin, so every image of the logdir is read back.
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
