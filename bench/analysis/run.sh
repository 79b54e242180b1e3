#!/usr/bin/env bash
# Analyses benchmark (issue 6): every analysis over HTTP, cold (first call
# after start: computed) and cached (the same call again: answered from the
# result cache while the data do not change), on the demo city and on the
# 1,000,000-parcel / 200,000-permit dataset of the tile benchmark (with the
# demo's plans, zones and advertising loaded beside it). Targets: under 5 s
# cold, under 50 ms cached. Prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
make build >/dev/null
PORT=18097
SERVE=
trap '[ -n "$SERVE" ] && kill -INT $SERVE 2>/dev/null; wait 2>/dev/null || true' EXIT
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }

run() { # label data-dir
  export LAD_DATA=$2 DATABASE_URL= LAD_LOG_LEVEL=warn
  mkdir -p "$LAD_DATA" && chmod 755 "$LAD_DATA"
  bin/lad serve --demo --addr 127.0.0.1:$PORT >"$LAD_DATA/serve-analysis.log" 2>&1 &
  local serve=$!
  SERVE=$serve
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
  bin/lad user add --role planner -m 0264011 --password-stdin bench-planner <<<"haslo-benchmarku-123" >/dev/null 2>&1 || true
  local tok
  tok=$(bin/lad user token bench-planner bench 2>/dev/null | grep -o 'lad_[A-Za-z0-9_-]*' | head -1)
  # Restart so that every analysis is cold (the result cache is in memory).
  kill -INT $serve; wait $serve 2>/dev/null || true
  bin/lad serve --addr 127.0.0.1:$PORT >>"$LAD_DATA/serve-analysis.log" 2>&1 &
  serve=$!
  SERVE=$serve
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
  for a in plan-coverage permit-conformity development-pressure plan-realisation advertising-compliance changes; do
    local url="http://127.0.0.1:$PORT/api/analysis/$a?municipality=0264011"
    local cold code
    cold=$(curl -s -o "$LAD_DATA/$a.json" -w '%{time_total}' -H "Authorization: Bearer $tok" "$url")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$url")
    local sum=0
    for _ in $(seq 1 20); do
      sum=$(awk -v a="$sum" -v b="$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $tok" "$url")" 'BEGIN { print a + b }')
    done
    echo "| $1 | $a | $code | $(ms "$cold") ms | $(awk -v s="$sum" 'BEGIN { printf "%.1f", s / 20 * 1000 }') ms | $(wc -c <"$LAD_DATA/$a.json") |"
  done
  kill -INT $serve; wait $serve 2>/dev/null || true
}

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(date -u +%Y-%m-%d)."
echo
echo "| dataset | analysis | status | cold | cached (mean of 20) | bytes |"
echo "|---|---|---|---|---|---|"
run "demo city" "${DEMO_DATA:-/tmp/ladbench-analysis-demo}"
# The tile benchmark's data directory: 1,000,000 parcels and 200,000
# permits (bench/tiles/data.sql); --demo adds nothing to a database that
# holds data, so the demo's plans are loaded only into an empty one.
run "1M parcels, 200k permits" "${BENCH_DATA:-/tmp/ladbench-tiles}"
