#!/usr/bin/env bash
# Load run of the dose API (issue 19): a release `chemodose serve` on
# loopback over the repository's regimens/ folder, and wrk keeping
# CONNECTIONS clients (100 by default) busy with the same realistic
# POST /api/dose (scripts/load-api.lua: gemcitabine/docetaxel at 170 cm and
# 70 kg with the labs docetaxel needs) for DURATION, after a WARMUP. It is
# bounded by time, on 127.0.0.1 only. Prints throughput, latency
# percentiles, the answers with a status of 400 or more, and the server's memory
# (VmRSS before and after, peak VmHWM, from /proc/PID/status) and CPU time.
#
#   bash scripts/load-api.sh                                  # 100 clients, 30 s
#   CONNECTIONS=10 DURATION=20s bash scripts/load-api.sh
#   SERVER=/tmp/chemodose-before bash scripts/load-api.sh      # another build
#   RATE=4000 bash scripts/load-api.sh                         # open loop (wrk2)
#
# With RATE, the requests are sent at that constant rate over the
# CONNECTIONS, and each latency is counted from the time its request was due
# (corrected for coordinated omission): wrk2 (github.com/giltene/wrk2, built
# from source with `make`; not a Debian package) on PATH, or WRK2=/path/to/wrk.
# Without RATE it is a closed loop: each client sends its next request as soon
# as the last is answered, so the latency is that of a saturated server.
#
# Before the run one request is checked against the doses worked out by hand
# (gemcitabine 1,638 mg, docetaxel 182 mg); the run stops if they differ.
# Needs wrk (Debian package wrk) and curl. The client runs on the same
# machine as the server and shares its cores: on a 2-core machine wrk takes
# part of the CPU the server would have (docs/performance.md, "Web API load").
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS="${CONNECTIONS:-100}"
DURATION="${DURATION:-30s}"
WARMUP="${WARMUP:-5s}"
THREADS="${THREADS:-2}"
REGIMENS="${REGIMENS:-regimens}"

command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 2; }
RATE="${RATE:-}"
if [ -n "$RATE" ]; then
  WRK2="${WRK2:-wrk2}"
  command -v "$WRK2" >/dev/null || { echo "RATE needs wrk2 (github.com/giltene/wrk2, make): put it on PATH or give WRK2=/path/to/wrk" >&2; exit 2; }
fi
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 2; }
if [ -z "${SERVER:-}" ]; then
  cargo build --release --locked --quiet
  SERVER=target/release/chemodose
fi

WORK=$(mktemp -d)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# Hermetic: no site configuration or regimen folder from the environment.
mkdir -p "$WORK/config"
env -u CHEMODOSE_REGIMENS -u CHEMODOSE_CONFIG XDG_CONFIG_HOME="$WORK/config" \
  "$SERVER" serve --bind 127.0.0.1:0 --regimens "$REGIMENS" \
  >/dev/null 2>"$WORK/access.log" &
PID=$!
URL=""
for _ in $(seq 100); do
  URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/access.log" | head -1 || true)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "the server did not start:" >&2; cat "$WORK/access.log" >&2; exit 1; }

mem() { awk -v what="$1" '$1 == what":" {print $2 " " $3}' "/proc/$PID/status"; }

# One request first: the answer must be the doses worked out by hand.
BODY=$(sed -n '/^wrk.body = \[\[/,/\]\]$/p' scripts/load-api.lua | sed -e 's/^wrk.body = \[\[//' -e 's/\]\]$//')
ANSWER=$(curl -s -w '\n%{http_code}' -X POST "$URL/api/dose" -H 'content-type: application/json' -d "$BODY")
[ "$(tail -1 <<<"$ANSWER")" = 200 ] || { echo "the check request failed: $ANSWER" >&2; exit 1; }
for want in '"drug": *"gemcitabine"' '"final_dose": *1638(\.0)?[,}[:space:]]' '"final_dose": *182(\.0)?[,}[:space:]]'; do
  grep -Eq "$want" <<<"$ANSWER" || { echo "the check request's answer lacks $want" >&2; exit 1; }
done

echo "== machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== server: $SERVER ($(git rev-parse --short HEAD 2>/dev/null || echo '?')), --regimens $REGIMENS, at $URL"
echo "== memory before: VmRSS $(mem VmRSS), VmHWM $(mem VmHWM)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s -s scripts/load-api.lua "$URL/api/dose" >/dev/null
echo "== memory after a $WARMUP warm-up: VmRSS $(mem VmRSS), VmHWM $(mem VmHWM)"
if [ -n "$RATE" ]; then
  echo "== $WRK2 -t$THREADS -c$CONNECTIONS -d$DURATION -R$RATE --timeout 10s --latency -s scripts/load-api.lua $URL/api/dose (open loop)"
  "$WRK2" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -R"$RATE" --timeout 10s --latency -s scripts/load-api.lua "$URL/api/dose" \
    | grep -vE '^ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.inf]+$'
else
  echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout 10s --latency -s scripts/load-api.lua $URL/api/dose"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency -s scripts/load-api.lua "$URL/api/dose"
fi
echo "== memory after: VmRSS $(mem VmRSS), VmHWM $(mem VmHWM) (peak)"
# Every request answered is a line of the access log (warm-up and check included).
ANSWERED=$(grep -c ' /api/dose ' "$WORK/access.log" || true)
TICKS=$(getconf CLK_TCK)
awk -v n="$ANSWERED" -v hz="$TICKS" '{
  user = $14 / hz; sys = $15 / hz
  printf "== server CPU: %.1f s user, %.1f s system for %d requests (warm-up included) = %.2f ms a request\n", user, sys, n, (user + sys) * 1000 / n
}' "/proc/$PID/stat"
