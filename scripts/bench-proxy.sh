#!/usr/bin/env bash
# Measures opening a CONNECT tunnel through a local Squid (with Basic
# authentication, answered after the 407) with `sysupdate proxy
# --test-connection`, side by side with curl through the same tunnel (-p;
# curl also sends one small GET over it, so its figure includes that
# request). Each figure is a whole process run, start-up included,
# averaged over N runs (default 50):
#   scripts/bench-proxy.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
runs=${1:-50}

work=$(mktemp -d /tmp/sysupdate-bench-proxy.XXXXXX)
chmod 777 "$work"
squid_pid=""
target_pid=""
cleanup() {
	[ -n "$squid_pid" ] && kill "$squid_pid" 2>/dev/null && wait "$squid_pid" 2>/dev/null || true
	[ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
squid_port=$(free_port)
target_port=$(free_port)

modern_go build -o "$work/sysupdate" ./cmd/sysupdate
printf 'bench:%s\n' "$(openssl passwd -apr1 bench-pw)" >"$work/htpasswd"
cat >"$work/squid.conf" <<CONF
http_port 127.0.0.1:$squid_port
pid_filename $work/squid.pid
access_log none
cache_log $work/cache.log
cache deny all
dns_nameservers 127.0.0.1
pinger_enable off
icp_port 0
htcp_port 0
netdb_filename none
shutdown_lifetime 0 seconds
cache_effective_user proxy
auth_param basic program /usr/lib/squid/basic_ncsa_auth $work/htpasswd
auth_param basic children 2
acl authenticated proxy_auth REQUIRED
http_access allow authenticated
http_access deny all
CONF
squid -N -f "$work/squid.conf" -n "bench$squid_port" >"$work/squid.out" 2>&1 &
squid_pid=$!
python3 -m http.server "$target_port" --bind 127.0.0.1 >/dev/null 2>&1 &
target_pid=$!
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$target_port/" && curl -s -o /dev/null "http://127.0.0.1:$squid_port/" && break
	sleep 0.1
done

request="{\"Uri\":\"https://127.0.0.1:$target_port/\",\"Proxy\":\"http://127.0.0.1:$squid_port\",\"TestConnection\":true,\"ProxyCredential\":{\"UserName\":\"bench\",\"Password\":\"bench-pw\"}}"
"$work/sysupdate" proxy --request - <<<"$request" | grep -q '"Connected":true' || { echo "sysupdate could not open the tunnel" >&2; exit 1; }
curl -s -o /dev/null -p -x "http://bench:bench-pw@127.0.0.1:$squid_port" "http://127.0.0.1:$target_port/" || { echo "curl could not open the tunnel" >&2; exit 1; }

time_runs() { # command...
	local start end
	start=$(date +%s%N)
	for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 </dev/null; done
	end=$(date +%s%N)
	echo $(((end - start) / runs / 1000))
}
sysupdate_run() { "$work/sysupdate" proxy --request - <<<"$request"; }
curl_run() { curl -s -o /dev/null -p -x "http://bench:bench-pw@127.0.0.1:$squid_port" "http://127.0.0.1:$target_port/"; }

su_us=$(time_runs sysupdate_run)
curl_us=$(time_runs curl_run)
printf '%-44s %10s\n' "CONNECT tunnel through Squid, Basic auth" "us per run"
printf '%-44s %10d\n' "sysupdate proxy --test-connection" "$su_us"
printf '%-44s %10d\n' "curl -p -x ... (tunnel and one GET)" "$curl_us"
