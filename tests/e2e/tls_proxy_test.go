package e2e

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// TestTlsProbeGoesThroughTheProxy probes a server that can be reached only
// as a proxy route would reach it: every version is tried on its own
// tunnel through a real Squid that demands Basic credentials.
func TestTlsProbeGoesThroughTheProxy(t *testing.T) {
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidBasicAuth,
		Users: map[string]string{"quinn": "Probe-Proxy-Pw"}})
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.NotFoundHandler())

	req := fmt.Sprintf(`{"Uri":%q,"CAFile":%q,"Proxy":%q,"ProxyCredential":{"UserName":"quinn","Password":"Probe-Proxy-Pw"}}`,
		srv.URL, ca.CertFile, squid.URL)
	res := testenv.Run(t, req, "", proxyEnv(), "tls", "probe", "--request", "-")
	checkProbe(t, res, map[string]bool{"Tls": false, "Tls11": false, "Tls12": true, "Tls13": true})
	squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), " quinn ")
	if strings.Contains(string(res.Stdout), "Probe-Proxy-Pw") {
		t.Errorf("the password was printed: %s", res.Stdout)
	}

	res = testenv.Run(t, "", "", proxyEnv(), "tls", "probe", "--uri", srv.URL, "--proxy", squid.URL)
	if rec := lastError(t, res); res.ExitCode != 3 || rec["ErrorId"] != "ProxyAuthenticationRequired" {
		t.Errorf("without credentials: exit %d, %v; want exit 3, ProxyAuthenticationRequired", res.ExitCode, rec)
	}
}
