package proxy_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// originName is a made-up name for the test servers. Squid resolves it
// from its own hosts file, and the Router's Dial from hostsDial, so no DNS
// server is asked and the machine's /etc/hosts is untouched.
const originName = "origin.sysupdate.test"

var squidHosts = map[string]string{originName: "127.0.0.1"}

// hostsDial connects as net.Dialer does, with originName on loopback.
func hostsDial(dialed *[]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dialed != nil {
			*dialed = append(*dialed, addr)
		}
		host, port, err := net.SplitHostPort(addr)
		if err == nil && host == originName {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// origin starts an HTTPS server for originName and loopback that answers
// every request with "hello from origin".
func origin(t *testing.T) (*httptest.Server, *testenv.CA) {
	t.Helper()
	ca := testenv.NewCA(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from origin")
	}))
	cert := ca.Issue(t, []string{originName, "127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, ca
}

// plainOrigin starts an HTTP server that answers "hello over http".
func plainOrigin(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello over http")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// client is an HTTP client wired as the web client wires a Router: plain
// HTTP through ProxyForHTTP, HTTPS as TLS over DialTunnel.
func client(r *proxy.Router, ca *testenv.CA) *http.Client {
	return newClient(r, ca, false)
}

// newClient is client with keep-alive on, which NTLM on plain HTTP needs.
func newClient(r *proxy.Router, ca *testenv.CA, keepAlive bool) *http.Client {
	pool := x509.NewCertPool()
	if ca != nil {
		pool.AddCert(ca.Cert)
	}
	tr := &http.Transport{
		// Squid logs a tunnel when it closes: one connection per request
		// lets the tests read the log right after each answer.
		DisableKeepAlives: !keepAlive,
		Proxy:             r.ProxyForHTTP,
		DialContext:       r.Dial,
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := r.DialTunnel(ctx, addr)
			if err != nil {
				return nil, err
			}
			host, _, _ := net.SplitHostPort(addr)
			tc := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, err
			}
			return tc, nil
		},
	}
	return &http.Client{Transport: r.WrapHTTP(tr), Timeout: 30 * time.Second}
}

func newRouter(t *testing.T, opts proxy.Options, env map[string]string, dialed *[]string) *proxy.Router {
	t.Helper()
	r, err := proxy.NewRouter(opts, func(k string) string { return env[k] }, bridge.NewWriter(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	r.Dial = hostsDial(dialed)
	return r
}

func get(t *testing.T, c *http.Client, u string) (string, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("status %s", resp.Status)
	}
	return string(body), err
}

// port returns the port of a test server's URL.
func port(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func TestHTTPSTunnelsThroughSquid(t *testing.T) {
	t.Parallel()
	squid := testenv.StartSquid(t, testenv.SquidConfig{Hosts: squidHosts})
	srv, ca := origin(t)
	var dialed []string
	r := newRouter(t, proxy.Options{Proxy: squid.URL}, nil, &dialed)

	body, err := get(t, client(r, ca), srv.URL+"/file")
	if err != nil || body != "hello from origin" {
		t.Fatalf("GET through the tunnel: %q, %v\n%s", body, err, squid.CacheLog())
	}
	squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String())
	if len(dialed) != 1 || dialed[0] != squid.Addr {
		t.Errorf("dialed %v, want only the proxy %s", dialed, squid.Addr)
	}
}

func TestPlainHTTPGoesThroughSquid(t *testing.T) {
	t.Parallel()
	squid := testenv.StartSquid(t, testenv.SquidConfig{Hosts: squidHosts})
	srv := plainOrigin(t)
	r := newRouter(t, proxy.Options{Proxy: squid.URL}, nil, nil)

	body, err := get(t, client(r, nil), srv.URL+"/plain")
	if err != nil || body != "hello over http" {
		t.Fatalf("GET through the proxy: %q, %v", body, err)
	}
	squid.WaitAccess(t, "GET "+srv.URL+"/plain")
}

func TestEnvironmentProxyAndNoProxy(t *testing.T) {
	t.Parallel()
	squid := testenv.StartSquid(t, testenv.SquidConfig{Hosts: squidHosts})
	srv, ca := origin(t)
	target := "https://" + originName + ":" + port(t, srv.URL) + "/env"

	cases := []struct {
		name      string
		env       map[string]string
		viaSquid  bool
		source    proxy.Source
		rule      string
		wantDials string // the first address dialed
	}{
		{"HTTPS_PROXY is honoured", map[string]string{"HTTPS_PROXY": squid.URL}, true, proxy.SourceEnvironment, "", squid.Addr},
		{"lower-case https_proxy is honoured", map[string]string{"https_proxy": squid.Addr}, true, proxy.SourceEnvironment, "", squid.Addr},
		{"NO_PROXY domain bypasses", map[string]string{"HTTPS_PROXY": squid.URL, "NO_PROXY": "example.org,sysupdate.test"},
			false, proxy.SourceEnvironment, "sysupdate.test", originName + ":" + port(t, srv.URL)},
		{"NO_PROXY star bypasses", map[string]string{"HTTPS_PROXY": squid.URL, "no_proxy": "*"},
			false, proxy.SourceEnvironment, "*", originName + ":" + port(t, srv.URL)},
		{"HTTP_PROXY does not apply to https", map[string]string{"HTTP_PROXY": squid.URL},
			false, proxy.SourceDirect, "", originName + ":" + port(t, srv.URL)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(squid.AccessLines(t))
			var dialed []string
			r := newRouter(t, proxy.Options{}, tc.env, &dialed)
			u, _ := url.Parse(target)
			d, err := r.Decide(u)
			if err != nil {
				t.Fatal(err)
			}
			if d.Source != tc.source || d.BypassRule != tc.rule || d.Direct() == tc.viaSquid {
				t.Errorf("decision %+v, want source %s, rule %q, via squid %v", d, tc.source, tc.rule, tc.viaSquid)
			}
			body, err := get(t, client(r, ca), target)
			if err != nil || body != "hello from origin" {
				t.Fatalf("GET: %q, %v", body, err)
			}
			if len(dialed) == 0 || dialed[0] != tc.wantDials {
				t.Errorf("dialed %v, want %s first", dialed, tc.wantDials)
			}
			if tc.viaSquid {
				squid.WaitAccess(t, "CONNECT "+originName+":"+port(t, srv.URL))
			} else if lines := squid.AccessLines(t); len(lines) != before {
				t.Errorf("squid saw a request that should have gone direct: %s", lines[len(lines)-1])
			}
		})
	}
}

func TestBasicProxyAuthentication(t *testing.T) {
	t.Parallel()
	const user, password = "alice", "s3cret-Pa55"
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidBasicAuth,
		Users: map[string]string{user: password}, Hosts: squidHosts})
	srv, ca := origin(t)
	plain := plainOrigin(t)
	withUserInfo := strings.Replace(squid.URL, "http://", "http://"+user+":"+password+"@", 1)

	t.Run("407 without credentials names the proxy and its schemes", func(t *testing.T) {
		r := newRouter(t, proxy.Options{Proxy: squid.URL}, nil, nil)
		_, err := r.DialTunnel(context.Background(), srv.Listener.Addr().String())
		e := bridge.AsError(err)
		if e.ID != "ProxyAuthenticationRequired" || bridge.ExitCode(err) != 3 {
			t.Fatalf("got %v (%s, exit %d), want ProxyAuthenticationRequired, exit 3", err, e.ID, bridge.ExitCode(err))
		}
		if !strings.Contains(e.Message, squid.URL) || !strings.Contains(e.Message, "Basic") {
			t.Errorf("message %q should name the proxy and the Basic scheme", e.Message)
		}
	})
	for _, tc := range []struct {
		name string
		opts proxy.Options
	}{
		{"ProxyCredential is answered", proxy.Options{Proxy: squid.URL, ProxyCredential: &bridge.Credential{UserName: user, Password: password}}},
		{"user info in the proxy URL is answered", proxy.Options{Proxy: withUserInfo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t, tc.opts, nil, nil)
			c := client(r, ca)
			if body, err := get(t, c, srv.URL+"/basic"); err != nil || body != "hello from origin" {
				t.Fatalf("HTTPS: %q, %v", body, err)
			}
			squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), " "+user+" ")
			if body, err := get(t, c, plain.URL+"/basic"); err != nil || body != "hello over http" {
				t.Fatalf("plain HTTP: %q, %v", body, err)
			}
			squid.WaitAccess(t, "GET "+plain.URL+"/basic", " "+user+" ")
		})
	}
	t.Run("a wrong password fails without showing it", func(t *testing.T) {
		const wrong = "Wr0ng-Secret-xyz"
		var records strings.Builder
		r, err := proxy.NewRouter(proxy.Options{Proxy: squid.URL,
			ProxyCredential: &bridge.Credential{UserName: user, Password: wrong}}, func(string) string { return "" },
			bridge.NewWriter(&records, true))
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.DialTunnel(context.Background(), srv.Listener.Addr().String())
		e := bridge.AsError(err)
		if e.ID != "ProxyAuthenticationFailed" || bridge.ExitCode(err) != 3 {
			t.Fatalf("got %v, want ProxyAuthenticationFailed, exit 3", err)
		}
		var errRecord strings.Builder
		bridge.NewWriter(&errRecord, true).Error(err)
		for _, text := range []string{err.Error(), errRecord.String(), records.String()} {
			if strings.Contains(text, wrong) {
				t.Errorf("the password leaked: %s", text)
			}
		}
	})
}

func TestNTLMProxyAuthentication(t *testing.T) {
	t.Parallel()
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: testenv.SquidNTLMAuth, Hosts: squidHosts})
	srv, ca := origin(t)

	t.Run("explicit credentials complete the handshake on one connection", func(t *testing.T) {
		var dialed []string
		r := newRouter(t, proxy.Options{Proxy: squid.URL,
			ProxyCredential: &bridge.Credential{UserName: `CORP\bob`, Password: "ntlm-pass"}}, nil, &dialed)
		body, err := get(t, client(r, ca), srv.URL+"/ntlm")
		if err != nil || body != "hello from origin" {
			t.Fatalf("GET: %q, %v\n%s", body, err, squid.CacheLog())
		}
		line := squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String(), "200")
		if !strings.Contains(strings.ToLower(line), "bob") {
			t.Errorf("squid did not log the NTLM user: %s", line)
		}
		if len(dialed) != 1 {
			t.Errorf("the handshake took %d connections (%v), want one", len(dialed), dialed)
		}
	})
	t.Run("plain HTTP answers the 407 on the kept-alive connection", func(t *testing.T) {
		plain := plainOrigin(t)
		r := newRouter(t, proxy.Options{Proxy: squid.URL,
			ProxyCredential: &bridge.Credential{UserName: `CORP\erin`, Password: "ntlm-pass"}}, nil, nil)
		body, err := get(t, newClient(r, ca, true), plain.URL+"/ntlm-plain")
		if err != nil || body != "hello over http" {
			t.Fatalf("GET: %q, %v", body, err)
		}
		if line := squid.WaitAccess(t, "GET "+plain.URL+"/ntlm-plain", "200"); !strings.Contains(strings.ToLower(line), "erin") {
			t.Errorf("squid did not log the NTLM user: %s", line)
		}
	})
	t.Run("plain HTTP 407 without credentials is a proxy error", func(t *testing.T) {
		plain := plainOrigin(t)
		r := newRouter(t, proxy.Options{Proxy: squid.URL}, nil, nil)
		_, err := get(t, client(r, ca), plain.URL+"/none")
		var e *bridge.Error
		if !errors.As(err, &e) || e.ID != "ProxyAuthenticationRequired" || !strings.Contains(e.Message, "NTLM") ||
			!strings.Contains(e.Message, squid.URL) {
			t.Fatalf("got %v, want ProxyAuthenticationRequired naming the proxy and NTLM", err)
		}
	})
	t.Run("407 without credentials names NTLM", func(t *testing.T) {
		r := newRouter(t, proxy.Options{Proxy: squid.URL}, nil, nil)
		_, err := r.DialTunnel(context.Background(), srv.Listener.Addr().String())
		e := bridge.AsError(err)
		if e.ID != "ProxyAuthenticationRequired" || !strings.Contains(e.Message, "NTLM") {
			t.Fatalf("got %v, want ProxyAuthenticationRequired naming NTLM", err)
		}
	})
}

func TestDeadProxyIsANetworkErrorNamingIt(t *testing.T) {
	t.Parallel()
	dead := "http://" + testenv.DeadAddr(t)
	srv, ca := origin(t)
	plain := plainOrigin(t)
	for _, target := range []string{srv.URL, plain.URL} {
		t.Run(target[:strings.Index(target, ":")], func(t *testing.T) {
			r := newRouter(t, proxy.Options{Proxy: dead}, nil, nil)
			_, err := get(t, client(r, ca), target)
			var e *bridge.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *bridge.Error", err)
			}
			if e.ID != "ProxyUnreachable" || bridge.ExitCode(e) != 3 || !strings.Contains(e.Message, dead) {
				t.Errorf("got %s %q (exit %d), want ProxyUnreachable naming %s, exit 3", e.ID, e.Message, bridge.ExitCode(e), dead)
			}
		})
	}
}

func TestPACListFallsThroughADeadProxy(t *testing.T) {
	t.Parallel()
	squid := testenv.StartSquid(t, testenv.SquidConfig{Hosts: squidHosts})
	srv, ca := origin(t)
	plain := plainOrigin(t)
	dead := testenv.DeadAddr(t)
	answer := fmt.Sprintf("PROXY %s; PROXY %s; DIRECT", dead, squid.Addr)
	routes, err := proxy.ParsePACResult(answer)
	if err != nil {
		t.Fatal(err)
	}
	var dialed []string
	r := newRouter(t, proxy.Options{}, nil, &dialed)
	for _, raw := range []string{srv.URL, plain.URL} {
		u, _ := url.Parse(raw)
		r.Remember(u, proxy.Decision{Proxies: routes, Source: proxy.SourcePAC, PACResult: answer})
		r.Remember(&url.URL{Scheme: u.Scheme, Host: u.Host}, proxy.Decision{Proxies: routes, Source: proxy.SourcePAC})
	}
	c := client(r, ca)

	if body, err := get(t, c, srv.URL+"/pac"); err != nil || body != "hello from origin" {
		t.Fatalf("HTTPS: %q, %v", body, err)
	}
	squid.WaitAccess(t, "CONNECT "+srv.Listener.Addr().String())
	if len(dialed) < 2 || dialed[0] != dead || dialed[1] != squid.Addr {
		t.Errorf("dialed %v, want %s then %s", dialed, dead, squid.Addr)
	}
	if body, err := get(t, c, plain.URL+"/pac"); err != nil || body != "hello over http" {
		t.Fatalf("plain HTTP: %q, %v", body, err)
	}
	squid.WaitAccess(t, "GET "+plain.URL+"/pac")
}
