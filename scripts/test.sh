#!/usr/bin/env bash
# Runs every test of SysUpdate on a fresh Debian machine: installs the
# prerequisites, builds every flavour, then runs the Go tests (unit tests and
# end-to-end tests against real TLS servers, Squid, real archivers and the
# legacy Windows build under Wine).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh
. scripts/lib.sh

export SYSUPDATE_BIN=$PWD/build/modern/linux-amd64/sysupdate
export SYSUPDATE_WIN_LEGACY=$PWD/build/legacy/windows-amd64/sysupdate.exe

# One Wine prefix for the whole run: making one takes seconds.
export SYSUPDATE_WINEPREFIX=${SYSUPDATE_WINEPREFIX:-$(mktemp -d /tmp/sysupdate-wine.XXXXXX)}
WINEPREFIX=$SYSUPDATE_WINEPREFIX WINEDEBUG=-all /usr/lib/wine/wine64 wineboot -i >/dev/null 2>&1
# Direct connections only: a fresh prefix would look for WPAD on the network.
WINEPREFIX=$SYSUPDATE_WINEPREFIX WINEDEBUG=-all /usr/lib/wine/wine64 reg import \
	"Z:$(echo "$PWD/internal/testenv/testdata/direct-connection.reg" | tr / '\\')" >/dev/null 2>&1
trap 'WINEPREFIX=$SYSUPDATE_WINEPREFIX /usr/lib/wine/wineserver -k 2>/dev/null || true' EXIT

gofmt_out=$(gofmt -l $(git ls-files '*.go' | grep -v '^vendor/') 2>/dev/null || true)
if [ -n "$gofmt_out" ]; then
	echo "gofmt would change: $gofmt_out" >&2
	exit 1
fi
modern_go vet ./...
GOPROXY=off modern_go test -count=1 -timeout 30m ./... "$@"
