#!/usr/bin/env bash
# The main job, offline: keeps a folder of Sysinternals tools current from a
# local stand-in for https://live.sysinternals.com/ (a generated tree of
# about 150 tools served over TLS on loopback, as IIS serves the real one).
# Installs what it needs, builds, then runs the update three times: the
# first fetches everything, the second finds nothing to do and makes one
# request, the third fetches exactly the three files changed on the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
. scripts/lib.sh
modern_go build -o build/fixture/sysinternals-server ./tests/fixtures/sysinternals-server

sysupdate=build/modern/linux-amd64/sysupdate
work=$(mktemp -d /tmp/sysupdate-demo.XXXXXX)
tools=$work/Sysinternals
build/fixture/sysinternals-server --ca-file "$work/ca.pem" --url-file "$work/url" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")

# show prints the records of a run as text: the files that changed (the
# first five when there are many), then the summary. Unchanged files and
# files left out on purpose (ARM64 programs on this x64 machine) have
# records too; they are counted, not shown.
show() {
	awk -v RS= -v ORS='\n\n' '
		/BytesFetched/ { summary = $0; next }
		/Action +: (Unchanged|Skipped)/ { next }
		{ if (++n <= 5) print; else more++ }
		END {
			if (more) printf "... and %d more files like these\n\n", more
			print summary
		}'
}

update() {
	echo "\$ sysupdate sysinternals --path $tools --source $url --ca-file $work/ca.pem"
	"$sysupdate" sysinternals --path "$tools" --source "$url" --ca-file "$work/ca.pem" --output text 2>/dev/null | show
}

echo "== 1. First run: the folder is empty, every tool is fetched"
update
echo "== 2. Second run: nothing changed on the server; one request, no file touched"
update
echo "== 3. The server publishes new versions of procexp.exe and Procmon.exe, and a new tool"
curl -fsS --cacert "$work/ca.pem" -X POST \
	"${url}_control/change?name=procexp.exe&name=Procmon.exe&name=NewTool.exe" >/dev/null
update
echo "The folder: $tools ($(ls "$tools" | wc -l) files)"
