#!/usr/bin/env bash
# The main job, offline: builds sysupdate and shows it at work against a
# local HTTPS server on loopback (a private CA, nothing leaves the machine):
# a download with progress, then a page read into a response record.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
. scripts/lib.sh

sysupdate=build/modern/linux-amd64/sysupdate
modern_go build -o build/tlsfileserver ./scripts/tlsfileserver
$sysupdate version --output text

work=$(mktemp -d /tmp/sysupdate-demo.XXXXXX)
server_pid=""
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The site: a large file to download and a small page to read.
mkdir -p "$work/site" "$work/downloads"
head -c $((256 << 20)) /dev/urandom >"$work/site/tools.bin"
cat >"$work/site/index.html" <<'HTML'
<html><head><title>SysUpdate demo</title></head><body>
<a href="tools.bin">the tools</a> <img src="logo.png" alt="logo">
<form><input type="text" name="q" value="search"></form>
</body></html>
HTML

build/tlsfileserver -dir "$work/site" -ca-out "$work/ca.pem" >"$work/url" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")
echo
echo "== download $url""tools.bin (256 MiB) over TLS, trusting the demo CA with --ca-file"
$sysupdate web --uri "${url}tools.bin" --ca-file "$work/ca.pem" \
	--out-file "$work/downloads/tools.bin" --verbose --output text
if cmp -s "$work/site/tools.bin" "$work/downloads/tools.bin"; then
	echo "downloaded file is identical: $(sha256sum <"$work/downloads/tools.bin" | cut -c1-16)..."
else
	echo "demo: the downloaded file differs" >&2
	exit 1
fi
echo
echo "== read ${url} into a response record"
$sysupdate web --uri "$url" --ca-file "$work/ca.pem" --output text
