#!/usr/bin/env bash
# The refresh benchmark (bench/README.md): seeds a local docker-registry with
# REPOS x TAGS, then in rounds measures the registry's own ceiling (wrk on the
# endpoints a refresh uses) and one `cdhost run --once` (catalog discovery,
# trackDigests) side by side; then the peer (skopeo, one process per call) on
# a sample, extrapolated; then latency mode (a delay proxy, concurrency 1 vs
# the default 16, against the floor ceil(requests / concurrency) x RTT).
# Prints a Markdown table. Loopback only; every loop is bounded.
#
# Usage: bench/run.sh [-r REPOS] [-t TAGS] [options]   (bench/run.sh -h)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=SCRIPTDIR/../scripts/lib/registry.sh
source "$root/scripts/lib/registry.sh"

repos=50 tags=20 rounds=3 wrk_seconds=10 concurrency=16
rtt_ms=20 latency_repos=10 latency_cs="1,16" skopeo_repos=3 skopeo_tags=5
build=$root/build-rel data="" fresh=0 setup=1 python=/usr/bin/python3 proxy=python
work="" proxy_pid="" registry_dir="" only="throughput,peer,latency"

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  -r N            repositories (default $repos)
  -t N            tags per repository (default $tags)
  -n N            rounds of refresh + ceiling; medians reported (default $rounds)
  --wrk-seconds S how long each wrk ceiling run lasts (default $wrk_seconds)
  --rtt-ms MS     latency mode round trip (default $rtt_ms; 0 skips it)
  --latency-repos N  repositories refreshed in latency mode (default $latency_repos)
  --latency-concurrency LIST  maxConcurrentRequests of the latency runs
                  (default $latency_cs)
  --skopeo R,T    peer sample: R repositories x T tags (default $skopeo_repos,$skopeo_tags; 0,0 skips)
  --build DIR     cdhost build directory (default build-rel; built if missing)
  --data DIR      registry storage, reused when already seeded with R x T
                  (default \${TMPDIR:-/tmp}/cdhost-bench/rR-tT)
  --fresh         seed again even if DIR is seeded
  --no-setup      do not run bench/setup.sh (apt-get of wrk, time, skopeo)
  --proxy python|c  the delay proxy: bench/delay_proxy.py (default) or .c
  --only LIST     the parts to run, comma-separated, of: throughput, peer,
                  latency, configs, gcr (default: throughput,peer,latency)
EOF
}

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
now_ns() { date +%s%N; }
# calc EXPR: floating point arithmetic by awk, four significant digits
# (whole numbers from 1000 up).
calc() {
  awk "BEGIN { x = $1; printf (x >= 1000 || x <= -1000) ? \"%.0f\" : \"%.4g\", x }"
}
# wanted PART: whether --only names PART.
wanted() { [[ ,$only, == *,$1,* ]]; }
# median V...: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      -r) repos=$2; shift ;;
      -t) tags=$2; shift ;;
      -n) rounds=$2; shift ;;
      --wrk-seconds) wrk_seconds=$2; shift ;;
      --rtt-ms) rtt_ms=$2; shift ;;
      --latency-repos) latency_repos=$2; shift ;;
      --latency-concurrency) latency_cs=$2; shift ;;
      --skopeo) skopeo_repos=${2%,*}; skopeo_tags=${2#*,}; shift ;;
      --build) build=$2; shift ;;
      --data) data=$2; shift ;;
      --fresh) fresh=1 ;;
      --no-setup) setup=0 ;;
      --only) only=$2; shift ;;
      --proxy) proxy=$2; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  for n in "$repos" "$tags" "$rounds" "$wrk_seconds" "$rtt_ms" "$latency_repos" \
           "$skopeo_repos" "$skopeo_tags"; do
    [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
  done
  (( repos >= 1 && repos <= 9999 && tags >= 1 && tags <= 9999 && rounds >= 1 )) \
    || die "need 1 <= REPOS, TAGS <= 9999 and at least one round"
  data=${data:-${TMPDIR:-/tmp}/cdhost-bench/r$repos-t$tags}
  [[ $proxy == c || $proxy == python ]] || die "--proxy is c or python"
}

cleanup() {
  if [ -n "$proxy_pid" ]; then
    kill "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
  fi
  if [ -n "${gcr_pids[0]:-}" ]; then
    kill "${gcr_pids[@]}" 2>/dev/null || true
    wait "${gcr_pids[@]}" 2>/dev/null || true
  fi
  if [ -n "$registry_dir" ]; then registry_stop "$registry_dir"; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

build_cdhost() {
  if [ ! -x "$build/cdhost" ] || [ ! -f "$build/plugins/docker_registry.so" ] ||
     [ ! -x "$build/bench/delay_proxy" ]; then
    log "building cdhost in $build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCDH_FUZZ_SMOKE=OFF >/dev/null
    cmake --build "$build" -j2 --target cdhost docker_registry delay_proxy >/dev/null
  fi
}

# start_registry [DIR [--distinct]]: starts the registry on DIR (default
# $data), seeding it unless it already holds R x T; --distinct gives every
# tag its own image (bench/seed.py).
start_registry() {
  local dir=${1:-$data} marker t0
  marker=$dir/seeded
  [ "$fresh" = 1 ] && rm -rf "$dir"
  [ -f "$marker" ] || rm -rf "$dir"
  mkdir -p "$dir"
  registry_dir=$dir
  registry_start "$dir" || die "cannot start docker-registry"
  if [ ! -f "$marker" ]; then
    log "seeding $repos x $tags tags into $dir"
    t0=$(now_ns)
    timeout 3600 "$python" "$here/seed.py" "$REGISTRY_URL" "$repos" "$tags" 8 \
      ${2:+"$2"} >"$work/digest" || die "seeding failed"
    seed_s=$(calc "($(now_ns) - $t0) / 1e9")
    log "seeded in $seed_s s"
    echo "$repos $tags" > "$marker"
  fi
}

# Image configs inside the timed window: every tag its own image, a fresh
# cache, sortTagsByDate + inspectDigests (a manifest HEAD, GET and config
# blob per tag), straight to the registry; then the same cache again (the
# configs are reused), then through the delay proxy at the last latency
# concurrency.
configs() {
  local dir=$work/configs c=${latency_cs##*,} extra
  mkdir -p "$dir"
  if [ -n "$registry_dir" ]; then registry_stop "$registry_dir"; fi
  start_registry "$data-images" --distinct
  bench_address=$REGISTRY_URL
  extra="sortTagsByDate = true; inspectDigests = true;"
  write_config "$dir/cdhost.cfg" "$extra"
  refresh "$dir/cdhost.cfg"
  [ "$r_records" = $(( 2 * repos * tags )) ] \
    || die "expected $(( 2 * repos * tags )) records, got $r_records"
  cfg_rows+=("| sortTagsByDate + inspectDigests, $repos x $tags distinct images, first cycle | $r_wall s (agent $r_agent_s s), $r_requests requests, $(calc "$r_requests / $r_wall") req/s, CPU $r_cpu s, peak RSS $(calc "$r_rss_kb / 1024") MiB |")
  log "${cfg_rows[-1]}"
  keep_cache=1 refresh "$dir/cdhost.cfg"
  cfg_rows+=("| the same, second cycle (configs reused) | $r_wall s (agent $r_agent_s s), $r_requests requests |")
  log "${cfg_rows[-1]}"
  if (( rtt_ms > 0 )); then
    latency_count=$(( latency_repos < repos ? latency_repos : repos ))
    extra_settings=$extra latency_run "$c"
    cfg_rows+=("$(latency_row "$c" | sed 's/^| latency/| sortTagsByDate + inspectDigests, latency/')")
  fi
}

# The registry's ceiling: wrk, one thread, as many connections as cdhost
# uses, the same request mix. Prints requests/s.
ceiling() {
  local out n s errors
  out=$(timeout $(( wrk_seconds + 60 )) wrk -t1 -c"$concurrency" \
        -d"${wrk_seconds}s" --timeout 10s -s "$here/refresh.lua" \
        "$REGISTRY_URL" -- "$repos" "$tags" | grep '^wrk-summary') \
    || die "wrk failed"
  n=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")
  s=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$out")
  errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$out")
  [ "$errors" = 0 ] || log "warning: wrk saw $errors errors or non-200 answers"
  calc "$n / $s"
}

# write_config FILE [ACCOUNT FIELDS...]: one account on the registry at
# $bench_address with trackDigests and the given extra fields.
write_config() {
  local file=$1
  shift
  cat > "$file" <<EOF
host = { cache = { backend = "sqlite"; path = "cache.db"; }; };
dockerRegistry = { accounts = (
  { name = "bench"; address = "$bench_address"; trackDigests = true; $* }
); };
EOF
}

# refresh CONFIG: one `cdhost run --once` on a fresh cache. Sets r_wall,
# r_requests, r_records, r_agent_s, r_cpu, r_rss_kb.
refresh() {
  local cfg=$1 dir t0 t1 summary
  dir=$(dirname "$cfg")
  [ "${keep_cache:-0}" = 1 ] || rm -f "$dir"/cache.db*
  t0=$(now_ns)
  timeout 1800 /usr/bin/time -v -o "$dir/time.txt" "$build/cdhost" --config "$cfg" \
    --plugin-dir "$build/plugins" run --once 2>"$dir/run.log" \
    || die "cdhost run --once failed: $(tail -n 5 "$dir/run.log")"
  t1=$(now_ns)
  summary=$(grep -E 'DockerRegistryImageCachingAgent.*: ok: ' "$dir/run.log") \
    || die "no summary line: $(tail -n 5 "$dir/run.log")"
  r_wall=$(calc "($t1 - $t0) / 1e9")
  r_records=$(sed -E 's/.* ([0-9]+) records.*/\1/' <<<"$summary")
  r_requests=$(sed -E 's/.* ([0-9]+) requests.*/\1/' <<<"$summary")
  r_agent_s=$(sed -E 's/.* ([0-9.]+) s$/\1/' <<<"$summary")
  r_cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$dir/time.txt")
  r_rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.txt")
}

# Rounds of refreshes with a wrk ceiling before the first and after each,
# so that each refresh is compared with the mean of the two ceilings around
# it: the machine is shared and its load drifts within a minute.
throughput() {
  local i before after ceil rate
  mkdir -p "$work/refresh"
  bench_address=$REGISTRY_URL
  write_config "$work/refresh/cdhost.cfg"
  before=$(ceiling)
  for (( i = 1; i <= rounds; i++ )); do
    refresh "$work/refresh/cdhost.cfg"
    after=$(ceiling)
    [ "$r_records" = $(( 2 * repos * tags )) ] \
      || die "expected $(( 2 * repos * tags )) records, got $r_records"
    ceil=$(calc "($before + $after) / 2")
    rate=$(calc "$r_requests / $r_wall")
    log "round $i: ceiling $before / $after req/s; cdhost $r_requests requests" \
        "in $r_wall s ($rate req/s, agent $r_agent_s s), cpu $r_cpu s," \
        "peak RSS $r_rss_kb KiB"
    t_ceil+=("$ceil") t_wall+=("$r_wall") t_rate+=("$rate") t_cpu+=("$r_cpu")
    t_rss+=("$r_rss_kb") t_ratio+=("$(calc "$rate / $ceil")") t_agent+=("$r_agent_s")
    t_requests=$r_requests before=$after
  done
}

# The peer: skopeo list-tags per repository, skopeo inspect per tag, one
# process each as a cron script would, on a sample; extrapolated to R x T.
peer() {
  local i j t0 t1 t2 ref n_list=0 n_inspect=0
  (( skopeo_repos > 0 && skopeo_tags > 0 )) || return 0
  t0=$(now_ns)
  for (( i = 0; i < skopeo_repos && i < repos; i++ )); do
    ref=$(printf '%s/bench/r%04d' "$REGISTRY_HOSTPORT" "$i")
    timeout 60 skopeo list-tags --tls-verify=false "docker://$ref" >/dev/null \
      || die "skopeo list-tags $ref failed"
    n_list=$(( n_list + 1 ))
  done
  t1=$(now_ns)
  for (( i = 0; i < n_list; i++ )); do
    for (( j = 0; j < skopeo_tags && j < tags; j++ )); do
      ref=$(printf '%s/bench/r%04d:t%04d' "$REGISTRY_HOSTPORT" "$i" "$j")
      timeout 60 skopeo inspect --tls-verify=false --no-tags "docker://$ref" \
        >/dev/null || die "skopeo inspect $ref failed"
      n_inspect=$(( n_inspect + 1 ))
    done
  done
  t2=$(now_ns)
  p_list=$(calc "($t1 - $t0) / 1e9 / $n_list")
  p_inspect=$(calc "($t2 - $t1) / 1e9 / $n_inspect")
  p_total=$(calc "$p_list * $repos + $p_inspect * $repos * $tags")
  p_sample="$n_list list-tags + $n_inspect inspect"
}

# start_proxy STATS_FILE RTT_MS: the delay proxy in front of the registry;
# sets proxy_pid and bench_address.
start_proxy() {
  local i port="" cmd=("$build/bench/delay_proxy")
  [ "$proxy" = c ] || cmd=("$python" "$here/delay_proxy.py")
  rm -f "$work/proxy.port"
  "${cmd[@]}" "${REGISTRY_HOSTPORT##*:}" "$(calc "$2 / 2")" 3600 "$1" \
    > "$work/proxy.port" &
  proxy_pid=$!
  for (( i = 0; i < 50; i++ )); do
    [ -s "$work/proxy.port" ] && break
    sleep 0.1
  done
  port=$(cat "$work/proxy.port")
  [ -n "$port" ] || die "delay proxy did not start"
  bench_address=http://127.0.0.1:$port
}

stop_proxy() {
  kill -TERM "$proxy_pid" 2>/dev/null || true
  wait "$proxy_pid" 2>/dev/null || true
  proxy_pid=""
}

# proxy_stat FILE NAME FIELD: one figure of the proxy's statistics.
proxy_stat() { jq -r ".$2.$3 // 0" "$1"; }

# latency_run CONCURRENCY [RTT_MS]: one refresh of the first L repositories
# through the delay proxy (RTT_MS defaults to --rtt-ms). Sets l_wall,
# l_requests, l_floor, l_rtt (what the proxy really added), l_floor_eff (the
# floor at that RTT), l_registry and l_client (median seconds the registry
# took to answer, and the client to send its next request on a connection),
# l_busy (the share of the slots' time a request was out: 1 - the sum of
# the client's gaps / (concurrency x the agent's time)).
latency_run() {
  local c=$1 rtt=${2:-$rtt_ms} dir=$work/latency-$1-${2:-$rtt_ms} stats
  mkdir -p "$dir"
  stats=$dir/proxy.json
  start_proxy "$stats" "$rtt"
  write_config "$dir/cdhost.cfg" "repositories = [$(latency_list)];" \
    "maxConcurrentRequests = $c; ${extra_settings:-}"
  refresh "$dir/cdhost.cfg"
  stop_proxy
  l_wall=$r_wall l_requests=$r_requests
  l_rtt=$(calc "$(proxy_stat "$stats" added_to_upstream mean) + $(proxy_stat "$stats" added_to_client mean)")
  l_registry=$(calc "$(proxy_stat "$stats" registry median)")
  l_client=$(calc "$(proxy_stat "$stats" client median)")
  l_busy=$(calc "1 - $(proxy_stat "$stats" client mean) * $(proxy_stat "$stats" client count) / ($c * $r_agent_s)")
  l_floor=$(calc "int(($r_requests + $c - 1) / $c) * $rtt / 1000")
  l_floor_eff=$(calc "int(($r_requests + $c - 1) / $c) * $l_rtt")
  log "latency $rtt ms, concurrency $c: $r_requests requests in $r_wall s" \
      "(agent $r_agent_s s); floor $l_floor s ($l_floor_eff s at the" \
      "proxy's real RTT $l_rtt s); registry median $l_registry s" \
      "mean $(proxy_stat "$stats" registry mean) s; client median $l_client s" \
      "mean $(proxy_stat "$stats" client mean) s; slots busy $l_busy"
}

# The first L repositories, as a configuration list.
latency_list() {
  local i list=""
  for (( i = 0; i < latency_count; i++ )); do
    list+=$(printf '"bench/r%04d", ' "$i")
  done
  echo "${list%, }"
}

latency() {
  local c last
  (( rtt_ms > 0 )) || return 0
  latency_count=$(( latency_repos < repos ? latency_repos : repos ))
  IFS=, read -r -a cs <<<"$latency_cs"
  last=${cs[${#cs[@]}-1]}
  # First what the registry and the machine allow without any RTT, at the
  # last concurrency: straight to the registry, then through the proxy
  # adding 0 ms. When the registry cannot serve c requests per RTT (its CPU,
  # the other load), that time, not the floor, bounds the refresh.
  bench_address=$REGISTRY_URL
  write_config "$work/direct.cfg" "repositories = [$(latency_list)];" \
    "maxConcurrentRequests = $last;"
  refresh "$work/direct.cfg"
  l_direct=$r_wall
  latency_run "$last" 0
  l_zero=$l_wall
  lat_rows+=("| no RTT, $latency_count x $tags, concurrency $last | straight to the registry $l_direct s; through the $proxy proxy adding 0 ms $l_zero s ($(calc "$l_requests / $l_zero") req/s; median registry $(calc "$l_registry * 1000") ms, client $(calc "$l_client * 1000") ms; slots busy $l_busy) |")
  for c in "${cs[@]}"; do
    latency_run "$c"
    lat_rows+=("$(latency_row "$c" "$([ "$c" = "$last" ] && echo "$l_zero")")")
  done
}

# start_gcr NAME [--plain]: bench/gcr_registry.py with R x T; appends its
# PID to gcr_pids and sets gcr_url.
start_gcr() {
  local name=$1 i port=""
  shift
  rm -f "$work/$name.port"
  "$python" "$here/gcr_registry.py" "$repos" "$tags" "$@" > "$work/$name.port" &
  gcr_pids+=("$!")
  for (( i = 0; i < 600; i++ )); do
    [ -s "$work/$name.port" ] && break
    sleep 0.1
  done
  port=$(cat "$work/$name.port")
  [ -n "$port" ] || die "gcr_registry.py did not start"
  gcr_url=http://127.0.0.1:$port
}

# gcr_counts URL: the requests the fake served since the last call, as
# "N (kind n, ...)".
gcr_counts() {
  curl -sf "$1/stats?reset" \
    | jq -r '"\([.[]] | add) (" + (to_entries | map("\(.key) \(.value)") | join(", ")) + ")"'
}

# The GCR format: the same R x T (every tag its own image) listed with
# GCR's manifest map and as distribution lists it; requests counted by the
# fake, the summary's "saved" figure beside them. Requests, not time: the
# fake is a Python server.
gcr() {
  local map plain list="" i settings row s dir=$work/gcr
  mkdir -p "$dir"
  gcr_pids=()
  start_gcr map; map=$gcr_url
  start_gcr plain --plain; plain=$gcr_url
  for (( i = 0; i < repos; i++ )); do list+=$(printf '"bench/r%04d", ' "$i"); done
  settings=("trackDigests = true;" "sortTagsByDate = true;"
            "sortTagsByDate = true; inspectDigests = true;")
  for s in "${settings[@]}"; do
    row="| GCR format, $repos x $tags, ${s//;/} |"
    for bench_address in "$map" "$plain"; do
      cat > "$dir/cdhost.cfg" <<EOF
host = { cache = { backend = "sqlite"; path = "cache.db"; }; };
dockerRegistry = { accounts = (
  { name = "bench"; address = "$bench_address"; repositories = [${list%, }]; $s }
); };
EOF
      refresh "$dir/cdhost.cfg"
      row+=" $([ "$bench_address" = "$map" ] && echo "with the map" || echo "without"):"
      row+=" $(gcr_counts "$bench_address"), summary \"$(grep -oE '[0-9]+ requests( \([0-9]+ saved\))?' "$dir/run.log")\";"
      if [[ $s == *inspectDigests* ]]; then
        keep_cache=1 refresh "$dir/cdhost.cfg"
        row+=" second cycle $(gcr_counts "$bench_address");"
      fi
    done
    gcr_rows+=("${row%;} |")
    log "${row}"
  done
  kill "${gcr_pids[@]}" 2>/dev/null || true
  wait "${gcr_pids[@]}" 2>/dev/null || true
  gcr_pids=()
}

machine() {
  local cpu mem
  cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "nproc $(nproc), $cpu, $mem RAM, $(uname -sr)," \
       "$(docker-registry --version 2>/dev/null | awk '{ print $NF }' | head -n 1)" \
       "docker-registry, $(date -u +%Y-%m-%d)"
}

report() {
  echo
  echo "Machine: $(machine)"
  echo "Run: bench/run.sh -r $repos -t $tags -n $rounds --only $only" \
       "(medians of $rounds rounds; the machine is shared, timings are noisy);" \
       "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| measure | value |"
  echo "| --- | --- |"
  echo "| repositories x tags | $repos x $tags = $(( repos * tags )) |"
  [ -n "${seed_s:-}" ] && echo "| seeding (mounts + manifest PUTs) | $seed_s s |"
  report_throughput
  report_peer
  report_latency
  [ -z "${cfg_rows[0]:-}" ] || printf '%s\n' "${cfg_rows[@]}"
  [ -z "${gcr_rows[0]:-}" ] || printf '%s\n' "${gcr_rows[@]}"
}

report_throughput() {
  local tag_count=$(( repos * tags )) rss
  [ -n "${t_wall[0]:-}" ] || return 0
  rss=$(median "${t_rss[@]}")
  echo "| registry ceiling (wrk -t1 -c$concurrency, same endpoints, before and after each refresh) | $(median "${t_ceil[@]}") req/s |"
  echo "| cdhost run --once wall time | $(median "${t_wall[@]}") s (agent $(median "${t_agent[@]}") s) |"
  echo "| requests made | $t_requests |"
  echo "| requests/s | $(median "${t_rate[@]}") |"
  echo "| ratio to the ceiling (median of the rounds' ratios: ${t_ratio[*]}) | $(median "${t_ratio[@]}") |"
  echo "| CPU seconds (user + sys) | $(median "${t_cpu[@]}") |"
  echo "| peak RSS | $(calc "$rss / 1024") MiB |"
  echo "| RSS per cached tag | $(calc "$rss * 1024 / $tag_count") bytes |"
}

report_peer() {
  [ -n "${p_total:-}" ] || return 0
  echo "| skopeo script ($p_sample), per call | list-tags $p_list s, inspect $p_inspect s |"
  echo "| skopeo script extrapolated to $repos x $tags | $p_total s |"
  echo "| cdhost speed-up over skopeo | $(calc "$p_total / $(median "${t_wall[@]}")")x |"
}

report_latency() {
  [ -n "${lat_rows[0]:-}" ] || return 0
  printf '%s\n' "${lat_rows[@]}"
}

# latency_row C [NO_RTT_S]: the table row of the latency_run just made; with
# the no-RTT time also the ratio to max(floor, that time).
latency_row() {
  local bound=""
  if [ -n "${2:-}" ]; then
    bound="; to max(floor, no-RTT time) = $(calc "($l_floor > $2) ? $l_floor : $2") s:"
    bound+=" $(calc "$l_wall / (($l_floor > $2) ? $l_floor : $2)")x"
  fi
  echo "| latency $rtt_ms ms RTT, $latency_count x $tags, concurrency $1 |" \
       "$l_wall s for $l_requests requests; floor $l_floor s: **$(calc "$l_wall / $l_floor")x**" \
       "(proxy's real RTT $(calc "$l_rtt * 1000") ms: floor $l_floor_eff s, $(calc "$l_wall / $l_floor_eff")x)$bound;" \
       "median registry $(calc "$l_registry * 1000") ms, client $(calc "$l_client * 1000") ms per request;" \
       "slots busy $l_busy |"
}

main() {
  parse_args "$@"
  [ "$setup" = 1 ] && "$here/setup.sh"
  build_cdhost
  work=$(mktemp -d "${TMPDIR:-/tmp}/cdhost-bench-run.XXXXXX")
  trap cleanup EXIT
  t_ceil=() t_wall=() t_rate=() t_cpu=() t_rss=() t_ratio=() t_agent=()
  lat_rows=() gcr_rows=() gcr_pids=() cfg_rows=()
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  if wanted throughput || wanted peer || wanted latency; then start_registry; fi
  if wanted throughput; then throughput; fi
  if wanted peer; then peer; fi
  if wanted latency; then latency; fi
  if wanted configs; then configs; fi
  if wanted gcr; then gcr; fi
  report
}

main "$@"
