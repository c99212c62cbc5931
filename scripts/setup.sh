#!/usr/bin/env bash
# Installs what building and testing SysUpdate needs on a fresh Debian
# machine: the Debian packages the tests run against (Wine for the Windows
# build, Squid for proxy tests, real archivers for archive tests) and the
# legacy Go toolchain. Safe to run again; it skips what is already there.
set -euo pipefail

packages=(wine64 squid p7zip-full libarchive-tools zip unzip curl python3 ca-certificates openssl procps time locales)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The legacy flavour needs Go 1.20 (Windows 7 to 2012 R2). Where the module
# proxy serves it, the go command fetches it; on machines without the proxy,
# Debian's Go 1.19 is used instead (see scripts/lib.sh).
. "$(dirname "$0")/lib.sh"
if ! legacy_go version 2>/dev/null; then
	echo "setup: no Go 1.20 from the module proxy; installing Debian's golang-1.19"
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq golang-1.19 >/dev/null
	legacy_go version
fi
