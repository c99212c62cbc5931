# Shared by the scripts in this folder: which Go builds which flavour.
# Source it; it defines functions and changes nothing.

# legacy_go runs the go command of the legacy toolchain: Go 1.20.14 fetched
# through GOTOOLCHAIN where the module proxy serves it, else a Go 1.19 or
# 1.20 found on the machine (Debian's golang-1.19).
legacy_go() {
	if [ -z "${SYSUPDATE_LEGACY_GO:-}" ]; then
		if GOTOOLCHAIN=go1.20.14 go version >/dev/null 2>&1; then
			SYSUPDATE_LEGACY_GO="env GOTOOLCHAIN=go1.20.14 go"
		elif [ -x /usr/lib/go-1.19/bin/go ]; then
			SYSUPDATE_LEGACY_GO="env GOTOOLCHAIN=local /usr/lib/go-1.19/bin/go"
		else
			echo "no legacy Go toolchain: neither go1.20.14 through GOTOOLCHAIN nor /usr/lib/go-1.19 (apt-get install golang-1.19)" >&2
			return 1
		fi
		export SYSUPDATE_LEGACY_GO
	fi
	$SYSUPDATE_LEGACY_GO "$@"
}

# modern_go runs the machine's own go command.
modern_go() {
	GOTOOLCHAIN=local go "$@"
}

export GOFLAGS="-mod=vendor -buildvcs=false"
