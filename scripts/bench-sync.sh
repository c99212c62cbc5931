#!/usr/bin/env bash
# Measures what keeping a Sysinternals folder current costs, against the
# local fixture (about 150 tools, 64 KiB to 1 MiB each, over TLS on
# loopback): a run with nothing changed, and a run after 3 of the files
# changed, next to fetching the whole tree as one zip, as the suite
# download does (with curl, and with sysupdate's suite source).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export GOPROXY=off
work=$(mktemp -d /tmp/sysupdate-bench.XXXXXX)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
modern_go build -o "$work/sysupdate" ./cmd/sysupdate
modern_go build -o "$work/server" ./tests/fixtures/sysinternals-server

"$work/server" --ca-file "$work/ca.pem" --url-file "$work/url" --min-kb 64 --max-kb 1024 >/dev/null &
server=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")
ctl() { curl -fsS --cacert "$work/ca.pem" -X POST "${url}_control/$1" "${@:2}" >/dev/null; }

# sync SOURCE DIR: runs sysupdate, prints requests, bytes and wall seconds
sync_run() {
	local start end
	start=$(date +%s.%N)
	if ! "$work/sysupdate" sysinternals --path "$2" --source "$1" --ca-file "$work/ca.pem" --output json >"$work/out.json"; then
		echo "bench: sysupdate failed:" >&2
		grep '"Error"' "$work/out.json" >&2
		return 1
	fi
	end=$(date +%s.%N)
	python3 - "$work/out.json" "$start" "$end" <<'PY'
import json, sys
s = [json.loads(l)["Data"] for l in open(sys.argv[1]) if '"SysUpdate.SyncSummary"' in l][-1]
print(s["Requests"], s["BytesFetched"], "%.3f" % (float(sys.argv[3]) - float(sys.argv[2])), s["Added"] + s["Updated"])
PY
}
row() { printf '%-46s %9s %14s %9s %8s\n' "$@"; }

read -r req bytes secs changed < <(sync_run "$url" "$work/live")
fill_live=("sysupdate, live listing, empty folder" "$req" "$bytes" "$secs" "$changed")
files=$(find "$work/live" -maxdepth 1 -type f | wc -l)
(cd "$work/live" && zip -q -r "$work/suite.zip" . -x '.sysupdate/*')
ctl "put?name=files/SysinternalsSuite.zip" --data-binary @"$work/suite.zip"
read -r req bytes secs changed < <(sync_run "${url}files/SysinternalsSuite.zip" "$work/suite")
fill_suite=("sysupdate, suite zip, empty folder" "$req" "$bytes" "$secs" "$changed")

row "scenario ($files files)" requests "bytes fetched" "wall s" changed
row "${fill_live[@]}"
row "${fill_suite[@]}"
read -r req bytes secs changed < <(sync_run "$url" "$work/live")
row "sysupdate, live listing, nothing changed" "$req" "$bytes" "$secs" "$changed"
read -r req bytes secs changed < <(sync_run "${url}files/SysinternalsSuite.zip" "$work/suite")
row "sysupdate, suite zip, nothing changed" "$req" "$bytes" "$secs" "$changed"

ctl "change?name=procexp.exe&name=Procmon.exe&name=Autoruns.exe"
read -r req bytes secs changed < <(sync_run "$url" "$work/live")
row "sysupdate, live listing, 3 files changed" "$req" "$bytes" "$secs" "$changed"
(cd "$work/live" && rm -f "$work/suite.zip" && zip -q -r "$work/suite.zip" . -x '.sysupdate/*')
ctl "put?name=files/SysinternalsSuite.zip" --data-binary @"$work/suite.zip"
read -r req bytes secs changed < <(sync_run "${url}files/SysinternalsSuite.zip" "$work/suite")
row "sysupdate, suite zip, 3 files changed" "$req" "$bytes" "$secs" "$changed"
read -r secs bytes < <(curl -sS --cacert "$work/ca.pem" -o /dev/null -w '%{time_total} %{size_download}\n' \
	"${url}files/SysinternalsSuite.zip")
row "curl, the whole suite zip" 1 "$bytes" "$secs" "-"
