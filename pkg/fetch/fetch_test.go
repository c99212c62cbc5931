package fetch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/fetch"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

// content returns n reproducible pseudo-random bytes.
func content(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fileServer serves one file with an ETag, Range and If-Range support.
// While cut is set, it sends only the first cutAt bytes of a full answer
// and then drops the connection. It records the headers of each request.
type fileServer struct {
	mu       sync.Mutex
	data     []byte
	etag     string
	cutAt    int
	cutOnce  bool // serve in full after the first cut
	requests []http.Header
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Header.Clone())
	data, etag, cutAt := s.data, s.etag, s.cutAt
	if s.cutOnce {
		s.cutAt = 0
	}
	s.mu.Unlock()
	if data == nil {
		http.NotFound(w, r)
		return
	}
	if cutAt > 0 {
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:cutAt])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "file.bin", time.Unix(1700000000, 0), bytes.NewReader(data))
}

func (s *fileServer) set(data []byte, etag string, cutAt int) {
	s.mu.Lock()
	s.data, s.etag, s.cutAt = data, etag, cutAt
	s.mu.Unlock()
}

func (s *fileServer) last() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[len(s.requests)-1]
}

type setup struct {
	srv    *fileServer
	url    string
	client *netclient.Client
	dir    string
	out    string
}

func newSetup(t *testing.T, edit ...func(*netclient.Options)) *setup {
	t.Helper()
	ca := testenv.NewCA(t)
	fs := &fileServer{}
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, fs)
	opts := netclient.Defaults()
	opts.CAFile = ca.CertFile
	opts.RetryIntervalSec = 0
	for _, e := range edit {
		e(&opts)
	}
	c, err := netclient.New(opts, bridge.NewWriter(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	dir := t.TempDir()
	return &setup{srv: fs, url: srv.URL + "/file.bin", client: c, dir: dir, out: filepath.Join(dir, "file.bin")}
}

func (s *setup) download(resume bool) (fetch.Result, error) {
	return fetch.Download(context.Background(), s.client,
		fetch.Request{URL: s.url, OutFile: s.out, Resume: resume, ExpectedSize: -1}, nil)
}

// files lists the names in the download folder.
func (s *setup) files(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func assertFile(t *testing.T, path string, want []byte, res fetch.Result) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum(got) != sum(want) {
		t.Fatalf("%s differs from the served bytes (%d bytes, want %d)", path, len(got), len(want))
	}
	if res.SHA256 != sum(want) || res.Size != int64(len(want)) {
		t.Errorf("result SHA256 %s size %d, want %s %d", res.SHA256, res.Size, sum(want), len(want))
	}
}

func TestDownloadPlacesTheWholeFileAndNothingElse(t *testing.T) {
	s := newSetup(t)
	data := content(3<<20, 1)
	s.srv.set(data, `"v1"`, 0)
	res, err := s.download(false)
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, s.out, data, res)
	if res.Bytes != int64(len(data)) || res.ETag != `"v1"` {
		t.Errorf("result %+v", res)
	}
	if names := s.files(t); len(names) != 1 {
		t.Errorf("folder holds %v, want only the file", names)
	}
}

func TestTruncatedBodyWithoutResumeLeavesNothing(t *testing.T) {
	s := newSetup(t)
	s.srv.set(content(3<<20, 2), `"v1"`, 1<<20)
	_, err := s.download(false)
	if rec := bridge.Record(err); rec.ExitCode != 3 {
		t.Fatalf("got %v (exit %d), want a network failure", err, rec.ExitCode)
	}
	if names := s.files(t); len(names) != 0 {
		t.Errorf("a failed download left %v", names)
	}
}

func TestTruncatedBodyLeavesAnExistingFileUnchanged(t *testing.T) {
	s := newSetup(t)
	old := []byte("the previous version")
	os.WriteFile(s.out, old, 0o644)
	s.srv.set(content(3<<20, 3), `"v2"`, 1<<20)
	if _, err := s.download(false); err == nil {
		t.Fatal("a cut transfer succeeded")
	}
	if got, _ := os.ReadFile(s.out); !bytes.Equal(got, old) {
		t.Errorf("the existing file changed")
	}
	if names := s.files(t); len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
}

func TestResumeContinuesAnInterruptedTransfer(t *testing.T) {
	s := newSetup(t)
	data := content(3<<20, 4)
	s.srv.set(data, `"v1"`, 1<<20)
	if _, err := s.download(true); err == nil {
		t.Fatal("a cut transfer succeeded")
	}
	info, err := os.Stat(s.out + fetch.PartialSuffix)
	if err != nil || info.Size() != 1<<20 {
		t.Fatalf("partial file: %v, %v; want the %d bytes received", info, err, 1<<20)
	}
	if _, err := os.Stat(s.out); err == nil {
		t.Fatal("OutFile exists after a cut transfer")
	}

	s.srv.set(data, `"v1"`, 0)
	res, err := s.download(true)
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, s.out, data, res)
	h := s.srv.last()
	if h.Get("Range") != "bytes=1048576-" || h.Get("If-Range") != `"v1"` {
		t.Errorf("the resumed request sent Range %q If-Range %q", h.Get("Range"), h.Get("If-Range"))
	}
	if res.StatusCode != http.StatusPartialContent || res.Bytes != int64(len(data)-1<<20) {
		t.Errorf("status %d, %d bytes this run", res.StatusCode, res.Bytes)
	}
	if names := s.files(t); len(names) != 1 {
		t.Errorf("folder holds %v, want only the file", names)
	}
}

func TestRetriesTakeUpABrokenTransferInTheSameRun(t *testing.T) {
	for _, resume := range []bool{true, false} {
		t.Run("resume "+strconv.FormatBool(resume), func(t *testing.T) {
			s := newSetup(t, func(o *netclient.Options) { o.MaximumRetryCount = 1 })
			data := content(3<<20, 11)
			s.srv.set(data, `"v1"`, 1<<20)
			s.srv.cutOnce = true
			res, err := s.download(resume)
			if err != nil {
				t.Fatal(err)
			}
			assertFile(t, s.out, data, res)
			wantRange := map[bool]string{true: "bytes=1048576-", false: ""}[resume]
			if got := s.srv.last().Get("Range"); got != wantRange || len(s.srv.requests) != 2 {
				t.Errorf("%d requests, the second with Range %q; want 2, %q", len(s.srv.requests), got, wantRange)
			}
			if names := s.files(t); len(names) != 1 {
				t.Errorf("folder holds %v", names)
			}
		})
	}
}

func TestNoRetryOfABrokenTransferByDefault(t *testing.T) {
	s := newSetup(t)
	s.srv.set(content(3<<20, 12), `"v1"`, 1<<20)
	s.srv.cutOnce = true
	if _, err := s.download(true); err == nil {
		t.Fatal("a cut transfer succeeded without retries")
	}
	if len(s.srv.requests) != 1 {
		t.Errorf("%d requests, want 1", len(s.srv.requests))
	}
}

func TestResumeRestartsWhenTheFileChanged(t *testing.T) {
	s := newSetup(t)
	s.srv.set(content(3<<20, 5), `"v1"`, 1<<20)
	s.download(true)
	changed := content(2<<20, 6)
	s.srv.set(changed, `"v2"`, 0)
	res, err := s.download(true)
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, s.out, changed, res)
	if res.StatusCode != http.StatusOK {
		t.Errorf("status %d, want the whole new file (200)", res.StatusCode)
	}
	if names := s.files(t); len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
}

func TestResumeExtendsAShorterOutFile(t *testing.T) {
	s := newSetup(t)
	data := content(3<<20, 7)
	os.WriteFile(s.out, data[:1<<20], 0o644)
	s.srv.set(data, `"v1"`, 0)
	res, err := s.download(true)
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, s.out, data, res)
	if h := s.srv.last(); h.Get("Range") != "bytes=1048576-" || h.Get("If-Range") != "" {
		t.Errorf("Range %q If-Range %q; want a range and no validator", h.Get("Range"), h.Get("If-Range"))
	}
}

func TestResumeOfACompleteFileIsDone(t *testing.T) {
	s := newSetup(t)
	data := content(1<<20, 8)
	os.WriteFile(s.out, data, 0o644)
	s.srv.set(data, `"v1"`, 0)
	res, err := s.download(true)
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, s.out, data, res)
	if res.StatusCode != http.StatusRequestedRangeNotSatisfiable || res.Bytes != 0 {
		t.Errorf("status %d, %d bytes; want 416 and nothing transferred", res.StatusCode, res.Bytes)
	}
}

func TestConditionalRequestLeavesTheFileAlone(t *testing.T) {
	s := newSetup(t)
	os.WriteFile(s.out, []byte("mine"), 0o644)
	s.srv.set(content(1000, 9), `"v1"`, 0)
	res, err := fetch.Download(context.Background(), s.client,
		fetch.Request{URL: s.url, OutFile: s.out, ExpectedSize: -1, IfNoneMatch: `"v1"`}, nil)
	if err != nil || !res.NotModified || res.StatusCode != 304 {
		t.Fatalf("got %+v, %v; want NotModified", res, err)
	}
	if got, _ := os.ReadFile(s.out); string(got) != "mine" {
		t.Errorf("OutFile changed on 304")
	}
}

func TestChecksAgainstExpectations(t *testing.T) {
	data := content(100000, 10)
	cases := []struct {
		name   string
		req    fetch.Request
		wantID string
	}{
		{"matching size and hash", fetch.Request{ExpectedSize: int64(len(data)), ExpectedSHA256: sum(data)}, ""},
		{"wrong size", fetch.Request{ExpectedSize: 5}, "LengthMismatch"},
		{"wrong hash", fetch.Request{ExpectedSize: -1, ExpectedSHA256: sum([]byte("x"))}, "ChecksumMismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t)
			s.srv.set(data, `"v1"`, 0)
			tc.req.URL, tc.req.OutFile = s.url, s.out
			res, err := fetch.Download(context.Background(), s.client, tc.req, nil)
			if tc.wantID == "" {
				if err != nil {
					t.Fatal(err)
				}
				assertFile(t, s.out, data, res)
				return
			}
			if rec := bridge.Record(err); rec.ErrorID != tc.wantID {
				t.Fatalf("got %v (%s), want %s", err, rec.ErrorID, tc.wantID)
			}
			if names := s.files(t); len(names) != 0 {
				t.Errorf("a rejected download left %v", names)
			}
		})
	}
}

func TestErrorStatusWritesNothing(t *testing.T) {
	s := newSetup(t)
	s.srv.set(nil, "", 0) // nothing to serve: 404
	_, err := s.download(true)
	rec := bridge.Record(err)
	if rec.ExitCode != 4 || rec.ErrorID != "HttpError" || rec.Details["StatusCode"] != 404 {
		t.Fatalf("got %+v, want HttpError 404 exit 4", rec)
	}
	if names := s.files(t); len(names) != 0 {
		t.Errorf("an error status left %v", names)
	}
}
