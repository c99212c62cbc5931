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

// NTLM through the web command, against Squid's fake NTLM helper (which
// accepts any user and logs the name): as a forward proxy for plain HTTP,
// and as a reverse proxy standing for a web server that answers 401.

func TestWebAnswersAProxysNTLMChallengeOnPlainHTTP(t *testing.T) {
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidNTLMAuth})
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "plain page behind an NTLM proxy")
	}))
	defer page.Close()

	req := fmt.Sprintf(`{"Uri":%q,"Proxy":%q,"ProxyCredential":{"UserName":"CORP\\olga","Password":"Ntlm-Pw"}}`,
		page.URL+"/ntlm", squid.URL)
	res := testenv.Run(t, req, "", proxyEnv(), "web", "--request", "-")
	if got := webContent(t, res); got != "plain page behind an NTLM proxy" {
		t.Errorf("Content %q", got)
	}
	line := squid.WaitAccess(t, "GET "+page.URL+"/ntlm", "/200 ")
	if !strings.Contains(strings.ToLower(line), "olga") {
		t.Errorf("Squid did not log the NTLM user: %s", line)
	}

	res = testenv.Run(t, "", "", proxyEnv(), "web", "--uri", page.URL+"/ntlm", "--proxy", squid.URL)
	if rec := lastError(t, res); res.ExitCode != 3 || rec["ErrorId"] != "ProxyAuthenticationRequired" {
		t.Errorf("without credentials: exit %d, %v; want exit 3, ProxyAuthenticationRequired", res.ExitCode, rec)
	}
}

func TestWebAnswersAServersNTLMChallenge(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "the intranet page")
	}))
	defer origin.Close()
	site := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidNTLMAuth,
		Origin: strings.TrimPrefix(origin.URL, "http://")})

	req := fmt.Sprintf(`{"Uri":%q,"NoProxy":true,"AllowUnencryptedAuthentication":true,
		"Credential":{"UserName":"CORP\\pavel","Password":"Server-Pw"}}`, site.URL+"/intranet")
	res := testenv.Run(t, req, "", proxyEnv(), "web", "--request", "-")
	if got := webContent(t, res); got != "the intranet page" {
		t.Errorf("Content %q", got)
	}
	if line := site.WaitAccess(t, "/intranet", "/200 "); !strings.Contains(strings.ToLower(line), "pavel") {
		t.Errorf("the server did not log the NTLM user: %s", line)
	}
	if strings.Contains(string(res.Stdout), "Server-Pw") {
		t.Errorf("the password was printed: %s", res.Stdout)
	}

	res = testenv.Run(t, "", "", proxyEnv(), "web", "--uri", site.URL+"/intranet", "--no-proxy")
	if rec := lastError(t, res); res.ExitCode != 4 || rec["Details"].(map[string]any)["StatusCode"] != float64(401) {
		t.Errorf("without credentials: exit %d, %v; want exit 4 with StatusCode 401", res.ExitCode, rec)
	}
}
