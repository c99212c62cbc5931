package e2e

import (
	"crypto/tls"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

func TestTlsRegistryCommandsConcernWindowsOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("this pins the behaviour elsewhere than Windows")
	}
	for _, args := range [][]string{
		{"tls", "status"},
		{"tls", "enable", "--what-if"},
		{"tls", "restore", "--backup", "b.json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := testenv.Run(t, "", t.TempDir(), nil, args...)
			if res.ExitCode != 2 {
				t.Fatalf("exit %d, want 2: %s", res.ExitCode, res.Stdout)
			}
			rec := lastError(t, res)
			if rec["ErrorId"] != "WindowsOnly" || !strings.Contains(rec["Message"].(string), "Windows only") {
				t.Errorf("error record %v", rec)
			}
		})
	}
}

func TestTlsWithoutACommandIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"tls"}, {"tls", "frobnicate"}} {
		res := testenv.Run(t, "", "", nil, args...)
		if res.ExitCode != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, res.ExitCode, res.Stdout)
		}
	}
}

// probeServers are the three servers every probe test runs against.
var probeServers = []struct {
	name     string
	min, max uint16
	want     map[string]bool
}{
	{"TLS 1.0 to 1.1", tls.VersionTLS10, tls.VersionTLS11, map[string]bool{"Tls": true, "Tls11": true, "Tls12": false, "Tls13": false}},
	{"TLS 1.2 only", tls.VersionTLS12, tls.VersionTLS12, map[string]bool{"Tls": false, "Tls11": false, "Tls12": true, "Tls13": false}},
	{"TLS 1.2 to 1.3", tls.VersionTLS12, tls.VersionTLS13, map[string]bool{"Tls": false, "Tls11": false, "Tls12": true, "Tls13": true}},
}

func checkProbe(t *testing.T, res testenv.Result, want map[string]bool) map[string]any {
	t.Helper()
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	recs := only(parseRecords(t, res.Stdout), "Output")
	if len(recs) != 1 || recs[0].Type != "SysUpdate.TlsProbe" {
		t.Fatalf("want one SysUpdate.TlsProbe record: %s", res.Stdout)
	}
	d := recs[0].Data
	for field, accepted := range want {
		if d[field] != accepted {
			t.Errorf("%s = %v, want %v", field, d[field], accepted)
		}
	}
	if d["CipherSuite"] == "" || d["VerifiedWithCAFile"] != true || d["VerifiedWithSystemRoots"] != false {
		t.Errorf("cipher suite %v, verified with the CA file %v, with the system roots %v",
			d["CipherSuite"], d["VerifiedWithCAFile"], d["VerifiedWithSystemRoots"])
	}
	certs := d["Certificates"].([]any)
	if len(certs) == 0 || certs[0].(map[string]any)["Issuer"] != "CN=SysUpdate Test CA" {
		t.Errorf("certificates %v", certs)
	}
	return d
}

func TestTlsProbeReportsWhatLocalServersAccept(t *testing.T) {
	ca := testenv.NewCA(t)
	for _, s := range probeServers {
		t.Run(s.name, func(t *testing.T) {
			srv := testenv.TLSServer(t, ca, s.min, s.max, http.NotFoundHandler())
			res := testenv.Run(t, "", "", nil, "tls", "probe", "--uri", srv.URL, "--ca-file", ca.CertFile, "--timeout-sec", "10")
			d := checkProbe(t, res, s.want)
			if d["PowerShellOffers"] != nil && runtime.GOOS != "windows" {
				t.Errorf("PowerShellOffers %v outside Windows", d["PowerShellOffers"])
			}
			if !strings.Contains(d["Advice"].(string), "no Windows PowerShell") {
				t.Errorf("advice %q", d["Advice"])
			}
		})
	}
}

func TestTlsProbeUnderWineComparesWithWindowsPowerShell(t *testing.T) {
	ca := testenv.NewCA(t)
	for _, s := range probeServers {
		t.Run(s.name, func(t *testing.T) {
			srv := testenv.TLSServer(t, ca, s.min, s.max, http.NotFoundHandler())
			caFile := `Z:` + strings.ReplaceAll(ca.CertFile, "/", `\`)
			res := testenv.RunWineLegacy(t, "", "", nil, "tls", "probe", "--uri", srv.URL, "--ca-file", caFile)
			d := checkProbe(t, res, s.want)
			if d["PowerShellOffers"] == nil {
				t.Errorf("no PowerShellOffers on Windows")
			}
			if !strings.Contains(d["Advice"].(string), "Windows PowerShell here offers") {
				t.Errorf("advice %q", d["Advice"])
			}
		})
	}
}
