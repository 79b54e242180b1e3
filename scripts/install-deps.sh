#!/usr/bin/env bash
# Installs what ład needs from Debian's packages, only what is missing:
# PostgreSQL with the matching PostGIS, GDAL (tests read our OGC API and tiles
# with ogrinfo/ogr2ogr), Chromium (browser tests), Redis (cluster tests),
# Node.js/npm (the web app is built from npm packages).
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# The PostgreSQL major version: the installed server's, else Debian's default.
pgver=""
for d in /usr/lib/postgresql/*/bin/postgres; do
	[ -e "$d" ] && pgver=$(basename "$(dirname "$(dirname "$d")")")
done
if [ -z "$pgver" ]; then
	need+=(postgresql)
	pgver=15
fi
have "postgresql-${pgver}-postgis-3" || need+=("postgresql-${pgver}-postgis-3")
have postgresql-contrib || need+=(postgresql-contrib)
for p in gdal-bin chromium redis-server; do
	have "$p" || need+=("$p")
done
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
echo "installing: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
