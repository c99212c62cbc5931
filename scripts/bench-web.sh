#!/usr/bin/env bash
# Downloads the same 512 MiB file over loopback HTTPS with sysupdate and
# with curl, alternating, and prints the median times, the throughput
# ratio and sysupdate's peak resident memory.
#   scripts/bench-web.sh [rounds] [size-in-MiB]
# Targets: at least 0.9x curl's throughput, peak RSS under 64 MB.
# Files live in memory (/dev/shm) where it has room, so that disk
# write-back, the same for both tools but never at the same moment, does
# not drown the difference; set BENCH_DIR to measure on a disk instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

rounds=${1:-5}
size_mib=${2:-512}
for tool in curl /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-web: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

base=${BENCH_DIR:-}
if [ -z "$base" ]; then
	base=/tmp
	shm_free_mib=$(df -Pm /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
	[ "${shm_free_mib:-0}" -gt $((size_mib * 3)) ] && base=/dev/shm
fi
work=$(mktemp -d "$base/sysupdate-bench.XXXXXX")
server_pid=""
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

modern_go build -o "$work/sysupdate" ./cmd/sysupdate
modern_go build -o "$work/tlsfileserver" ./scripts/tlsfileserver
mkdir -p "$work/site" "$work/dl"
head -c $((size_mib << 20)) /dev/urandom >"$work/site/file.bin"

"$work/tlsfileserver" -dir "$work/site" -ca-out "$work/ca.pem" >"$work/url" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url="$(cat "$work/url")file.bin"
want=$(sha256sum <"$work/site/file.bin" | cut -d' ' -f1)

# run NAME COMMAND...: times one download, checks it, appends "seconds kB".
run() {
	local name=$1
	shift
	rm -f "$work/dl/file.bin"
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
	[ "$(sha256sum <"$work/dl/file.bin" | cut -d' ' -f1)" = "$want" ] || { echo "bench-web: $name downloaded wrong bytes" >&2; exit 1; }
	cat "$work/time" >>"$work/$name.times"
}

echo "bench-web: $rounds rounds of $size_mib MiB from $url into $work"
for i in $(seq "$rounds"); do
	run sysupdate "$work/sysupdate" web --uri "$url" --ca-file "$work/ca.pem" --out-file "$work/dl/file.bin" --output json
	run curl curl -sS --fail --cacert "$work/ca.pem" -o "$work/dl/file.bin" "$url"
	echo "  round $i: sysupdate $(tail -1 "$work/sysupdate.times" | cut -d' ' -f1) s, curl $(tail -1 "$work/curl.times" | cut -d' ' -f1) s"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
su_s=$(cut -d' ' -f1 "$work/sysupdate.times" | median)
curl_s=$(cut -d' ' -f1 "$work/curl.times" | median)
su_rss=$(cut -d' ' -f2 "$work/sysupdate.times" | sort -n | tail -1)
curl_rss=$(cut -d' ' -f2 "$work/curl.times" | sort -n | tail -1)
awk -v s="$su_s" -v c="$curl_s" -v mib="$size_mib" -v sr="$su_rss" -v cr="$curl_rss" 'BEGIN {
	mb = mib * 1048576 / 1e6
	printf "%-10s %10s %10s %14s\n", "tool", "median s", "MB/s", "peak RSS MB"
	printf "%-10s %10.2f %10.0f %14.1f\n", "sysupdate", s, mb / s, sr / 1024
	printf "%-10s %10.2f %10.0f %14.1f\n", "curl", c, mb / c, cr / 1024
	printf "throughput ratio sysupdate/curl: %.2fx (target >= 0.9x); sysupdate peak RSS %.1f MB (target < 64 MB)\n", c / s, sr / 1024
}'
