package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// decision runs `proxy --uri` and returns its one SysUpdate.ProxyDecision
// record.
func decision(t *testing.T, res testenv.Result) map[string]any {
	t.Helper()
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	out := only(parseRecords(t, res.Stdout), "Output")
	if len(out) != 1 || out[0].Type != "SysUpdate.ProxyDecision" {
		t.Fatalf("want one SysUpdate.ProxyDecision record, got %s", res.Stdout)
	}
	return out[0].Data
}

// proxyEnv clears every proxy variable the test runner may have, then sets
// the given ones. A variable that is set is not cleared in the other case:
// Windows names are case-insensitive, so under Wine the later of
// HTTPS_PROXY and https_proxy would win.
func proxyEnv(set ...string) []string {
	var env []string
	for _, name := range []string{"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"} {
		given := false
		for _, kv := range set {
			if strings.HasPrefix(strings.ToUpper(kv), name+"=") {
				given = true
			}
		}
		if !given {
			env = append(env, name+"=", strings.ToLower(name)+"=")
		}
	}
	return append(env, set...)
}

func TestProxyCommandExplainsTheDecision(t *testing.T) {
	cases := []struct {
		name   string
		stdin  string
		env    []string
		args   []string
		proxy  string
		source string
		rule   string
		auth   string
	}{
		{"direct when nothing is set", "", proxyEnv(), []string{"--uri", "https://updates.example/"},
			"", "direct", "", "None"},
		{"HTTPS_PROXY", "", proxyEnv("HTTPS_PROXY=http://envproxy.example:3128"), []string{"--uri", "https://updates.example/"},
			"http://envproxy.example:3128", "environment", "", "None"},
		{"NO_PROXY bypass names its rule", "", proxyEnv("HTTPS_PROXY=envproxy.example:3128", "NO_PROXY=.corp.example"),
			[]string{"--uri", "https://build.corp.example/"}, "", "environment", ".corp.example", "None"},
		{"--proxy beats the environment", "", proxyEnv("HTTPS_PROXY=envproxy.example:3128"),
			[]string{"--uri", "https://updates.example/", "--proxy", "http://flag.example:8080"},
			"http://flag.example:8080", "explicit", "", "None"},
		{"--no-proxy beats the environment", "", proxyEnv("HTTPS_PROXY=envproxy.example:3128"),
			[]string{"--uri", "https://updates.example/", "--no-proxy"}, "", "explicit", "", "None"},
		{"Proxy and ProxyCredential from the request", `{"Uri":"https://updates.example/","Proxy":"req.example:8080","ProxyCredential":{"UserName":"u","Password":"p"}}`,
			proxyEnv(), []string{"--request", "-"}, "http://req.example:8080", "explicit", "", "Credential"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := decision(t, testenv.Run(t, tc.stdin, "", tc.env, append([]string{"proxy"}, tc.args...)...))
			if d["Proxy"] != tc.proxy || d["Source"] != tc.source || d["BypassRule"] != tc.rule || d["Authentication"] != tc.auth {
				t.Errorf("decision %v; want Proxy %q, Source %s, BypassRule %q, Authentication %s",
					d, tc.proxy, tc.source, tc.rule, tc.auth)
			}
		})
	}
}

func TestProxyCommandNeverPrintsCredentials(t *testing.T) {
	const secret = "Pr0xy-Secret-77"
	for _, tc := range []struct {
		name  string
		stdin string
		env   []string
		args  []string
	}{
		{"user info in --proxy", "", proxyEnv(), []string{"--uri", "https://a.example/", "--proxy", "http://alice:" + secret + "@p.example:8080", "--verbose"}},
		{"user info in HTTPS_PROXY", "", proxyEnv("HTTPS_PROXY=http://alice:" + secret + "@p.example:8080"), []string{"--uri", "https://a.example/", "--verbose"}},
		{"ProxyCredential", `{"Uri":"https://a.example/","Proxy":"p.example:1","ProxyCredential":{"UserName":"alice","Password":"` + secret + `"}}`,
			proxyEnv(), []string{"--request", "-", "--verbose"}},
		{"a bad proxy URL with a password", "", proxyEnv(), []string{"--uri", "https://a.example/", "--proxy", "http://alice:" + secret + "@bad host:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := testenv.Run(t, tc.stdin, "", tc.env, append([]string{"proxy"}, tc.args...)...)
			if strings.Contains(string(res.Stdout)+string(res.Stderr), secret) {
				t.Errorf("the password was printed (exit %d): %s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			parseRecords(t, res.Stdout)
		})
	}
}

func TestProxyCommandUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		id   string
	}{
		{"no --uri", []string{}, "MissingUri"},
		{"relative --uri", []string{"--uri", "/path"}, "BadUri"},
		{"SOCKS proxy", []string{"--uri", "https://a.example/", "--proxy", "socks5://s:1080"}, "BadProxySetting"},
		{"--proxy with --no-proxy", []string{"--uri", "https://a.example/", "--proxy", "p:1", "--no-proxy"}, "ProxyConflict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := testenv.Run(t, "", "", proxyEnv(), append([]string{"proxy"}, tc.args...)...)
			if res.ExitCode != 2 {
				t.Fatalf("exit %d, want 2: %s", res.ExitCode, res.Stdout)
			}
			if rec := lastError(t, res); rec["ErrorId"] != tc.id {
				t.Errorf("ErrorId %v, want %s", rec["ErrorId"], tc.id)
			}
		})
	}
}

// The Windows settings, read by the legacy Windows build under Wine. Each
// test writes the settings it needs into a private copy of the prefix, so
// tests of other packages never see them; they run one after another.

func TestWindowsIEProxySettingsUnderWine(t *testing.T) {
	env := testenv.PrivateWinePrefix(t)
	testenv.SetWinHTTPProxy(t, env, "", "")
	testenv.SetIEProxy(t, env, testenv.IEProxySettings{
		ProxyServer: "proxy.corp.example:8080",
		Bypass:      "<local>;*.corp.example;10.*",
	})
	cases := []struct {
		uri, proxy, rule string
	}{
		{"https://updates.example.com/file.zip", "http://proxy.corp.example:8080", ""},
		{"https://build.corp.example/", "", "*.corp.example"},
		{"https://intranet/", "", "<local>"},
		{"http://10.20.30.40/", "", "10.*"},
		{"https://127.0.0.1:8443/", "", "<loopback>"},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			d := decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", tc.uri))
			if d["Proxy"] != tc.proxy || d["Source"] != "ie" || d["BypassRule"] != tc.rule {
				t.Errorf("decision %v; want Proxy %q from ie, BypassRule %q", d, tc.proxy, tc.rule)
			}
		})
	}
	t.Run("per-scheme proxies", func(t *testing.T) {
		testenv.SetIEProxy(t, env, testenv.IEProxySettings{ProxyServer: "http=plain.corp.example:80;https=secure.corp.example:8443"})
		d := decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://a.example/"))
		if d["Proxy"] != "http://secure.corp.example:8443" || d["Source"] != "ie" {
			t.Errorf("https decision %v; want the https= entry from ie", d)
		}
		d = decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "http://a.example/"))
		if d["Proxy"] != "http://plain.corp.example:80" {
			t.Errorf("http decision %v; want the http= entry", d)
		}
	})
	t.Run("the environment beats the system settings", func(t *testing.T) {
		d := decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv("HTTPS_PROXY=http://env.example:3128")...),
			"proxy", "--uri", "https://a.example/"))
		if d["Proxy"] != "http://env.example:3128" || d["Source"] != "environment" {
			t.Errorf("decision %v; want the environment's proxy", d)
		}
	})
}

func TestWindowsWinHTTPDefaultUnderWine(t *testing.T) {
	env := testenv.PrivateWinePrefix(t)
	testenv.SetIEProxy(t, env, testenv.IEProxySettings{})
	testenv.SetWinHTTPProxy(t, env, "winhttp.corp.example:3128", "*.wh.example")
	t.Cleanup(func() { testenv.SetWinHTTPProxy(t, env, "", "") })

	d := decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://a.example/"))
	if d["Proxy"] != "http://winhttp.corp.example:3128" || d["Source"] != "winhttp" {
		t.Errorf("decision %v; want the WinHTTP default", d)
	}
	d = decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://files.wh.example/"))
	if d["Proxy"] != "" || d["Source"] != "winhttp" || d["BypassRule"] != "*.wh.example" {
		t.Errorf("decision %v; want direct by the WinHTTP bypass list", d)
	}
}

func TestWindowsPACScriptUnderWine(t *testing.T) {
	env := testenv.PrivateWinePrefix(t)
	const script = `function FindProxyForURL(url, host) {
  if (shExpMatch(host, "*.direct.example")) return "DIRECT";
  return "PROXY first.pac.example:8080; PROXY second.pac.example:8080; DIRECT";
}`
	fetched := 0
	pac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched++
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
		fmt.Fprint(w, script)
	}))
	defer pac.Close()
	testenv.SetWinHTTPProxy(t, env, "", "")
	testenv.SetIEProxy(t, env, testenv.IEProxySettings{AutoConfigURL: pac.URL + "/proxy.pac", ProxyServer: "static.corp.example:8080"})
	t.Cleanup(func() { testenv.SetIEProxy(t, env, testenv.IEProxySettings{}) })

	d := decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://a.example/"))
	if d["Source"] != "pac" || d["PacUrl"] != pac.URL+"/proxy.pac" || d["Proxy"] != "http://first.pac.example:8080" {
		t.Errorf("decision %v; want the script's first proxy, source pac, and the script's URL", d)
	}
	// Every entry of the answer is kept, in order: jsproxy.dll gives the
	// answer whole (Wine's WinHTTP would keep only the first entry).
	if proxies := fmt.Sprint(d["Proxies"]); proxies != "[http://first.pac.example:8080 http://second.pac.example:8080 DIRECT]" {
		t.Errorf("Proxies %s; want the script's three entries in order", proxies)
	}
	if d["PacResult"] != "PROXY first.pac.example:8080; PROXY second.pac.example:8080; DIRECT" {
		t.Errorf("PacResult %v; want the script's answer", d["PacResult"])
	}
	d = decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://x.direct.example/"))
	if d["Source"] != "pac" || d["Proxy"] != "" {
		t.Errorf("decision %v; want DIRECT from the script", d)
	}
	if fetched == 0 {
		t.Error("the script was never fetched")
	}

	t.Run("an unreachable script falls back to the static proxy with a warning", func(t *testing.T) {
		testenv.SetIEProxy(t, env, testenv.IEProxySettings{AutoConfigURL: "http://" + testenv.DeadAddr(t) + "/proxy.pac",
			ProxyServer: "static.corp.example:8080"})
		res := testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://a.example/")
		d := decision(t, res)
		if d["Source"] != "ie" || d["Proxy"] != "http://static.corp.example:8080" {
			t.Errorf("decision %v; want the static IE proxy", d)
		}
		if w := only(parseRecords(t, res.Stdout), "Warning"); len(w) != 1 || !strings.Contains(fmt.Sprint(w[0].Data["Message"]), "auto-config") {
			t.Errorf("want one warning about the script, got %s", res.Stdout)
		}
	})
}

// target starts a loopback server to open routes to; --test-connection
// only needs something listening.
func target(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProxyCommandTestsTheConnection(t *testing.T) {
	const password = "Squid-Basic-Pw9"
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidBasicAuth, Users: map[string]string{"frank": password}})
	srv := target(t)
	uri := "https://" + srv.Listener.Addr().String() + "/"

	t.Run("through the proxy with ProxyCredential", func(t *testing.T) {
		req := fmt.Sprintf(`{"Uri":%q,"Proxy":%q,"TestConnection":true,"ProxyCredential":{"UserName":"frank","Password":%q}}`,
			uri, squid.URL, password)
		res := testenv.Run(t, req, "", proxyEnv(), "proxy", "--request", "-", "--verbose")
		d := decision(t, res)
		if d["Connected"] != true || d["ConnectedVia"] != squid.URL {
			t.Errorf("decision %v; want connected via %s", d, squid.URL)
		}
		squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), " frank ")
		if strings.Contains(string(res.Stdout), password) {
			t.Errorf("the password was printed: %s", res.Stdout)
		}
	})
	t.Run("407 without credentials exits 3 naming the proxy and Basic", func(t *testing.T) {
		res := testenv.Run(t, "", "", proxyEnv(), "proxy", "--uri", uri, "--proxy", squid.URL, "--test-connection")
		rec := lastError(t, res)
		msg := fmt.Sprint(rec["Message"])
		if res.ExitCode != 3 || rec["ErrorId"] != "ProxyAuthenticationRequired" || !strings.Contains(msg, squid.URL) || !strings.Contains(msg, "Basic") {
			t.Errorf("exit %d, %v; want exit 3, ProxyAuthenticationRequired naming %s and Basic", res.ExitCode, rec, squid.URL)
		}
	})
	t.Run("a dead proxy exits 3 naming it", func(t *testing.T) {
		dead := "http://" + testenv.DeadAddr(t)
		res := testenv.Run(t, "", "", proxyEnv(), "proxy", "--uri", uri, "--proxy", dead, "--test-connection")
		rec := lastError(t, res)
		if res.ExitCode != 3 || rec["ErrorId"] != "ProxyUnreachable" || !strings.Contains(fmt.Sprint(rec["Message"]), dead) {
			t.Errorf("exit %d, %v; want exit 3, ProxyUnreachable naming %s", res.ExitCode, rec, dead)
		}
	})
}

func TestWindowsRoutesOpenUnderWine(t *testing.T) {
	squid := testenv.StartSquid(t, testenv.SquidConfig{})
	srv := target(t)
	uri := "https://" + srv.Listener.Addr().String() + "/"
	env := testenv.PrivateWinePrefix(t)
	testenv.SetWinHTTPProxy(t, env, "", "")

	t.Run("the IE proxy carries the tunnel", func(t *testing.T) {
		// <-loopback> lets the loopback test server go through the proxy.
		testenv.SetIEProxy(t, env, testenv.IEProxySettings{ProxyServer: squid.Addr, Bypass: "<-loopback>"})
		d := decision(t, testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", uri, "--test-connection"))
		if d["Source"] != "ie" || d["Connected"] != true || d["ConnectedVia"] != squid.URL {
			t.Errorf("decision %v; want connected via %s from ie", d, squid.URL)
		}
		squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String())
	})
	t.Run("a PAC list falls through a dead proxy to the next", func(t *testing.T) {
		dead := testenv.DeadAddr(t)
		script := fmt.Sprintf(`function FindProxyForURL(url, host) { return "PROXY %s; PROXY %s; DIRECT"; }`, dead, squid.Addr)
		pac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, script) }))
		defer pac.Close()
		testenv.SetIEProxy(t, env, testenv.IEProxySettings{AutoConfigURL: pac.URL + "/proxy.pac"})
		res := testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", uri, "--test-connection", "--verbose")
		d := decision(t, res)
		if d["Source"] != "pac" || d["Connected"] != true || d["ConnectedVia"] != squid.URL {
			t.Errorf("decision %v; want connected via %s, the script's second entry", d, squid.URL)
		}
		squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String())
		if !strings.Contains(string(res.Stdout), "proxy http://"+dead+" cannot be reached") {
			t.Errorf("no verbose record about the dead first proxy: %s", res.Stdout)
		}
	})
}

func TestWindowsProxyAuthenticationUnderWine(t *testing.T) {
	basic := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidBasicAuth, Users: map[string]string{"gina": "Wine-Basic-Pw"}})
	ntlm := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidNTLMAuth})
	srv := target(t)
	uri := "https://" + srv.Listener.Addr().String() + "/"
	env := testenv.PrivateWinePrefix(t)
	testenv.SetWinHTTPProxy(t, env, "", "")
	testenv.SetIEProxy(t, env, testenv.IEProxySettings{})

	run := func(t *testing.T, request string) testenv.Result {
		return testenv.RunWineLegacy(t, request, "", append(env, proxyEnv()...), "proxy", "--request", "-")
	}
	t.Run("Basic with ProxyCredential", func(t *testing.T) {
		d := decision(t, run(t, fmt.Sprintf(`{"Uri":%q,"Proxy":%q,"TestConnection":true,"ProxyCredential":{"UserName":"gina","Password":"Wine-Basic-Pw"}}`,
			uri, basic.URL)))
		if d["Connected"] != true || d["ConnectedVia"] != basic.URL {
			t.Errorf("decision %v; want connected via %s", d, basic.URL)
		}
		basic.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), " gina ")
	})
	t.Run("NTLM with ProxyCredential", func(t *testing.T) {
		d := decision(t, run(t, fmt.Sprintf(`{"Uri":%q,"Proxy":%q,"TestConnection":true,"ProxyCredential":{"UserName":"CORP\\hank","Password":"pw"}}`,
			uri, ntlm.URL)))
		if d["Connected"] != true || d["ConnectedVia"] != ntlm.URL {
			t.Errorf("decision %v; want connected via %s", d, ntlm.URL)
		}
		if line := ntlm.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), "200"); !strings.Contains(strings.ToLower(line), "hank") {
			t.Errorf("squid did not log the NTLM user: %s", line)
		}
	})
	t.Run("the logged-on user through SSPI fails cleanly where Wine has no NTLM", func(t *testing.T) {
		// Wine's NTLM security package needs Samba's ntlm_auth; without it
		// SSPI refuses, and the refusal must be a proxy error, not a crash.
		res := run(t, fmt.Sprintf(`{"Uri":%q,"Proxy":%q,"TestConnection":true,"ProxyUseDefaultCredentials":true}`, uri, ntlm.URL))
		if res.ExitCode == 0 {
			d := decision(t, res)
			if d["ConnectedVia"] != ntlm.URL {
				t.Errorf("decision %v; want connected via %s", d, ntlm.URL)
			}
			return
		}
		rec := lastError(t, res)
		if res.ExitCode != 3 || !strings.Contains(fmt.Sprint(rec["Message"]), ntlm.URL) || strings.Contains(string(res.Stderr), "panic") {
			t.Errorf("exit %d, %v, %s; want exit 3 naming %s", res.ExitCode, rec, res.Stderr, ntlm.URL)
		}
		t.Logf("Wine: %s", rec["Message"])
	})
}

func TestWindowsPACLookupThatHangsFallsBackUnderWine(t *testing.T) {
	// A script server that accepts the request and never answers: the
	// lookup is abandoned after the lookup timeout (15 seconds), with a
	// warning, and the static proxy decides.
	release := make(chan struct{})
	pac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer pac.Close()
	defer close(release)
	env := testenv.PrivateWinePrefix(t)
	testenv.SetWinHTTPProxy(t, env, "", "")
	testenv.SetIEProxy(t, env, testenv.IEProxySettings{AutoConfigURL: pac.URL + "/slow.pac", ProxyServer: "static.corp.example:8080"})

	res := testenv.RunWineLegacy(t, "", "", append(env, proxyEnv()...), "proxy", "--uri", "https://a.example/")
	d := decision(t, res)
	if d["Source"] != "ie" || d["Proxy"] != "http://static.corp.example:8080" {
		t.Errorf("decision %v; want the static IE proxy after the script hung", d)
	}
	w := only(parseRecords(t, res.Stdout), "Warning")
	if len(w) != 1 || !strings.Contains(fmt.Sprint(w[0].Data["Message"]), "timed out") {
		t.Errorf("want one warning that the lookup timed out, got %s", res.Stdout)
	}
}
