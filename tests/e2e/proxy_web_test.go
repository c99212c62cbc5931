package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// The web command through a real Squid: the proxy package's Router wired
// into the HTTP client.

// greeting starts an HTTPS server on loopback that answers "through the
// proxy".
func greeting(t *testing.T) (*httptest.Server, *testenv.CA) {
	t.Helper()
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, 0, 0, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "through the proxy")
	}))
	return srv, ca
}

func webContent(t *testing.T, res testenv.Result) string {
	t.Helper()
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, r := range only(parseRecords(t, res.Stdout), "Output") {
		return fmt.Sprint(r.Data["Content"])
	}
	t.Fatalf("no output record: %s", res.Stdout)
	return ""
}

func TestWebThroughSquid(t *testing.T) {
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidBasicAuth, Users: map[string]string{"ivan": "Web-Proxy-Pw"}})
	srv, ca := greeting(t)

	t.Run("HTTPS tunnels through --proxy with ProxyCredential", func(t *testing.T) {
		req := fmt.Sprintf(`{"Uri":%q,"CaFile":%q,"Proxy":%q,"ProxyCredential":{"UserName":"ivan","Password":"Web-Proxy-Pw"}}`,
			srv.URL+"/hello", ca.CertFile, squid.URL)
		res := testenv.Run(t, req, "", proxyEnv(), "web", "--request", "-")
		if got := webContent(t, res); got != "through the proxy" {
			t.Errorf("Content %q", got)
		}
		squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), " ivan ")
		if strings.Contains(string(res.Stdout), "Web-Proxy-Pw") {
			t.Errorf("the password was printed: %s", res.Stdout)
		}
	})
	t.Run("plain HTTP goes through the proxy with Basic from ProxyCredential", func(t *testing.T) {
		page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "plain through the proxy")
		}))
		defer page.Close()
		req := fmt.Sprintf(`{"Uri":%q,"Proxy":%q,"ProxyCredential":{"UserName":"ivan","Password":"Web-Proxy-Pw"}}`,
			page.URL+"/plain", squid.URL)
		res := testenv.Run(t, req, "", proxyEnv(), "web", "--request", "-")
		if got := webContent(t, res); got != "plain through the proxy" {
			t.Errorf("Content %q", got)
		}
		squid.WaitAccess(t, "GET "+page.URL+"/plain", " ivan ")
		if strings.Contains(string(res.Stdout), "Web-Proxy-Pw") {
			t.Errorf("the password was printed: %s", res.Stdout)
		}
	})
	t.Run("a 407 without credentials exits 3 naming the proxy", func(t *testing.T) {
		res := testenv.Run(t, "", "", proxyEnv(), "web", "--uri", srv.URL, "--ca-file", ca.CertFile, "--proxy", squid.URL)
		rec := lastError(t, res)
		if res.ExitCode != 3 || rec["ErrorId"] != "ProxyAuthenticationRequired" || !strings.Contains(fmt.Sprint(rec["Message"]), squid.URL) {
			t.Errorf("exit %d, %v; want exit 3, ProxyAuthenticationRequired naming %s", res.ExitCode, rec, squid.URL)
		}
	})
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	for _, uri := range []string{srv.URL, plain.URL} {
		t.Run("a dead proxy exits 3 naming it, "+uri[:strings.Index(uri, ":")], func(t *testing.T) {
			dead := "http://" + testenv.DeadAddr(t)
			res := testenv.Run(t, "", "", proxyEnv(), "web", "--uri", uri, "--ca-file", ca.CertFile, "--proxy", dead)
			rec := lastError(t, res)
			if res.ExitCode != 3 || rec["ErrorId"] != "ProxyUnreachable" || !strings.Contains(fmt.Sprint(rec["Message"]), dead) {
				t.Errorf("exit %d, %v; want exit 3, ProxyUnreachable naming %s", res.ExitCode, rec, dead)
			}
		})
	}
}

func TestWebThroughSquidUnderWine(t *testing.T) {
	squid := testenv.StartSquid(t, testenv.SquidConfig{})
	srv, ca := greeting(t)
	winPath := func(p string) string { return "Z:" + strings.ReplaceAll(p, "/", `\`) }
	env := testenv.PrivateWinePrefix(t)
	testenv.SetWinHTTPProxy(t, env, "", "")

	t.Run("the IE proxy", func(t *testing.T) {
		testenv.SetIEProxy(t, env, testenv.IEProxySettings{ProxyServer: squid.Addr, Bypass: "<-loopback>"})
		res := testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "web", "--uri", srv.URL+"/ie", "--ca-file", winPath(ca.CertFile))
		if got := webContent(t, res); got != "through the proxy" {
			t.Errorf("Content %q", got)
		}
		squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String())
	})
	t.Run("a PAC list past a dead proxy", func(t *testing.T) {
		script := fmt.Sprintf(`function FindProxyForURL(url, host) { return "PROXY %s; PROXY %s"; }`, testenv.DeadAddr(t), squid.Addr)
		pac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, script) }))
		defer pac.Close()
		testenv.SetIEProxy(t, env, testenv.IEProxySettings{AutoConfigURL: pac.URL + "/proxy.pac"})
		res := testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "web", "--uri", srv.URL+"/pac", "--ca-file", winPath(ca.CertFile))
		if got := webContent(t, res); got != "through the proxy" {
			t.Errorf("Content %q", got)
		}
		squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String())
	})
}
