#!/usr/bin/env bash
# Ingest benchmark (issue 3): 1,000,000 parcel polygons from GeoJSON and
# 1,000,000 RWDZ rows through `lad ingest` (records/s, peak RSS), and in the
# same run `ogr2ogr -f PostgreSQL` (PG_USE_COPY=YES) loading the same
# GeoJSON into the same cluster. Prints a Markdown table for
# bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000000}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
make build >/dev/null
WORK=${BENCH_DATA:-/tmp/ladbench-ingest}
rm -rf "$WORK" && mkdir -p "$WORK" && chmod 755 "$WORK"
go run ./bench/ingest/gen -n "$N" -geojson "$WORK/parcels.geojson" -csv "$WORK/rwdz.csv"
export LAD_DATA=$WORK/data DATABASE_URL= LAD_LOG_LEVEL=warn
mkdir -p "$LAD_DATA" && chmod 755 "$LAD_DATA"
bin/lad serve --addr 127.0.0.1:18095 >"$WORK/serve.log" 2>&1 &
SERVE=$!
trap 'kill -INT $SERVE 2>/dev/null; wait $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:18095/readyz >/dev/null && break; sleep 0.5; done

measure() { # label command…
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "${@:2}" >"$WORK/$1.out" 2>&1 || true
  read -r secs kb <"$WORK/time.txt"
  echo "$secs $kb"
}
read -r g_s g_kb <<<"$(measure lad_parcels bin/lad ingest parcels "$WORK/parcels.geojson")"
read -r c_s c_kb <<<"$(measure lad_rwdz bin/lad ingest permits "$WORK/rwdz.csv")"
read -r o_s o_kb <<<"$(measure ogr2ogr env PG_USE_COPY=YES ogr2ogr -f PostgreSQL "PG:host=$LAD_DATA/pg port=5432 user=postgres dbname=lad" "$WORK/parcels.geojson" -nln ogr_parcels -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -gt 65536)"
parcels=$(psql -XAtq -h "$LAD_DATA/pg" -U postgres -d lad -c "SELECT count(*) FROM parcel")
permits=$(psql -XAtq -h "$LAD_DATA/pg" -U postgres -d lad -c "SELECT count(*) FROM permit")
ogr=$(psql -XAtq -h "$LAD_DATA/pg" -U postgres -d lad -c "SELECT count(*) FROM ogr_parcels")
size=$(du -m "$WORK/parcels.geojson" | cut -f1)
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(date -u +%Y-%m-%d). GeoJSON ${size} MB."
echo
echo "| load | records | seconds | records/s | peak RSS MB |"
echo "|---|---|---|---|---|"
echo "| lad ingest parcels (GeoJSON, validated, EPSG:3857 copy, 2 GIST indexes) | $parcels | $g_s | $(rate "$N" "$g_s") | $((g_kb / 1024)) |"
echo "| lad ingest permits (RWDZ CSV, $N rows → cases) | $permits | $c_s | $(rate "$N" "$c_s") | $((c_kb / 1024)) |"
echo "| ogr2ogr -f PostgreSQL, PG_USE_COPY=YES (same GeoJSON, 1 GIST index) | $ogr | $o_s | $(rate "$N" "$o_s") | $((o_kb / 1024)) |"
