#!/usr/bin/env bash
# Soak benchmark (issue 9): two `lad serve` instances on one database (the
# demo city in a private cluster) sharing a Redis tile cache, under mixed
# load from bench/soak/load — 80% tiles, 15% OGC features and place
# queries, 5% writes (consultation comments, which invalidate tiles on both
# instances) — at concurrency C (64) for DUR (10m). Samples each instance's
# RSS and goroutines every 10 s and prints a Markdown section for
# bench/RESULTS.md: requests, errors, p50/p99 per kind, RSS start/peak/end,
# goroutines start/end. Loopback only; everything started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$PATH
DUR=${DUR:-10m}
C=${C:-64}
DATA=${BENCH_DATA:-/tmp/ladbench-soak}
mkdir -p "$DATA" && chmod 755 "$DATA"
command -v redis-server >/dev/null || { echo "redis-server missing: scripts/install-deps.sh" >&2; exit 1; }
go build -o bin/lad ./cmd/lad
go build -o "$DATA/load" ./bench/soak/load
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

redis-server --port 0 --unixsocket "$DATA/redis.sock" --unixsocketperm 700 --save "" --appendonly no \
  --dir "$DATA" --maxmemory 512mb --maxmemory-policy volatile-ttl >"$DATA/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$DATA/redis.sock" ] && break; sleep 0.1; done
redis-cli -s "$DATA/redis.sock" FLUSHALL >/dev/null

A=127.0.0.1:18101; B=127.0.0.1:18102
export LAD_LOG_LEVEL=warn LAD_REDIS_URL=unix://$DATA/redis.sock
# A owns the private cluster (and loads the demo city once); B uses it.
LAD_DATA=$DATA/a DATABASE_URL= bin/lad serve --demo --addr $A >"$DATA/a.log" 2>&1 &
PA=$!; PIDS+=($PA)
for _ in $(seq 1 600); do curl -sf "http://$A/readyz" >/dev/null && break; sleep 0.5; done
LAD_DATA=$DATA/b DATABASE_URL="host=$DATA/a/pg port=5432 user=postgres dbname=lad" bin/lad serve --addr $B >"$DATA/b.log" 2>&1 &
PB=$!; PIDS+=($PB)
for _ in $(seq 1 120); do curl -sf "http://$B/readyz" >/dev/null && break; sleep 0.5; done

rss() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
gor() { curl -s "http://$1/metrics" | awk '$1 == "go_goroutines" {print $2}'; }
metric() { curl -s "http://$1/metrics" | awk -v m="$2" '$1 == m {s += $2} END {printf "%d", s}'; }
echo "t_s,rss_a_mb,rss_b_mb,goroutines_a,goroutines_b,tile_cache_a_mb,tile_cache_b_mb" >"$DATA/samples.csv"
mb() { echo $(( $(metric "$1" lad_tile_cache_bytes) / 1048576 )); }
sample() { echo "$1,$(rss $PA),$(rss $PB),$(gor $A),$(gor $B),$(mb $A),$(mb $B)" >>"$DATA/samples.csv"; }
sample 0
T0=$(date +%s)
"$DATA/load" -targets "http://$A,http://$B" -c "$C" -d "$DUR" >"$DATA/load.json" 2>"$DATA/load.log" &
LOAD=$!
while kill -0 $LOAD 2>/dev/null; do sleep 10; kill -0 $LOAD 2>/dev/null && sample $(( $(date +%s) - T0 )); done
wait $LOAD
sleep 15 # idle: connections closed, goroutines should be back near the start
sample $(( $(date +%s) - T0 ))

j() { python3 -c "import json,sys; d=json.load(open('$DATA/load.json')); print($1)"; }
col() { awk -F, -v c="$1" 'NR > 1 {print $c}' "$DATA/samples.csv"; }
first() { col "$1" | head -1; }
last() { col "$1" | tail -1; }
peak() { col "$1" | sort -n | tail -1; }
echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(date -u +%Y-%m-%d). Two instances (A owns the private cluster, B connects to it), Redis shared tile cache, demo city (Wrocław), concurrency $C, $DUR, requests alternating between A and B."
echo
echo "| kind | requests | 2xx | 4xx | 5xx | transport errors | p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|---|"
for k in tile features place write; do
  j "(lambda k: '| $k | %d | %d | %d | %d | %d | %.1f | %.1f | %.0f |' % (k['requests'], k['status'].get('2xx', 0), k['status'].get('4xx', 0), k['status'].get('5xx', 0), k['status'].get('error', 0), k['p50_ms'], k['p99_ms'], k['max_ms']))(d['kinds'].get('$k', {'requests': 0, 'status': {}, 'p50_ms': 0, 'p99_ms': 0, 'max_ms': 0}))"
done
j "'| all | %d (%.0f/s) | | | %d | %d | %.1f | %.1f | |' % (d['requests'], d['rps'], d['5xx'], d['transport_errors'], d['p50_ms'], d['p99_ms'])"
echo
echo "| instance | RSS start MB | RSS peak MB | RSS end MB (15 s idle) | local tile cache at end MB | goroutines start | goroutines peak | goroutines end (15 s idle) | tiles: local hits | shared hits | rendered | shared-cache errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "| A | $(first 2) | $(peak 2) | $(last 2) | $(last 6) | $(first 4) | $(peak 4) | $(last 4) | $(metric $A lad_tile_cache_hits_total) | $(metric $A lad_tile_shared_cache_hits_total) | $(metric $A lad_tile_cache_misses_total) | $(metric $A lad_tile_shared_cache_errors_total) |"
echo "| B | $(first 3) | $(peak 3) | $(last 3) | $(last 7) | $(first 5) | $(peak 5) | $(last 5) | $(metric $B lad_tile_cache_hits_total) | $(metric $B lad_tile_shared_cache_hits_total) | $(metric $B lad_tile_cache_misses_total) | $(metric $B lad_tile_shared_cache_errors_total) |"
echo
echo "Samples every 10 s: $DATA/samples.csv. Tiles dropped by invalidations: A $(metric $A lad_tile_cache_invalidated_total), B $(metric $B lad_tile_cache_invalidated_total)."
