#!/usr/bin/env bash
# Tile benchmark (issue 4): 1,000,000 parcels and 200,000 permits, a fixed
# list of 200 tiles per zoom (10, 12, 14, 16), wrk at concurrency 8 and 64,
# uncached and cached ład, against the database floor (pgbench running the
# same tile SQL, 8 clients) and a static ceiling (the same bytes served from
# memory by a trivial Go handler), all in one run on this machine; then the
# time from a commit to a changed tile. Prints a Markdown table for
# bench/RESULTS.md. Loopback only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
make build >/dev/null
DATA=${BENCH_DATA:-/tmp/ladbench-tiles}
mkdir -p "$DATA" && chmod 755 "$DATA"
export LAD_DATA=$DATA DATABASE_URL= LAD_LOG_LEVEL=warn
PORT=18090; CEIL=18091
PSQL="psql -XAtq -h $DATA/pg -U postgres -d lad"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
pkill -f "$DATA/ceiling" 2>/dev/null || true

serve() { # $1: cache MB
  bin/lad serve --addr 127.0.0.1:$PORT --tile-cache-mb "$1" >"$DATA/serve.log" 2>&1 &
  SERVE=$!; PIDS+=($SERVE)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.5; done
  echo "lad did not start" >&2; exit 1
}
stop_serve() { kill -INT "$SERVE"; wait "$SERVE" 2>/dev/null || true; }

serve 0
if [ "$($PSQL -c 'SELECT count(*) FROM parcel')" -lt 1000000 ] || [ "$($PSQL -c 'SELECT count(*) FROM permit')" -lt 200000 ]; then
  $PSQL -c 'TRUNCATE parcel, permit CASCADE' >/dev/null
  echo "loading 1,000,000 parcels and 200,000 permits…" >&2
  $PSQL -v ON_ERROR_STOP=1 -f bench/tiles/data.sql >/dev/null
fi
# The tile list: 200 tiles per zoom spread over the populated area.
$PSQL >/dev/null <<'SQL'
DROP TABLE IF EXISTS bench_tiles;
CREATE TABLE bench_tiles AS
WITH e AS (SELECT ST_Transform(ST_MakeEnvelope(346000, 346000, 374000, 374000, 2180), 3857) AS g),
z AS (SELECT unnest(ARRAY[10, 12, 14, 16]) AS z),
r AS (SELECT z, floor((ST_XMin(g) + 20037508.342789244) / (40075016.68557849 / 2 ^ z))::int AS x0,
             floor((ST_XMax(g) + 20037508.342789244) / (40075016.68557849 / 2 ^ z))::int AS x1,
             floor((20037508.342789244 - ST_YMax(g)) / (40075016.68557849 / 2 ^ z))::int AS y0,
             floor((20037508.342789244 - ST_YMin(g)) / (40075016.68557849 / 2 ^ z))::int AS y1 FROM e, z),
t AS (SELECT r.z, x, y, row_number() OVER (PARTITION BY r.z ORDER BY md5(x || '/' || y)) AS i
      FROM r, generate_series(r.x0, r.x1) x, generate_series(r.y0, r.y1) y)
SELECT z, x, y, (i - 1) % 200 + 1 AS i FROM t WHERE i <= 200 OR z <= 12;
SQL
for z in 10 12 14 16; do
  $PSQL -c "SELECT format('/tiles/parcels,permits/%s/%s/%s.mvt', z, x, y) FROM bench_tiles WHERE z = $z ORDER BY i, x, y" >"$DATA/list_$z.txt"
done
export TILE_LIST
row() { # label concurrency url-base list
  TILE_LIST=$4
  out=$(wrk -t2 -c"$2" -d"$DUR" --latency -s bench/tiles/list.lua "$3" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$rps $p50 $p99"
}
floor() { # zoom
  go run ./bench/tiles/tilesql -z "$1" -n "$(wc -l <"$DATA/list_$1.txt")" >"$DATA/floor_$1.sql"
  out=$(pgbench -n -c 8 -j 2 -T "${DUR%s}" -f "$DATA/floor_$1.sql" -h "$DATA/pg" -U postgres lad 2>&1)
  echo "$out" | awk '/^tps/ {print $3}'
}
declare -A R
for z in 10 12 14 16; do
  R[floor_$z]=$(floor $z)
  R[unc8_$z]=$(row uncached 8 "http://127.0.0.1:$PORT" "$DATA/list_$z.txt")
  R[unc64_$z]=$(row uncached 64 "http://127.0.0.1:$PORT" "$DATA/list_$z.txt")
  R[size_$z]=$(curl -s -H 'Accept-Encoding: identity' "http://127.0.0.1:$PORT$(head -1 "$DATA/list_$z.txt")" | wc -c)
done
stop_serve
serve 1024
for z in 10 12 14 16; do
  while read -r p; do curl -s -o /dev/null "http://127.0.0.1:$PORT$p" -H 'Accept-Encoding: gzip'; done <"$DATA/list_$z.txt"
  R[c8_$z]=$(row cached 8 "http://127.0.0.1:$PORT" "$DATA/list_$z.txt")
  R[c64_$z]=$(row cached 64 "http://127.0.0.1:$PORT" "$DATA/list_$z.txt")
done
cat "$DATA"/list_1?.txt >"$DATA/all_tiles.txt"
go build -o "$DATA/ceiling" ./bench/tiles/ceiling
"$DATA/ceiling" -from "http://127.0.0.1:$PORT" -list "$DATA/all_tiles.txt" -addr 127.0.0.1:$CEIL >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$CEIL$(head -1 "$DATA/list_16.txt")" -o /dev/null && break; sleep 0.5; done
for z in 10 12 14 16; do
  R[s8_$z]=$(row ceiling 8 "http://127.0.0.1:$CEIL" "$DATA/list_$z.txt")
  R[s64_$z]=$(row ceiling 64 "http://127.0.0.1:$CEIL" "$DATA/list_$z.txt")
done
# Invalidation: commit a change with psql, poll the tile until its ETag changes.
TILE=$($PSQL -c "SELECT format('/tiles/parcels/16/%s/%s.mvt', x, y) FROM bench_tiles WHERE z = 16 ORDER BY i LIMIT 1")
read -r TX TY <<<"$(echo "$TILE" | awk -F/ '{print $5, $6}' | sed 's/.mvt//')"
ETAG=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT$TILE" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
T0=$(date +%s%N)
$PSQL -c "UPDATE parcel SET geom = ST_Multi(ST_Translate(geom, 0.5, 0)) WHERE id = (SELECT id FROM parcel WHERE geom_3857 && ST_TileEnvelope(16, $TX, $TY) LIMIT 1)" >/dev/null
while :; do
  E=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT$TILE" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
  [ "$E" != "$ETAG" ] && break
  [ $(( ($(date +%s%N) - T0) / 1000000 )) -gt 5000 ] && { E=timeout; break; }
done
INV_MS=$(( ($(date +%s%N) - T0) / 1000000 ))

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(date -u +%Y-%m-%d). Layers parcels,permits; $DUR per run; wrk -t2; p50/p99 in wrk's units."
echo
echo "| zoom | tile bytes | floor (pgbench, c=8) tiles/s | uncached c=8 req/s (p50, p99) | uncached c=64 | cached c=8 | cached c=64 | ceiling c=8 | ceiling c=64 |"
echo "|---|---|---|---|---|---|---|---|---|"
for z in 10 12 14 16; do
  f() { set -- ${R[$1]}; echo "$1 ($2, $3)"; }
  echo "| $z | ${R[size_$z]} | ${R[floor_$z]} | $(f unc8_$z) | $(f unc64_$z) | $(f c8_$z) | $(f c64_$z) | $(f s8_$z) | $(f s64_$z) |"
done
echo
echo "Invalidation: commit → changed tile (new ETag) after ${INV_MS} ms."
