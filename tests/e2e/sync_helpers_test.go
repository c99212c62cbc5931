package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/fixture"
	"github.com/sysupdate/sysupdate/internal/testenv"
)

// startFixture serves a fresh Sysinternals-like tree over TLS on loopback.
func startFixture(t *testing.T) *fixture.Server {
	t.Helper()
	srv, err := fixture.Start("127.0.0.1:0", filepath.Join(t.TempDir(), "ca.pem"), fixture.Tree(7, 4, 24))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// syncRun is what one run of the executable reported.
type syncRun struct {
	res     testenv.Result
	items   map[string]map[string]any // by Name
	summary map[string]any
}

func (r syncRun) action(name string) string {
	if it := r.items[name]; it != nil {
		return it["Action"].(string)
	}
	return ""
}

// names lists the items with one action.
func (r syncRun) names(action string) []string {
	var out []string
	for name, it := range r.items {
		if it["Action"] == action {
			out = append(out, name)
		}
	}
	return sortedCopy(out)
}

func (r syncRun) count(field string) int64 {
	return int64(r.summary[field].(float64))
}

// runSysinternals runs the sysinternals command against srv into dir.
func runSysinternals(t *testing.T, srv *fixture.Server, dir string, extra ...string) syncRun {
	t.Helper()
	args := append([]string{"sysinternals", "--path", dir, "--source", srv.URL, "--ca-file", srv.CAFile}, extra...)
	return parseSync(t, testenv.Run(t, "", "", nil, args...))
}

func parseSync(t *testing.T, res testenv.Result) syncRun {
	t.Helper()
	r := syncRun{res: res, items: map[string]map[string]any{}}
	for _, rec := range parseRecords(t, res.Stdout) {
		switch rec.Type {
		case "SysUpdate.SyncItem":
			name := rec.Data["Name"].(string)
			if r.items[name] != nil {
				t.Errorf("two records for %s", name)
			}
			r.items[name] = rec.Data
		case "SysUpdate.SyncSummary":
			r.summary = rec.Data
		}
	}
	if len(res.Stderr) != 0 {
		t.Errorf("standard error is for crashes only: %s", res.Stderr)
	}
	return r
}

// mustSucceed fails the test unless the run exited 0 with a summary.
func (r syncRun) mustSucceed(t *testing.T) syncRun {
	t.Helper()
	if r.res.ExitCode != 0 || r.summary == nil {
		t.Fatalf("exit %d, summary %v:\n%s", r.res.ExitCode, r.summary, r.res.Stdout)
	}
	return r
}

// x64Names are the top-level files of the tree a sync for x64 keeps.
func x64Names(srv *fixture.Server) []string {
	var out []string
	for _, n := range srv.TopNames() {
		if !strings.HasSuffix(strings.ToLower(n), "64a.exe") {
			out = append(out, n)
		}
	}
	return out
}

// fileID is what tells whether a file was rewritten.
type fileID struct {
	ino   uint64
	mtime time.Time
	size  int64
}

func snapshot(t *testing.T, dir string) map[string]fileID {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]fileID{}
	for _, de := range des {
		if de.IsDir() {
			continue
		}
		info, err := de.Info()
		if err != nil {
			t.Fatal(err)
		}
		ids[de.Name()] = fileID{inode(info), info.ModTime(), info.Size()}
	}
	return ids
}

// assertSameAsServer checks that each named file in dir holds the server's
// content.
func assertSameAsServer(t *testing.T, srv *fixture.Server, dir string, names []string) {
	t.Helper()
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if !bytes.Equal(got, srv.Data(n)) {
			t.Errorf("%s differs from the server's copy", n)
		}
	}
}

func equalStrings(a, b []string) bool {
	a, b = sortedCopy(a), sortedCopy(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
