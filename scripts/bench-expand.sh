#!/usr/bin/env bash
# Benchmarks `sysupdate expand` against Info-ZIP unzip (and bsdtar where
# present) on the same archives, runs alternating, and prints the median of
# each and sysupdate's speed relative to each (2.00x = twice as fast):
#   small: 20,000 small files in 100 folders (Info-ZIP zip, deflated)
#   large: one 512 MiB file of random data (stored: it does not compress)
# The archives are made once and kept in build/bench-expand/ (or
# $SYSUPDATE_BENCH_DIR); extractions go to $SYSUPDATE_BENCH_OUT (default the
# same folder), which may be on another volume such as a tmpfs. On a busy
# virtual disk, file creation times swing by ten times from run to run
# whatever the tool; a tmpfs compares the tools' own costs.
# Usage: scripts/bench-expand.sh [rounds] (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

rounds=${1:-5}
bench=${SYSUPDATE_BENCH_DIR:-$PWD/build/bench-expand}
out_root=${SYSUPDATE_BENCH_OUT:-$bench}
mkdir -p "$bench" "$out_root"
bin=$bench/sysupdate
modern_go build -trimpath -o "$bin" ./cmd/sysupdate

for tool in zip unzip python3; do
	command -v "$tool" >/dev/null || { echo "bench-expand: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

if [ ! -f "$bench/small.zip" ]; then
	echo "making small.zip: 20,000 files" >&2
	rm -rf "$bench/small-src" && mkdir -p "$bench/small-src"
	python3 - "$bench/small-src" <<'EOF'
import os, random, sys
random.seed(1)
words = [b"alpha", b"beta", b"gamma", b"delta", b"sysinternals", b"zip", b"\x00\x01\x02", b"\n"]
for d in range(100):
    folder = os.path.join(sys.argv[1], "folder%03d" % d)
    os.makedirs(folder)
    for f in range(200):
        size = random.randint(100, 8000)
        data = b" ".join(random.choice(words) for _ in range(size // 6))[:size]
        with open(os.path.join(folder, "file%03d.dat" % f), "wb") as out:
            out.write(data)
EOF
	(cd "$bench/small-src" && zip -q -r "$bench/small.zip.tmp" .) && mv "$bench/small.zip.tmp" "$bench/small.zip"
	rm -rf "$bench/small-src"
fi
if [ ! -f "$bench/large.zip" ]; then
	echo "making large.zip: one 512 MiB file" >&2
	rm -rf "$bench/large-src" && mkdir -p "$bench/large-src"
	head -c 512M /dev/urandom >"$bench/large-src/large.bin"
	(cd "$bench/large-src" && zip -q -0 "$bench/large.zip.tmp" large.bin) && mv "$bench/large.zip.tmp" "$bench/large.zip"
	rm -rf "$bench/large-src"
fi

tools=(sysupdate unzip)
command -v bsdtar >/dev/null && tools+=(bsdtar)

# extract TOOL ARCHIVE OUT: one extraction into a fresh folder.
extract() {
	case $1 in
	# --output json: records go to a file, as the module reads them.
	sysupdate) "$bin" expand --path "$2" --destination-path "$3" --output json >"$bench/records.ndjson" ;;
	unzip) unzip -q "$2" -d "$3" ;;
	bsdtar) mkdir -p "$3" && bsdtar -xf "$2" -C "$3" ;;
	esac
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

for archive in small large; do
	declare -A times=()
	# Round 0 warms the page cache and is not counted.
	for ((r = 0; r <= rounds; r++)); do
		for tool in "${tools[@]}"; do
			out=$out_root/out-$tool
			rm -rf "$out"
			sync
			start=$(date +%s%N)
			extract "$tool" "$bench/$archive.zip" "$out"
			end=$(date +%s%N)
			[ "$r" -gt 0 ] && times[$tool]+="$(((end - start) / 1000000)) "
		done
	done
	# Every tool must have produced the same tree.
	for tool in "${tools[@]}"; do
		[ "$tool" = sysupdate ] && continue
		diff -r -q "$out_root/out-sysupdate" "$out_root/out-$tool" >/dev/null ||
			{ echo "bench-expand: $tool and sysupdate extracted different trees" >&2; exit 1; }
	done
	rm -rf "$out_root"/out-*
	own=$(tr ' ' '\n' <<<"${times[sysupdate]}" | grep . | median)
	printf '%-6s %-10s median %7s ms   (runs: %s)\n' "$archive" sysupdate "$own" "${times[sysupdate]% }"
	for tool in "${tools[@]}"; do
		[ "$tool" = sysupdate ] && continue
		m=$(tr ' ' '\n' <<<"${times[$tool]}" | grep . | median)
		ratio=$(awk -v a="$m" -v b="$own" 'BEGIN {printf "%.2f", a / b}')
		printf '%-6s %-10s median %7s ms   (runs: %s)   sysupdate is %sx its speed\n' \
			"$archive" "$tool" "$m" "${times[$tool]% }" "$ratio"
	done
	unset times
done
