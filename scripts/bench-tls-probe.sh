#!/usr/bin/env bash
# Times 'sysupdate tls probe' (four handshakes, TLS 1.0 to 1.3, each on its
# own connection, plus chain verification) against the same four
# handshakes made with 'openssl s_client', on a local openssl s_server that
# accepts TLS 1.0 to 1.3. Prints milliseconds per probe side by side.
#   scripts/bench-tls-probe.sh [rounds]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

rounds=${1:-20}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

bin=${SYSUPDATE_BIN:-$work/sysupdate}
[ -x "$bin" ] || CGO_ENABLED=0 modern_go build -o "$bin" ./cmd/sysupdate

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# SECLEVEL=0 and -min_protocol TLSv1 let the server speak TLS 1.0 and 1.1,
# which OpenSSL 3 refuses by default.
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$work/cert.pem" -key "$work/key.pem" \
	-cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1 -naccept 1000000 >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
	openssl s_client -connect "127.0.0.1:$port" </dev/null >/dev/null 2>&1 && break
	sleep 0.1
done

# Check that both see the same versions before timing them.
"$bin" tls probe --uri "https://127.0.0.1:$port/" --ca-file "$work/cert.pem" --output json |
	python3 -c 'import json,sys; d=json.loads(sys.stdin.readline())["Data"]; print("sysupdate accepts:", *[k for k in ("Tls","Tls11","Tls12","Tls13") if d[k]])'

ossl_probe() {
	for v in -tls1 -tls1_1 -tls1_2 -tls1_3; do
		openssl s_client $v -cipher 'DEFAULT:@SECLEVEL=0' -CAfile "$work/cert.pem" -verify_return_error \
			-connect "127.0.0.1:$port" </dev/null >/dev/null 2>&1 || true
	done
}

ms() { # command... ; prints the mean milliseconds of one run over $rounds
	local start end
	start=$(date +%s%N)
	for _ in $(seq "$rounds"); do "$@" >/dev/null 2>&1 || true; done
	end=$(date +%s%N)
	echo $(((end - start) / rounds / 1000000))
}

s=$(ms "$bin" tls probe --uri "https://127.0.0.1:$port/" --ca-file "$work/cert.pem")
o=$(ms ossl_probe)
printf '%-44s %8s\n' "probe of TLS 1.0-1.3 on loopback ($rounds rounds)" "ms/probe"
printf '%-44s %8s\n' "sysupdate tls probe" "$s"
printf '%-44s %8s\n' "openssl s_client x4 (same versions)" "$o"
