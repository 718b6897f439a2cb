-- refresh.lua - wrk script: the request mix of one refresh with
-- trackDigests, spread over every repository and tag the seeder made.
-- For each repository, one tags/list GET then one manifest request per tag,
-- with the Accept list cdhost sends. Arguments (after --): REPOS TAGS [PAGE].
--
-- The manifest requests are GETs where cdhost sends HEADs: wrk's parser is
-- never told a response answers a HEAD, so it waits for the Content-Length
-- body that never comes. distribution 2.8 serves HEAD with the GET handler
-- (the manifest is read either way; net/http drops the body), and ab, which
-- can send HEAD (-i) to one URL, measures both at the same rate (README).

local repos, tags, page = 1, 1, 100
local counter = 0

local accept = table.concat({
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
}, ", ")

-- Each wrk thread starts at its own offset so threads do not move in step.
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

function init(args)
  repos = tonumber(args[1]) or 1
  tags = tonumber(args[2]) or 1
  page = tonumber(args[3]) or 100
  counter = offset or 0
end

function request()
  local slot = counter % (repos * (tags + 1))
  counter = counter + 1
  local repo = string.format("bench/r%04d", math.floor(slot / (tags + 1)))
  local t = slot % (tags + 1)
  if t == 0 then
    return wrk.format("GET", string.format("/v2/%s/tags/list?n=%d", repo, page),
                      { ["Accept-Encoding"] = "deflate, gzip, br, zstd" })
  end
  return wrk.format("GET", string.format("/v2/%s/manifests/t%04d", repo, t - 1),
                    { ["Accept"] = accept })
end

local bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("wrk-summary requests=%d seconds=%.3f errors=%d\n",
                         summary.requests, summary.duration / 1e6,
                         summary.errors.status + summary.errors.connect +
                           summary.errors.read + summary.errors.write +
                           summary.errors.timeout))
end
