package mirror

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/fixture"
	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// collect runs Sync and returns its items by name.
func collect(t *testing.T, cfg Config) (map[string]Item, Summary, error) {
	t.Helper()
	out, records := recordWriter()
	sum, err := Sync(context.Background(), out, cfg)
	items := map[string]Item{}
	for _, line := range records() {
		var env struct {
			Type string
			Data json.RawMessage
		}
		json.Unmarshal(line, &env)
		if env.Type == ItemType {
			var it Item
			json.Unmarshal(env.Data, &it)
			items[it.Name] = it
		}
	}
	return items, sum, err
}

type lineBuffer struct{ lines [][]byte }

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.lines = append(b.lines, append([]byte(nil), p...))
	return len(p), nil
}

func recordWriter() (*bridge.Writer, func() [][]byte) {
	buf := &lineBuffer{}
	return bridge.NewWriter(buf, false), func() [][]byte { return buf.lines }
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFolderSourceSync(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(src, "a.exe"), "alpha")
	writeFile(t, filepath.Join(src, "b.txt"), "bravo")
	writeFile(t, filepath.Join(src, "sub", "c.txt"), "charlie")
	cfg := Config{Dir: dst, Source: &FolderSource{Root: src}, LockTimeout: time.Second}

	items, sum, err := collect(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 2 || items["a.exe"].Action != Added || items["sub/c.txt"].Action != "" {
		t.Fatalf("without --recurse: %+v %+v", sum, items)
	}

	cfg.Recurse = true
	items, sum, err = collect(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if items["sub/c.txt"].Action != Added || sum.Unchanged != 2 {
		t.Fatalf("with --recurse: %+v %+v", sum, items)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "sub", "c.txt")); string(data) != "charlie" {
		t.Errorf("sub/c.txt = %q", data)
	}

	// A changed source file, same size, new time.
	writeFile(t, filepath.Join(src, "b.txt"), "BRAVO")
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(src, "b.txt"), future, future)
	items, _, err = collect(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if items["b.txt"].Action != Updated || items["a.exe"].Action != Unchanged {
		t.Errorf("after a change: %+v", items)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "b.txt")); string(data) != "BRAVO" {
		t.Errorf("b.txt = %q", data)
	}
}

func TestStateOfAnotherSchemaIsNotTrusted(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(src, "a.txt"), "new content")
	writeFile(t, filepath.Join(dst, "a.txt"), "old content")
	// A state from a future version claims a.txt is current.
	writeFile(t, filepath.Join(dst, stateDirName, stateFileName),
		`{"Schema": 99, "Files": {"a.txt": {"Size": 11}}}`)
	items, _, err := collect(t, Config{Dir: dst, Source: &FolderSource{Root: src}, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if items["a.txt"].Action != Updated {
		t.Errorf("a.txt: %+v", items["a.txt"])
	}
	data, _ := os.ReadFile(filepath.Join(dst, stateDirName, stateFileName))
	var st State
	if err := json.Unmarshal(data, &st); err != nil || st.Schema != stateSchema || st.Files["a.txt"] == nil {
		t.Errorf("state not rewritten in the current schema: %s", data)
	}
}

func TestSecondRunTimesOutOnTheLock(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(src, "a.txt"), "x")
	os.MkdirAll(filepath.Join(dst, stateDirName), 0o755)
	held, err := acquireLock(context.Background(), filepath.Join(dst, stateDirName, lockFileName), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = collect(t, Config{Dir: dst, Source: &FolderSource{Root: src}, LockTimeout: 300 * time.Millisecond})
	if bridge.ExitCode(err) != bridge.ExitLocal || bridge.AsError(err).ID != "SyncFolderLocked" {
		t.Fatalf("err = %v, want SyncFolderLocked (exit 6)", err)
	}
	held.release()
	if _, _, err := collect(t, Config{Dir: dst, Source: &FolderSource{Root: src}, LockTimeout: time.Second}); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

func TestHTTPSourceRecursesIntoSubfolders(t *testing.T) {
	srv, err := fixture.Start("127.0.0.1:0", filepath.Join(t.TempDir(), "ca.pem"), fixture.Tree(3, 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	g, err := NewGetter(NetOptions{ClientOptions: ClientOptions{CAFile: srv.CAFile}}, bridge.NewWriter(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := NewHTTPSource(srv.URL, g)
	dst := t.TempDir()
	items, sum, err := collect(t, Config{Dir: dst, Source: src, Recurse: true, Include: []string{"Files/*"}, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for name, it := range items {
		if it.Action == Added {
			added = append(added, name)
		}
	}
	sort.Strings(added)
	if len(added) != 2 || added[0] != "Files/README.txt" || sum.Requests != 4 {
		t.Errorf("added %v in %d requests, want the two files of Files/ in 4", added, sum.Requests)
	}
}

// Apache and nginx send validators with their listings: the listing itself
// is then asked for conditionally, and a 304 reuses the stored entries.
func TestListingWithValidatorsIsFetchedConditionally(t *testing.T) {
	srv, err := fixture.Start("127.0.0.1:0", filepath.Join(t.TempDir(), "ca.pem"), fixture.Tree(3, 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetListingValidators(true)
	g, err := NewGetter(NetOptions{ClientOptions: ClientOptions{CAFile: srv.CAFile}}, bridge.NewWriter(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	cfg := func() Config {
		src, _ := NewHTTPSource(srv.URL, g)
		return Config{Dir: dst, Source: src, Include: []string{"ps*"}, LockTimeout: time.Second}
	}
	first, _, err := collect(t, cfg())
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	second, sum, err := collect(t, cfg())
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if st.Requests != 1 || st.NotModified != 1 || sum.Requests != 1 {
		t.Errorf("server saw %d requests, %d answered 304; summary %d requests", st.Requests, st.NotModified, sum.Requests)
	}
	if len(second) != len(first) || sum.Added != 0 || second["pslist.exe"].Action != Unchanged {
		t.Errorf("after a 304 listing: %d items (first run %d), %+v", len(second), len(first), sum)
	}

	srv.Change("pslist.exe")
	third, _, err := collect(t, cfg())
	if err != nil {
		t.Fatal(err)
	}
	if third["pslist.exe"].Action != Updated {
		t.Errorf("after a change: %+v", third["pslist.exe"])
	}
}
