package netclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "hello")
})

// newClient builds a client that trusts ca, with its records in a buffer.
func newClient(t *testing.T, ca *testenv.CA, edit func(*netclient.Options)) (*netclient.Client, *bytes.Buffer) {
	t.Helper()
	opts := netclient.Defaults()
	if ca != nil {
		opts.CAFile = ca.CertFile
	}
	if edit != nil {
		edit(&opts)
	}
	var records bytes.Buffer
	c, err := netclient.New(opts, bridge.NewWriter(&records, true))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, &records
}

// get requests url and returns the body, or the classified error.
func get(t *testing.T, c *netclient.Client, url string, header ...string) (*http.Response, string, error) {
	t.Helper()
	req, err := netclient.NewRequest(context.Background(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// errorID returns the ErrorId and exit code err stands for.
func errorID(err error) (string, int) {
	rec := bridge.Record(err)
	return rec.ErrorID, rec.ExitCode
}

func TestTLSVersionFloor(t *testing.T) {
	ca := testenv.NewCA(t)
	cases := []struct {
		name        string
		min, max    uint16
		sslProtocol string
		wantID      string
		wantMessage []string
	}{
		{"TLS 1.0 and 1.1 only is refused", tls.VersionTLS10, tls.VersionTLS11, "", "TlsVersionRefused",
			[]string{"offers nothing at TLS 1.2 or above", "accepts TLS 1.1"}},
		{"TLS 1.0 only is refused", tls.VersionTLS10, tls.VersionTLS10, "", "TlsVersionRefused",
			[]string{"offers nothing at TLS 1.2 or above", "accepts TLS 1.0"}},
		{"TLS 1.2 only is served", tls.VersionTLS12, tls.VersionTLS12, "", "", nil},
		{"TLS 1.3 only is served", tls.VersionTLS13, tls.VersionTLS13, "", "", nil},
		{"Tls12 is honoured against TLS 1.3 only", tls.VersionTLS13, tls.VersionTLS13, "Tls12", "TlsVersionRefused",
			[]string{"offers nothing at TLS 1.2 or above"}},
		{"Tls13 is honoured against TLS 1.2 only", tls.VersionTLS12, tls.VersionTLS12, "Tls13", "TlsVersionRefused",
			[]string{"offers nothing at TLS 1.3 or above", "accepts TLS 1.2, which --ssl-protocol excludes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testenv.TLSServer(t, ca, tc.min, tc.max, hello)
			c, records := newClient(t, ca, func(o *netclient.Options) { o.SslProtocol = tc.sslProtocol })
			_, body, err := get(t, c, srv.URL)
			if tc.wantID == "" {
				if err != nil || body != "hello" {
					t.Fatalf("want hello, got %q, %v", body, err)
				}
				want := map[uint16]string{tls.VersionTLS12: "TLS 1.2 with", tls.VersionTLS13: "TLS 1.3 with"}[tc.max]
				if !strings.Contains(records.String(), want) {
					t.Errorf("no verbose record naming the version: %s", records)
				}
				return
			}
			id, code := errorID(err)
			if id != tc.wantID || code != 3 {
				t.Fatalf("got %s (exit %d): %v; want %s, exit 3", id, code, err, tc.wantID)
			}
			for _, m := range tc.wantMessage {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
		})
	}
}

func TestSslProtocolOptionRefusesOldVersions(t *testing.T) {
	cases := []struct {
		name, value, wantID string
	}{
		{"Tls", "Tls", "SslProtocolRefused"},
		{"Tls11", "Tls11", "SslProtocolRefused"},
		{"Ssl3", "Ssl3", "SslProtocolRefused"},
		{"a list holding Tls11", "Tls11,Tls12", "SslProtocolRefused"},
		{"an unknown name", "Tls14", "SslProtocolUnknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := netclient.Defaults()
			opts.SslProtocol = tc.value
			_, err := netclient.New(opts, nil)
			id, code := errorID(err)
			if id != tc.wantID || code != 2 {
				t.Fatalf("got %s exit %d (%v), want %s exit 2", id, code, err, tc.wantID)
			}
			if tc.wantID == "SslProtocolRefused" && !strings.Contains(err.Error(), "never uses") {
				t.Errorf("the message should say why: %v", err)
			}
		})
	}
}

// certServer starts an HTTPS server with a given certificate.
func certServer(t *testing.T, cert tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(hello)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refusals are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestCertificateChecks(t *testing.T) {
	ca := testenv.NewCA(t)
	now := time.Now()
	cases := []struct {
		name    string
		cert    tls.Certificate
		trust   bool
		skip    bool
		wantID  string
		message string
	}{
		{"an unknown CA is refused", ca.ServerCert(t), false, false, "CertificateUntrusted", "does not trust"},
		{"the CA from --ca-file is trusted", ca.ServerCert(t), true, false, "", ""},
		{"a certificate for another name is refused",
			ca.Issue(t, []string{"other.example"}, now.Add(-time.Hour), now.Add(time.Hour)),
			true, false, "CertificateNameMismatch", "other.example"},
		{"an expired certificate is refused",
			ca.Issue(t, testenv.LoopbackHosts, now.Add(-48*time.Hour), now.Add(-24*time.Hour)),
			true, false, "CertificateExpired", "expired on"},
		{"--skip-certificate-check accepts an unknown CA", ca.ServerCert(t), false, true, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := certServer(t, tc.cert)
			var trusted *testenv.CA
			if tc.trust {
				trusted = ca
			}
			c, records := newClient(t, trusted, func(o *netclient.Options) { o.SkipCertificateCheck = tc.skip })
			_, body, err := get(t, c, srv.URL)
			if tc.wantID == "" {
				if err != nil || body != "hello" {
					t.Fatalf("want hello, got %q, %v", body, err)
				}
				if tc.skip && !strings.Contains(records.String(), `"Stream":"Warning"`) {
					t.Errorf("skipping the check must warn: %s", records)
				}
				return
			}
			id, code := errorID(err)
			if id != tc.wantID || code != 3 || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("got %s exit %d: %v; want %s exit 3 mentioning %q", id, code, err, tc.wantID, tc.message)
			}
		})
	}
}

func TestBadCAFileIsAUsageError(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	for name, file := range map[string]string{"missing": notPEM + ".missing", "not PEM": notPEM} {
		t.Run(name, func(t *testing.T) {
			opts := netclient.Defaults()
			opts.CAFile = file
			_, err := netclient.New(opts, nil)
			if _, code := errorID(err); code != 2 {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
		})
	}
}

// redirector redirects /hop/N to /hop/N-1 until /hop/0, which answers.
func redirector(w http.ResponseWriter, r *http.Request) {
	var n int
	if _, err := fmt.Sscanf(r.URL.Path, "/hop/%d", &n); err != nil || n == 0 {
		io.WriteString(w, "arrived")
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
}

func TestRedirectLimit(t *testing.T) {
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(redirector))
	cases := []struct {
		name     string
		max      int64
		hops     int
		wantBody string
	}{
		{"five hops within the default limit", 5, 5, "arrived"},
		{"six hops beyond it", 5, 6, ""},
		{"no redirect followed with 0", 0, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newClient(t, ca, func(o *netclient.Options) { o.MaximumRedirection = tc.max })
			resp, body, err := get(t, c, fmt.Sprintf("%s/hop/%d", srv.URL, tc.hops))
			if err != nil {
				t.Fatal(err)
			}
			serr := netclient.StatusError(resp)
			if tc.wantBody != "" {
				if serr != nil || body != tc.wantBody {
					t.Fatalf("got %q, %v", body, serr)
				}
				return
			}
			id, code := errorID(serr)
			if id != "MaximumRedirectExceeded" || code != 4 {
				t.Fatalf("got %s exit %d, want MaximumRedirectExceeded exit 4", id, code)
			}
			if bridge.AsError(serr).Details["StatusCode"] != http.StatusFound {
				t.Errorf("details %v lack the status", bridge.AsError(serr).Details)
			}
		})
	}
}

func TestHTTPSToHTTPRedirectIsRefusedUnlessAllowed(t *testing.T) {
	ca := testenv.NewCA(t)
	plain := httptest.NewServer(hello)
	defer plain.Close()
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.RedirectHandler(plain.URL, http.StatusFound))

	c, _ := newClient(t, ca, nil)
	_, _, err := get(t, c, srv.URL)
	if id, code := errorID(err); id != "InsecureRedirect" || code != 3 {
		t.Fatalf("got %s exit %d (%v), want InsecureRedirect exit 3", id, code, err)
	}

	c, _ = newClient(t, ca, func(o *netclient.Options) { o.AllowInsecureRedirect = true })
	if _, body, err := get(t, c, srv.URL); err != nil || body != "hello" {
		t.Fatalf("with the flag: %q, %v", body, err)
	}
}

func TestAuthorizationIsNotForwardedToAnotherHost(t *testing.T) {
	ca := testenv.NewCA(t)
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = r.Header.Get("Authorization")
			mu.Unlock()
			io.WriteString(w, "ok")
		}
	}
	other := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, record("other"))
	mux := http.NewServeMux()
	mux.HandleFunc("/same", record("same"))
	mux.Handle("/to-same", http.RedirectHandler("/same", http.StatusFound))
	mux.Handle("/to-other", http.RedirectHandler(other.URL+"/", http.StatusFound))
	origin := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, mux)

	c, _ := newClient(t, ca, nil)
	for _, path := range []string{"/to-same", "/to-other"} {
		if _, _, err := get(t, c, origin.URL+path, "Authorization", "Bearer secret"); err != nil {
			t.Fatal(err)
		}
	}
	if seen["same"] != "Bearer secret" {
		t.Errorf("a redirect on the same server lost Authorization: %q", seen["same"])
	}
	if got, ok := seen["other"]; !ok || got != "" {
		t.Errorf("another host (port) received Authorization %q (reached: %v)", got, ok)
	}
}

// flakyServer answers 503 with a Retry-After to its first request and 200
// to the next, recording when each arrived.
type flakyServer struct {
	retryAfter func(now time.Time) (header string, instant time.Time)

	mu       sync.Mutex
	arrivals []time.Time
	instant  time.Time
}

func (f *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.arrivals = append(f.arrivals, now)
	if len(f.arrivals) == 1 {
		var header string
		header, f.instant = f.retryAfter(now)
		w.Header().Set("Retry-After", header)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "recovered")
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	cases := []struct {
		name       string
		retryAfter func(now time.Time) (string, time.Time)
	}{
		{"seconds", func(now time.Time) (string, time.Time) { return "1", now.Add(time.Second) }},
		{"HTTP date", func(now time.Time) (string, time.Time) {
			at := now.Add(2 * time.Second).Truncate(time.Second)
			return at.UTC().Format(http.TimeFormat), at
		}},
	}
	ca := testenv.NewCA(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			flaky := &flakyServer{retryAfter: tc.retryAfter}
			srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, flaky)
			// A long interval shows that Retry-After, not it, set the wait.
			c, records := newClient(t, ca, func(o *netclient.Options) {
				o.MaximumRetryCount = 2
				o.RetryIntervalSec = 60
			})
			resp, body, err := get(t, c, srv.URL)
			if err != nil || resp.StatusCode != 200 || body != "recovered" {
				t.Fatalf("got %v %q %v", resp, body, err)
			}
			flaky.mu.Lock()
			defer flaky.mu.Unlock()
			if len(flaky.arrivals) != 2 {
				t.Fatalf("the server saw %d requests, want 2", len(flaky.arrivals))
			}
			if flaky.arrivals[1].Before(flaky.instant) {
				t.Errorf("the retry arrived at %s, before the Retry-After instant %s",
					flaky.arrivals[1].Format(time.RFC3339Nano), flaky.instant.Format(time.RFC3339Nano))
			}
			if !strings.Contains(records.String(), "retrying in") {
				t.Errorf("no verbose record of the retry: %s", records)
			}
		})
	}
}

func TestNoRetryByDefault(t *testing.T) {
	ca := testenv.NewCA(t)
	flaky := &flakyServer{retryAfter: func(now time.Time) (string, time.Time) { return "0", now }}
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, flaky)
	c, _ := newClient(t, ca, nil)
	resp, _, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if id, code := errorID(netclient.StatusError(resp)); resp.StatusCode != 503 || id != "HttpError" || code != 4 {
		t.Fatalf("got %d %s exit %d, want 503 HttpError exit 4", resp.StatusCode, id, code)
	}
	if len(flaky.arrivals) != 1 {
		t.Errorf("the server saw %d requests, want 1", len(flaky.arrivals))
	}
}

func TestSessionFileKeepsCookiesAcrossClients(t *testing.T) {
	ca := testenv.NewCA(t)
	var seenCookie string
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc123", Path: "/", MaxAge: 3600})
		http.SetCookie(w, &http.Cookie{Name: "gone", Value: "x", Path: "/", MaxAge: -1})
	})
	mux.HandleFunc("/check", func(w http.ResponseWriter, r *http.Request) {
		seenCookie = r.Header.Get("Cookie")
	})
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, mux)
	session := filepath.Join(t.TempDir(), "session.json")

	first, _ := newClient(t, ca, func(o *netclient.Options) { o.SessionFile = session })
	if _, _, err := get(t, first, srv.URL+"/login"); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, _ := newClient(t, ca, func(o *netclient.Options) { o.SessionFile = session })
	if _, _, err := get(t, second, srv.URL+"/check"); err != nil {
		t.Fatal(err)
	}
	if seenCookie != "session=abc123" {
		t.Errorf("the next run sent Cookie %q, want session=abc123", seenCookie)
	}
	if info, err := os.Stat(session); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("session file: %v, mode %v; want readable by its owner only", err, info.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Dir(session)); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want only the session file", len(entries))
	}
}

func TestBasicCredentialAnswersTheChallenge(t *testing.T) {
	ca := testenv.NewCA(t)
	var requests int
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			requests++
			if user, pass, ok := r.BasicAuth(); ok && user == "admin" && pass == "s3cret" {
				io.WriteString(w, "welcome")
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
		}))
	c, _ := newClient(t, ca, func(o *netclient.Options) {
		o.Credential = &bridge.Credential{UserName: "admin", Password: "s3cret"}
	})
	if _, body, err := get(t, c, srv.URL); err != nil || body != "welcome" {
		t.Fatalf("got %q, %v", body, err)
	}
	if requests != 2 {
		t.Errorf("%d requests, want the challenge and the answer", requests)
	}
}

func TestStalledBodyTimesOut(t *testing.T) {
	ca := testenv.NewCA(t)
	release := make(chan struct{})
	defer close(release)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "12345")
			w.(http.Flusher).Flush()
			<-release
		}))
	c, _ := newClient(t, ca, func(o *netclient.Options) { o.TimeoutSec = 1 })
	_, _, err := get(t, c, srv.URL)
	if id, code := errorID(err); id != "Timeout" || code != 3 {
		t.Fatalf("got %s exit %d (%v), want Timeout exit 3", id, code, err)
	}
}

func TestConnectionFailuresAreClassified(t *testing.T) {
	closed := httptest.NewServer(hello)
	url := closed.URL
	closed.Close()
	c, _ := newClient(t, nil, nil)
	_, _, err := get(t, c, url)
	if id, code := errorID(err); id != "ConnectionRefused" || code != 3 {
		t.Fatalf("got %s exit %d (%v)", id, code, err)
	}
	var e *bridge.Error
	if !errors.As(err, &e) || e.Target != url {
		t.Errorf("target %q, want %q", e.Target, url)
	}
}
