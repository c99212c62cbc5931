package e2e

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// outputs returns the Data of the Output records.
func outputs(t *testing.T, res testenv.Result) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range only(parseRecords(t, res.Stdout), "Output") {
		out = append(out, r.Data)
	}
	return out
}

func TestWebRefusesAServerWithOnlyOldTLS(t *testing.T) {
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS10, tls.VersionTLS11, http.NotFoundHandler())
	res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL, "--ca-file", ca.CertFile)
	if res.ExitCode != 3 {
		t.Fatalf("exit %d, want 3: %s", res.ExitCode, res.Stdout)
	}
	rec := lastError(t, res)
	msg, _ := rec["Message"].(string)
	if rec["ErrorId"] != "TlsVersionRefused" || !strings.Contains(msg, "offers nothing at TLS 1.2 or above") ||
		!strings.Contains(msg, "TLS 1.1") {
		t.Errorf("error record %v", rec)
	}
}

func TestWebServesTLS12AndTLS13(t *testing.T) {
	ca := testenv.NewCA(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		srv := testenv.TLSServer(t, ca, v, v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello")
		}))
		res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL, "--ca-file", ca.CertFile)
		out := outputs(t, res)
		if res.ExitCode != 0 || len(out) != 1 || out[0]["Content"] != "hello" {
			t.Errorf("version %x: exit %d %s", v, res.ExitCode, res.Stdout)
		}
	}
}

func TestWebUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		name string
		args []string
		id   string
	}{
		{"ssl-protocol Tls", []string{"--uri", "https://127.0.0.1:1/", "--ssl-protocol", "Tls"}, "SslProtocolRefused"},
		{"bad scheme", []string{"--uri", "gopher://127.0.0.1/"}, "UnsupportedScheme"},
		{"malformed URL", []string{"--uri", "https://[::1/"}, "InvalidUri"},
		{"bad header", []string{"--uri", "https://127.0.0.1:1/", "--headers", "NoColon"}, "BadHeader"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := testenv.Run(t, "", "", nil, append([]string{"web"}, tc.args...)...)
			if res.ExitCode != 2 {
				t.Fatalf("exit %d, want 2: %s", res.ExitCode, res.Stdout)
			}
			if rec := lastError(t, res); rec["ErrorId"] != tc.id {
				t.Errorf("ErrorId %v, want %s", rec["ErrorId"], tc.id)
			}
		})
	}
}

func TestWebRefusesAnUnknownCA(t *testing.T) {
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.NotFoundHandler())
	res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL)
	if res.ExitCode != 3 || lastError(t, res)["ErrorId"] != "CertificateUntrusted" {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
}

// cuttingServer serves data with an ETag, but the first answer stops after
// cutAt bytes and drops the connection.
type cuttingServer struct {
	data  []byte
	cutAt int

	mu       sync.Mutex
	requests []http.Header
}

func (s *cuttingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Header.Clone())
	first := len(s.requests) == 1
	s.mu.Unlock()
	w.Header().Set("ETag", `"e2e-1"`)
	if first {
		w.Header().Set("Content-Length", strconv.Itoa(len(s.data)))
		w.Write(s.data[:s.cutAt])
		w.(http.Flusher).Flush()
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	http.ServeContent(w, r, "data.bin", time.Unix(1700000000, 0), bytes.NewReader(s.data))
}

func TestWebResumeYieldsIdenticalBytes(t *testing.T) {
	ca := testenv.NewCA(t)
	data := make([]byte, 8<<20)
	rand.New(rand.NewSource(42)).Read(data)
	cs := &cuttingServer{data: data, cutAt: 3 << 20}
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, cs)
	dir := t.TempDir()
	out := filepath.Join(dir, "data.bin")
	args := []string{"web", "--uri", srv.URL + "/data.bin", "--ca-file", ca.CertFile, "--out-file", out, "--resume"}

	res := testenv.Run(t, "", dir, nil, args...)
	if res.ExitCode != 3 {
		t.Fatalf("the cut transfer: exit %d, want 3: %s", res.ExitCode, res.Stdout)
	}
	if rec := lastError(t, res); rec["ErrorId"] != "ConnectionClosed" {
		t.Errorf("error record %v", rec)
	}
	if info, err := os.Stat(out + ".partial"); err != nil || info.Size() != 3<<20 {
		t.Fatalf("partial: %v %v", info, err)
	}

	res = testenv.Run(t, "", dir, nil, args...)
	if res.ExitCode != 0 {
		t.Fatalf("the resumed transfer: exit %d: %s", res.ExitCode, res.Stdout)
	}
	if len(outputs(t, res)) != 0 {
		t.Errorf("--out-file without --pass-thru wrote output records: %s", res.Stdout)
	}
	got, _ := os.ReadFile(out)
	if sha(got) != sha(data) {
		t.Fatalf("the resumed file differs: %d bytes", len(got))
	}
	second := cs.requests[1]
	if second.Get("Range") != "bytes=3145728-" || second.Get("If-Range") != `"e2e-1"` {
		t.Errorf("the second request carried Range %q If-Range %q", second.Get("Range"), second.Get("If-Range"))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want the file only", len(entries))
	}
}

func TestWebTruncatedBodyWithoutResumeLeavesNothing(t *testing.T) {
	ca := testenv.NewCA(t)
	data := bytes.Repeat([]byte("x"), 2<<20)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, &cuttingServer{data: data, cutAt: 1 << 20})
	dir := t.TempDir()
	res := testenv.Run(t, "", dir, nil, "web", "--uri", srv.URL, "--ca-file", ca.CertFile, "--out-file", "data.bin")
	if res.ExitCode != 3 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed download left %d entries (%v)", len(entries), entries[0].Name())
	}
}

func TestWebSessionFileCarriesCookiesToTheNextRun(t *testing.T) {
	ca := testenv.NewCA(t)
	var cookie string
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s-42", Path: "/", HttpOnly: true, Secure: true})
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) { cookie = r.Header.Get("Cookie") })
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, mux)
	session := filepath.Join(t.TempDir(), "session.json")
	for _, path := range []string{"/login", "/whoami"} {
		res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL+path, "--ca-file", ca.CertFile, "--session-file", session)
		if res.ExitCode != 0 {
			t.Fatalf("%s: exit %d: %s", path, res.ExitCode, res.Stdout)
		}
	}
	if cookie != "sid=s-42" {
		t.Errorf("the second run sent Cookie %q", cookie)
	}
}

func TestWebReadsTheRequestFromStandardInput(t *testing.T) {
	ca := testenv.NewCA(t)
	var seen http.Header
	var body string
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			if _, _, ok := r.BasicAuth(); !ok {
				w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			seen = r.Header.Clone()
			b, _ := io.ReadAll(r.Body)
			body = string(b)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		}))
	request := `{"Uri": "` + srv.URL + `/api", "Method": "Put", "CAFile": ` + strconv.Quote(ca.CertFile) + `,
		"Headers": {"X-Tenant": "blue", "Accept": ["application/json", "text/plain"]},
		"Body": "{\"v\":1}", "ContentType": "application/json",
		"Credential": {"UserName": "admin", "Password": "pa55"}}`
	res := testenv.Run(t, request, "", nil, "web", "--request", "-")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	if seen.Get("X-Tenant") != "blue" || strings.Join(seen.Values("Accept"), ",") != "application/json,text/plain" ||
		body != `{"v":1}` || !strings.HasPrefix(seen.Get("Authorization"), "Basic ") {
		t.Errorf("server saw %v with body %q", seen, body)
	}
	if strings.Contains(string(res.Stdout), "pa55") {
		t.Error("the password reached standard output")
	}
	if out := outputs(t, res); len(out) != 1 || out[0]["Content"] != `{"ok":true}` {
		t.Errorf("output %s", res.Stdout)
	}
}

func TestWebRetriesAfterRetryAfter(t *testing.T) {
	ca := testenv.NewCA(t)
	var mu sync.Mutex
	var arrivals []time.Time
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			arrivals = append(arrivals, time.Now())
			n := len(arrivals)
			mu.Unlock()
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "back")
		}))
	res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL, "--ca-file", ca.CertFile,
		"--maximum-retry-count", "1", "--retry-interval-sec", "30")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	if len(arrivals) != 2 || arrivals[1].Before(arrivals[0].Add(time.Second)) {
		t.Errorf("arrivals %v: want two, the second at least a second after the first", arrivals)
	}
}

func TestWebHTTPErrorExitsFour(t *testing.T) {
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.NotFoundHandler())
	res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL+"/nothing", "--ca-file", ca.CertFile)
	if res.ExitCode != 4 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	rec := lastError(t, res)
	if rec["ErrorId"] != "HttpError" || rec["Details"].(map[string]any)["StatusCode"] != float64(404) {
		t.Errorf("record %v", rec)
	}
	res = testenv.Run(t, "", "", nil, "web", "--uri", srv.URL+"/nothing", "--ca-file", ca.CertFile, "--skip-http-error-check")
	if out := outputs(t, res); res.ExitCode != 0 || len(out) != 1 || out[0]["StatusCode"] != float64(404) {
		t.Errorf("with --skip-http-error-check: exit %d %s", res.ExitCode, res.Stdout)
	}
}

func TestWebReportsProgressWhileDownloading(t *testing.T) {
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(4<<20))
			chunk := make([]byte, 1<<20)
			for i := 0; i < 4; i++ {
				w.Write(chunk)
				w.(http.Flusher).Flush()
				time.Sleep(250 * time.Millisecond) // long enough for a record in between
			}
		}))
	dir := t.TempDir()
	res := testenv.Run(t, "", dir, nil, "web", "--uri", srv.URL, "--ca-file", ca.CertFile, "--out-file", "f.bin")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	progress := only(parseRecords(t, res.Stdout), "Progress")
	if len(progress) < 2 {
		t.Fatalf("%d progress records, want some while downloading and one at the end", len(progress))
	}
	last := progress[len(progress)-1].Data
	if last["Completed"] != true || last["Bytes"] != float64(4<<20) || last["TotalBytes"] != float64(4<<20) {
		t.Errorf("last progress record %v", last)
	}
}

func TestLegacyWindowsBuildDownloadsUnderWine(t *testing.T) {
	ca := testenv.NewCA(t)
	data := bytes.Repeat([]byte("windows "), 100000)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	dir := t.TempDir()
	winPath := func(p string) string { return "Z:" + strings.ReplaceAll(p, "/", `\`) }
	res := testenv.RunWineLegacy(t, "", dir, nil, "web", "--uri", srv.URL, "--ca-file", winPath(ca.CertFile),
		"--out-file", winPath(filepath.Join(dir, "w.bin")), "--verbose")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "w.bin"))
	if !bytes.Equal(got, data) {
		t.Errorf("the file under Wine holds %d bytes, want %d", len(got), len(data))
	}
}
