#!/usr/bin/env bash
# Lines-of-therapy benchmark (issue 15): `lines derive` on the generated
# 10,000,042-record file, on one core and on every core, best of RUNS.
#   bash scripts/bench_lines.sh
#   ROWS=1000000 RUNS=3 bash scripts/bench_lines.sh
# One core is `taskset -c 0 ... --threads 1` (the reader and the writer share
# that core with the worker); N cores is `--threads N` with no affinity.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-3}"
OUT=target/bench
mkdir -p "$OUT"
cargo build --release --quiet
BIN=target/release/chemodose
IN="$OUT/admin_$ROWS.csv"
[ -f "$IN" ] || python3 scripts/gen_administrations.py --rows "$ROWS" --out "$IN"
RECORDS=$(($(wc -l < "$IN") - 1))
CORES=$(nproc)

run() { # label, then the command; prints best seconds, peak KB, records/s
  local label=$1; shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | head -1 | awk -v l="$label" -v r="$RECORDS" \
    '{ printf "%-28s %6.2f s  %7d KB peak  %5.2f M records/s\n", l, $1, $2, r / $1 / 1e6 }'
}

echo "== lines derive, $RECORDS records ($(du -h "$IN" | cut -f1)), best of $RUNS, $CORES cores"
run "1 core (--threads 1)" taskset -c 0 "$BIN" lines derive "$IN" --format csv --threads 1 -o "$OUT/lines_1.csv"
for t in $(seq 2 "$CORES"); do
  run "$t cores (--threads $t)" "$BIN" lines derive "$IN" --format csv --threads "$t" -o "$OUT/lines_$t.csv"
  cmp "$OUT/lines_1.csv" "$OUT/lines_$t.csv"
done
echo "== I/O floor: reading the file (cat to a pipe)"
run "cat" sh -c "cat '$IN' | cat > /dev/null"
