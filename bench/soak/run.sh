#!/usr/bin/env bash
# Soak benchmark (issue 9): two `lad serve` instances on one database (the
# demo city in a private cluster) sharing a Redis tile cache, under mixed
# load from bench/soak/load — 80% tiles, 15% OGC features and place
# queries, 5% writes (consultation comments, which invalidate tiles on both
# instances) — at concurrency C (64) for DUR (5m). With REPLICA=1 both
# instances read tiles, features and place queries from a streaming replica
# of the primary (bench/soak/replica: pg_basebackup -R, as in the tests)
# within --replica-max-lag (MAX_LAG, 5s), while the writes go to the primary.
# Samples each instance's RSS and goroutines (and the replica's lag) every
# SAMPLE seconds (10) and prints a Markdown section for bench/RESULTS.md:
# requests, 5xx, p50/p99 per kind, where reads ran, RSS start/peak/end,
# goroutines start/end. Loopback only; everything started here is stopped.
#
#   bench/soak/run.sh [DURATION]          e.g. bench/soak/run.sh 30s
#   REPLICA=1 bench/soak/run.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/go/bin:$PATH
DUR=${1:-${DUR:-5m}}
C=${C:-64}
REPLICA=${REPLICA:-0}
MAX_LAG=${MAX_LAG:-5s}
SAMPLE=${SAMPLE:-10}
DATA=${BENCH_DATA:-/tmp/ladbench-soak}
mkdir -p "$DATA" && chmod 755 "$DATA"
command -v redis-server >/dev/null || { echo "redis-server missing: scripts/install-deps.sh" >&2; exit 1; }
go build -o bin/lad ./cmd/lad
go build -o "$DATA/load" ./bench/soak/load
go build -o "$DATA/replica" ./bench/soak/replica
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

redis-server --port 0 --unixsocket "$DATA/redis.sock" --unixsocketperm 700 --save "" --appendonly no \
  --dir "$DATA" --maxmemory 512mb --maxmemory-policy volatile-ttl >"$DATA/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$DATA/redis.sock" ] && break; sleep 0.1; done
redis-cli -s "$DATA/redis.sock" FLUSHALL >/dev/null

A=127.0.0.1:18101; B=127.0.0.1:18102
export LAD_LOG_LEVEL=warn LAD_REDIS_URL=unix://$DATA/redis.sock
READS=()
if [ "$REPLICA" = 1 ]; then
  # A fresh replica each run (a copy of this run's primary); its address is
  # known before it exists, so A starts with it and takes it up once it is
  # there (until then A reads from the primary).
  rm -rf "$DATA/r"
  READS=(--replica-url "host=$DATA/r/pg port=5432 user=postgres dbname=lad sslmode=disable" --replica-max-lag "$MAX_LAG")
fi
# A owns the private cluster (and loads the demo city once); B uses it.
LAD_DATA=$DATA/a DATABASE_URL= bin/lad serve --demo --addr $A "${READS[@]}" >"$DATA/a.log" 2>&1 &
PA=$!; PIDS+=($PA)
for _ in $(seq 1 600); do curl -sf "http://$A/readyz" >/dev/null && break; sleep 0.5; done
PR=
if [ "$REPLICA" = 1 ]; then
  "$DATA/replica" -primary "$DATA/a" -dir "$DATA/r" >"$DATA/replica.url" 2>"$DATA/replica.log" &
  PR=$!
  for _ in $(seq 1 600); do [ -s "$DATA/replica.url" ] && break; kill -0 $PR 2>/dev/null || { cat "$DATA/replica.log" >&2; exit 1; }; sleep 0.5; done
fi
LAD_DATA=$DATA/b DATABASE_URL="host=$DATA/a/pg port=5432 user=postgres dbname=lad" bin/lad serve --addr $B "${READS[@]}" >"$DATA/b.log" 2>&1 &
PB=$!; PIDS+=($PB)
[ -n "$PR" ] && PIDS+=($PR)
for _ in $(seq 1 120); do curl -sf "http://$B/readyz" >/dev/null && break; sleep 0.5; done

rss() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
gor() { curl -s "http://$1/metrics" | awk '$1 == "go_goroutines" {print $2}'; }
metric() { curl -s "http://$1/metrics" | awk -v m="$2" '$1 == m {s += $2} END {printf "%d", s}'; }
fmetric() { curl -s "http://$1/metrics" | awk -v m="$2" '$1 == m {s += $2} END {printf "%.2f", s}'; }
if [ "$REPLICA" = 1 ]; then
  for base in $A $B; do
    for _ in $(seq 1 100); do [ "$(metric $base lad_db_usable_replicas)" = 1 ] && break; sleep 0.2; done
    [ "$(metric $base lad_db_usable_replicas)" = 1 ] || { echo "instance $base does not use the replica" >&2; exit 1; }
  done
fi
LAG='lad_db_replica_lag_seconds{replica="0"}'
echo "t_s,rss_a_mb,rss_b_mb,goroutines_a,goroutines_b,tile_cache_a_mb,tile_cache_b_mb,replica_lag_a_s,replica_lag_b_s,usable_replicas_a,usable_replicas_b" >"$DATA/samples.csv"
mb() { echo $(( $(metric "$1" lad_tile_cache_bytes) / 1048576 )); }
sample() {
  local lag=",,,"
  [ "$REPLICA" = 1 ] && lag=",$(fmetric $A "$LAG"),$(fmetric $B "$LAG"),$(metric $A lad_db_usable_replicas),$(metric $B lad_db_usable_replicas)"
  echo "$1,$(rss $PA),$(rss $PB),$(gor $A),$(gor $B),$(mb $A),$(mb $B)$lag" >>"$DATA/samples.csv"
}
sample 0
T0=$(date +%s)
"$DATA/load" -targets "http://$A,http://$B" -c "$C" -d "$DUR" >"$DATA/load.json" 2>"$DATA/load.log" &
LOAD=$!
while kill -0 $LOAD 2>/dev/null; do sleep "$SAMPLE"; kill -0 $LOAD 2>/dev/null && sample $(( $(date +%s) - T0 )); done
wait $LOAD
# idle: connections closed; fasthttp keeps an idle worker goroutine up to
# twice its MaxIdleWorkerDuration (10 s), so goroutines are counted after 30 s.
sleep 30
sample $(( $(date +%s) - T0 ))

j() { python3 -c "import json,sys; d=json.load(open('$DATA/load.json')); print($1)"; }
col() { awk -F, -v c="$1" 'NR > 1 && $c != "" {print $c}' "$DATA/samples.csv"; }
first() { col "$1" | head -1; }
last() { col "$1" | tail -1; }
peak() { col "$1" | sort -g | tail -1; }
low() { col "$1" | sort -g | head -1; }
echo
if [ "$REPLICA" = 1 ]; then
  setup="reads (tiles, features, place queries) through a streaming replica of the primary (--replica-max-lag $MAX_LAG), writes to the primary"
else
  setup="every read and write on the primary"
fi
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(date -u +%Y-%m-%d). Two instances (A owns the private cluster, B connects to it), Redis shared tile cache, demo city (Wrocław), $setup, concurrency $C, $DUR, requests alternating between A and B."
echo
echo "| kind | requests | 2xx | 4xx | 5xx | transport errors | p50 ms | p99 ms | max ms | read on replica | read on primary |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for k in tile features place write; do
  j "(lambda k: '| $k | %d | %d | %d | %d | %d | %.1f | %.1f | %.0f | %s | %s |' % (k['requests'], k['status'].get('2xx', 0), k['status'].get('4xx', 0), k['status'].get('5xx', 0), k['status'].get('error', 0), k['p50_ms'], k['p99_ms'], k['max_ms'], str((k.get('read_from') or {}).get('replica', 0)) if $REPLICA == 1 else '—', str(sum(v for f, v in (k.get('read_from') or {}).items() if 'primary' in f)) if $REPLICA == 1 else '—'))(d['kinds'].get('$k', {'requests': 0, 'status': {}, 'p50_ms': 0, 'p99_ms': 0, 'max_ms': 0}))"
done
j "'| all | %d (%.0f/s) | | | %d | %d | %.1f | %.1f | | | |' % (d['requests'], d['rps'], d['5xx'], d['transport_errors'], d['p50_ms'], d['p99_ms'])"
echo
if [ "$REPLICA" = 1 ]; then
  echo "Reads counted by the X-Read-From header (requests that read the database; cached tiles read nothing). \"read on primary\" includes tiles rendered on the primary because the replica had not yet replayed the last change."
  echo
fi
echo "| instance | RSS start MB | RSS peak MB | RSS end MB (30 s idle) | local tile cache at end MB | goroutines start | goroutines peak | goroutines end (30 s idle) | tiles: local hits | shared hits | rendered | shared-cache errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "| A | $(first 2) | $(peak 2) | $(last 2) | $(last 6) | $(first 4) | $(peak 4) | $(last 4) | $(metric $A lad_tile_cache_hits_total) | $(metric $A lad_tile_shared_cache_hits_total) | $(metric $A lad_tile_cache_misses_total) | $(metric $A lad_tile_shared_cache_errors_total) |"
echo "| B | $(first 3) | $(peak 3) | $(last 3) | $(last 7) | $(first 5) | $(peak 5) | $(last 5) | $(metric $B lad_tile_cache_hits_total) | $(metric $B lad_tile_shared_cache_hits_total) | $(metric $B lad_tile_cache_misses_total) | $(metric $B lad_tile_shared_cache_errors_total) |"
if [ "$REPLICA" = 1 ]; then
  echo
  echo "| instance | replica lag max s (samples) | usable replicas min (samples) | tiles rendered on the primary (replica behind the last change) | reads retried on the primary |"
  echo "|---|---|---|---|---|"
  echo "| A | $(peak 8) | $(low 10) | $(metric $A lad_tile_renders_on_primary_total) | $(metric $A lad_db_read_retries_total) |"
  echo "| B | $(peak 9) | $(low 11) | $(metric $B lad_tile_renders_on_primary_total) | $(metric $B lad_db_read_retries_total) |"
fi
echo
echo "Samples every $SAMPLE s: $DATA/samples.csv. Tiles dropped by invalidations: A $(metric $A lad_tile_cache_invalidated_total), B $(metric $B lad_tile_cache_invalidated_total)."
