#!/usr/bin/env bash
# Builds every binary flavour into build/ without the network (vendor/):
#   build/modern/<os>-<arch>/sysupdate[.exe]   the machine's Go
#   build/legacy/windows-<arch>/sysupdate.exe  Go 1.20 (Windows 7 to 2012 R2)
# and checks that the code still compiles with Go 1.19.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

version=${SYSUPDATE_VERSION:-$(git describe --tags --always 2>/dev/null || echo 0.1.0-dev)}
ldflags="-s -w -X main.buildVersion=$version"
export GOPROXY=off CGO_ENABLED=0

build() { # flavour goos goarch
	local ext="" dir="build/$1/$2-$3"
	[ "$2" = windows ] && ext=.exe
	mkdir -p "$dir"
	if [ "$1" = legacy ]; then
		GOOS=$2 GOARCH=$3 legacy_go build -trimpath -ldflags "$ldflags" -o "$dir/sysupdate$ext" ./cmd/sysupdate
	else
		GOOS=$2 GOARCH=$3 modern_go build -trimpath -ldflags "$ldflags" -o "$dir/sysupdate$ext" ./cmd/sysupdate
	fi
	echo "built $dir/sysupdate$ext"
}

build modern linux amd64
build modern windows amd64
build modern windows arm64
build modern darwin arm64
build legacy windows amd64
build legacy windows 386

# The floor of the legacy flavour: every package must compile with Go 1.19.
if GOTOOLCHAIN=go1.19.13 go version >/dev/null 2>&1; then
	GOTOOLCHAIN=go1.19.13 go vet ./... && echo "compiles and vets with go1.19.13"
	GOOS=windows GOTOOLCHAIN=go1.19.13 go build ./... && echo "windows build compiles with go1.19.13"
elif [ -x /usr/lib/go-1.19/bin/go ]; then
	GOTOOLCHAIN=local /usr/lib/go-1.19/bin/go vet ./... && echo "compiles and vets with Debian's go 1.19"
else
	echo "warning: no Go 1.19 here to check the legacy floor" >&2
fi
