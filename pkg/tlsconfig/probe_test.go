package tlsconfig

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/bridge"
)

var notWindows = LocalOffers{Why: "this is not Windows, so there is no Windows PowerShell to compare with"}

func TestProbeReportsEachVersionTheServerAccepts(t *testing.T) {
	ca := testenv.NewCA(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	cases := []struct {
		name     string
		min, max uint16
		want     [4]bool
		best     string
		advice   string
	}{
		{"TLS 1.0 to 1.1", tls.VersionTLS10, tls.VersionTLS11, [4]bool{true, true, false, false}, Tls11,
			"This server accepts TLS 1.0 to TLS 1.1;"},
		{"TLS 1.2 only", tls.VersionTLS12, tls.VersionTLS12, [4]bool{false, false, true, false}, Tls12,
			"This server accepts only TLS 1.2;"},
		{"TLS 1.2 to 1.3", tls.VersionTLS12, tls.VersionTLS13, [4]bool{false, false, true, true}, Tls13,
			"This server accepts only TLS 1.2 and later;"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testenv.TLSServer(t, ca, tc.min, tc.max, ok)
			res, err := Probe(context.Background(), &ProbeOptions{Uri: srv.URL, CAFile: ca.CertFile, TimeoutSec: 10}, notWindows)
			if err != nil {
				t.Fatal(err)
			}
			got := [4]bool{res.Tls, res.Tls11, res.Tls12, res.Tls13}
			if got != tc.want {
				t.Errorf("Tls, Tls11, Tls12, Tls13 = %v, want %v; attempts %+v", got, tc.want, res.Attempts)
			}
			if res.BestProtocol != tc.best || res.CipherSuite == "" {
				t.Errorf("best %q with cipher suite %q, want %q", res.BestProtocol, res.CipherSuite, tc.best)
			}
			if len(res.Certificates) != 2 || res.Certificates[0].Subject != "CN=localhost" ||
				res.Certificates[0].Issuer != "CN=SysUpdate Test CA" || res.Certificates[0].NotAfter == "" {
				t.Errorf("certificates %+v", res.Certificates)
			}
			if res.VerifiedWithSystemRoots || res.SystemRootsError == "" {
				t.Errorf("the private test CA verified with the system roots")
			}
			if res.VerifiedWithCAFile == nil || !*res.VerifiedWithCAFile {
				t.Errorf("not verified with --ca-file: %s", res.CAFileError)
			}
			if !strings.HasPrefix(res.Advice, tc.advice) || !strings.Contains(res.Advice, "not Windows") {
				t.Errorf("advice %q", res.Advice)
			}
		})
	}
}

func TestProbeOfAClosedPortIsANetworkError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = Probe(context.Background(), &ProbeOptions{Uri: "https://" + addr + "/"}, notWindows)
	if bridge.ExitCode(err) != bridge.ExitNetwork || bridge.AsError(err).ID != "ConnectFailed" {
		t.Fatalf("error %v (exit %d)", err, bridge.ExitCode(err))
	}
}

func TestProbeRefusesAnythingButHTTPS(t *testing.T) {
	for _, uri := range []string{"", "http://127.0.0.1/", "https://"} {
		_, err := Probe(context.Background(), &ProbeOptions{Uri: uri}, notWindows)
		if bridge.ExitCode(err) != bridge.ExitUsage {
			t.Errorf("%q: error %v (exit %d)", uri, err, bridge.ExitCode(err))
		}
	}
}

func TestAdviceComparesWithWindowsPowerShell(t *testing.T) {
	attempts := func(accepted ...string) *ProbeResult {
		r := &ProbeResult{}
		for _, p := range Protocols {
			r.Attempts = append(r.Attempts, ProbeAttempt{Protocol: p, Accepted: contains(accepted, p)})
		}
		return r
	}
	local := func(ver WindowsVersion, vals Values) LocalOffers {
		return LocalOffers{Known: true, Verdict: Evaluate(ver, vals)[0]}
	}
	tls12Off := merge(withNet48(), Values{{ViewNative, SchannelClientKey(Tls12), ValueEnabled}: 0})
	cases := []struct {
		name   string
		res    *ProbeResult
		local  LocalOffers
		advice string
	}{
		{"modern server, fresh Windows 7", attempts(Tls12, Tls13), local(win7, withNet48()),
			"This server accepts only TLS 1.2 and later; Windows PowerShell here offers TLS 1.0 at most until SchUseStrongCrypto is set ('sysupdate tls enable' sets it)."},
		{"modern server, Windows 10 1809", attempts(Tls12, Tls13), local(win1809, withNet48()),
			"This server accepts only TLS 1.2 and later; Windows PowerShell here offers TLS 1.0, TLS 1.1 and TLS 1.2, so they agree on TLS 1.2."},
		{"old server, fresh Windows 7", attempts(Tls, Tls11), local(win7, withNet48()),
			"This server accepts TLS 1.0 to TLS 1.1; Windows PowerShell here offers TLS 1.0, so they agree on TLS 1.0."},
		{"TLS 1.2 disabled in SCHANNEL", attempts(Tls12), local(win1809, tls12Off),
			"This server accepts only TLS 1.2; Windows PowerShell here offers TLS 1.1 at most, and the TLS 1.2 client is disabled in SCHANNEL"},
		{"TLS 1.3 only, Windows 10 1809", attempts(Tls13), local(win1809, withNet48()),
			"This server accepts only TLS 1.3; Windows PowerShell here offers TLS 1.2 at most, so it cannot connect; use sysupdate for this server."},
		{"nothing accepted", attempts(), notWindows, "This server accepted none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Advice(tc.res, tc.local); !strings.HasPrefix(got, tc.advice) {
				t.Errorf("advice\n got %q\nwant %q", got, tc.advice)
			}
		})
	}
}
