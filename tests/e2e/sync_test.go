package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

func TestSyncFirstRunFetchesAllSecondRunMakesOneRequest(t *testing.T) {
	srv := startFixture(t)
	dir := filepath.Join(t.TempDir(), "Sysinternals")
	want := x64Names(srv)

	first := runSysinternals(t, srv, dir).mustSucceed(t)
	if got := first.names("Added"); !equalStrings(got, want) {
		t.Fatalf("first run added %d files, want the %d x64 files", len(got), len(want))
	}
	assertSameAsServer(t, srv, dir, want)
	if first.count("Requests") != int64(len(want))+1 {
		t.Errorf("first run made %d requests, want one listing and %d files", first.count("Requests"), len(want))
	}
	if v := first.items["procexp.exe"]["NewVersion"]; v == "" || !strings.HasPrefix(v.(string), "1.0.") {
		t.Errorf("procexp.exe NewVersion = %v, want the version from its PE resource", v)
	}

	before := snapshot(t, dir)
	srv.ResetStats()
	second := runSysinternals(t, srv, dir).mustSucceed(t)
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("the server saw %d requests on a run with nothing changed, want 1", n)
	}
	if second.count("Requests") != 1 || second.count("BytesFetched") != 0 {
		t.Errorf("summary: %v", second.summary)
	}
	if got := second.names("Unchanged"); !equalStrings(got, want) {
		t.Errorf("second run: %d unchanged, want %d", len(got), len(want))
	}
	after := snapshot(t, dir)
	for name, id := range before {
		if after[name] != id {
			t.Errorf("%s was touched: %+v then %+v", name, id, after[name])
		}
	}
}

func TestSyncFetchesExactlyTheChangedFiles(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	runSysinternals(t, srv, dir).mustSucceed(t)
	before := snapshot(t, dir)

	srv.Change("procexp.exe")
	srv.Change("Eula.txt")
	srv.Change("newtool.exe")
	srv.ResetStats()
	run := runSysinternals(t, srv, dir).mustSucceed(t)

	if got := run.names("Updated"); !equalStrings(got, []string{"Eula.txt", "procexp.exe"}) {
		t.Errorf("updated %v", got)
	}
	if got := run.names("Added"); !equalStrings(got, []string{"newtool.exe"}) {
		t.Errorf("added %v", got)
	}
	if st := srv.Stats(); st.FullFiles != 3 || st.Requests != 4 {
		t.Errorf("server saw %d requests and sent %d files, want 4 and 3", st.Requests, st.FullFiles)
	}
	assertSameAsServer(t, srv, dir, []string{"procexp.exe", "Eula.txt", "newtool.exe"})
	it := run.items["procexp.exe"]
	if it["OldVersion"] == it["NewVersion"] || !strings.HasPrefix(it["NewVersion"].(string), "1.1.") {
		t.Errorf("procexp.exe versions %v -> %v", it["OldVersion"], it["NewVersion"])
	}
	after := snapshot(t, dir)
	for name, id := range before {
		changed := name == "procexp.exe" || name == "Eula.txt"
		if (after[name] != id) != changed {
			t.Errorf("%s: rewritten=%v, want %v", name, after[name] != id, changed)
		}
	}
}

func TestSyncShiftedListedTimeCostsA304NotADownload(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	runSysinternals(t, srv, dir).mustSucceed(t)
	before := snapshot(t, dir)
	kept := len(x64Names(srv))

	srv.ShiftListedTimes(time.Hour)
	srv.ResetStats()
	run := runSysinternals(t, srv, dir).mustSucceed(t)
	st := srv.Stats()
	if st.FullFiles != 0 || st.NotModified != int64(kept) {
		t.Errorf("server sent %d files and %d 304s, want 0 and %d", st.FullFiles, st.NotModified, kept)
	}
	if len(run.names("Unchanged")) != kept {
		t.Errorf("unchanged %d, want %d", len(run.names("Unchanged")), kept)
	}
	for name, id := range snapshot(t, dir) {
		if before[name] != id {
			t.Errorf("%s was rewritten", name)
		}
	}
	// The new listed times are remembered: the next run is one request.
	srv.ResetStats()
	runSysinternals(t, srv, dir).mustSucceed(t)
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("run after the shift made %d requests, want 1", n)
	}
}

func TestSyncUsersOwnFiles(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A file the source does not have, an identical copy of a source file
	// made by hand, and a different file of the same size and name.
	write("my-notes.txt", []byte("mine"))
	write("procexp.exe", srv.Data("procexp.exe"))
	other := srv.Data("Procmon.exe")
	other[len(other)-1] ^= 0xff
	write("Procmon.exe", other)
	before := snapshot(t, dir)

	run := runSysinternals(t, srv, dir, "--prune").mustSucceed(t)
	if run.action("procexp.exe") != "Unchanged" || snapshot(t, dir)["procexp.exe"] != before["procexp.exe"] {
		t.Errorf("an identical copy should be kept as it is: %v", run.items["procexp.exe"])
	}
	if run.action("Procmon.exe") != "Updated" {
		t.Errorf("a different file of the same name should be replaced: %v", run.items["Procmon.exe"])
	}
	assertSameAsServer(t, srv, dir, []string{"procexp.exe", "Procmon.exe"})
	if data, err := os.ReadFile(filepath.Join(dir, "my-notes.txt")); err != nil || string(data) != "mine" {
		t.Errorf("the user's own file was touched: %q, %v", data, err)
	}
	if _, ok := run.items["my-notes.txt"]; ok {
		t.Errorf("a file the source does not have got a record")
	}
}

func TestSyncPruneRemovesOnlyFilesItInstalled(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	runSysinternals(t, srv, dir).mustSucceed(t)
	os.WriteFile(filepath.Join(dir, "mine.exe"), []byte("user's"), 0o644)
	srv.Remove("whois.exe")
	srv.Remove("du.exe")
	// du.exe was changed on disk by someone: not this tool's to delete.
	os.WriteFile(filepath.Join(dir, "du.exe"), []byte("patched by hand"), 0o644)

	run := runSysinternals(t, srv, dir).mustSucceed(t)
	if _, err := os.Stat(filepath.Join(dir, "whois.exe")); err != nil {
		t.Errorf("without --prune a vanished file stays: %v", err)
	}
	if len(run.names("Removed")) != 0 {
		t.Errorf("removed without --prune: %v", run.names("Removed"))
	}

	run = runSysinternals(t, srv, dir, "--prune").mustSucceed(t)
	if got := run.names("Removed"); !equalStrings(got, []string{"whois.exe"}) {
		t.Errorf("--prune removed %v, want whois.exe", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "whois.exe")); !os.IsNotExist(err) {
		t.Errorf("whois.exe still there: %v", err)
	}
	for name, want := range map[string]string{"mine.exe": "user's", "du.exe": "patched by hand"} {
		if data, _ := os.ReadFile(filepath.Join(dir, name)); string(data) != want {
			t.Errorf("%s = %q, want %q", name, data, want)
		}
	}
	if run.action("du.exe") != "Skipped" {
		t.Errorf("du.exe: %v", run.items["du.exe"])
	}
}

func TestSyncIncludeAndExclude(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	run := runSysinternals(t, srv, dir, "--include", "ps*", "--include", "Eula.txt", "--exclude", "*64.exe").mustSucceed(t)
	var want []string
	for _, n := range x64Names(srv) {
		l := strings.ToLower(n)
		if (strings.HasPrefix(l, "ps") || n == "Eula.txt") && !strings.HasSuffix(l, "64.exe") {
			want = append(want, n)
		}
	}
	if got := run.names("Added"); len(want) < 5 || !equalStrings(got, want) {
		t.Errorf("added %v, want %v", got, want)
	}
	des, _ := os.ReadDir(dir)
	if len(des) != len(want)+1 { // and the state folder
		t.Errorf("%d entries in the folder, want %d", len(des), len(want)+1)
	}
	if r := run.items["procexp.exe"]; r["Action"] != "Skipped" || !strings.Contains(r["Reason"].(string), "--include") {
		t.Errorf("procexp.exe: %v", r)
	}
}

func TestSysinternalsArchitectureFilter(t *testing.T) {
	srv := startFixture(t)
	cases := []struct {
		arch       string
		keep, drop []string
	}{
		{"x86", []string{"accesschk.exe"}, []string{"accesschk64.exe", "accesschk64a.exe"}},
		{"x64", []string{"accesschk.exe", "accesschk64.exe"}, []string{"accesschk64a.exe"}},
		{"arm64", []string{"accesschk.exe", "accesschk64.exe", "accesschk64a.exe"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.arch, func(t *testing.T) {
			dir := t.TempDir()
			run := runSysinternals(t, srv, dir, "--architecture", tc.arch, "--include", "accesschk*").mustSucceed(t)
			for _, n := range tc.keep {
				if run.action(n) != "Added" {
					t.Errorf("%s: %v", n, run.items[n])
				}
			}
			for _, n := range tc.drop {
				if run.action(n) != "Skipped" {
					t.Errorf("%s: %v", n, run.items[n])
				}
				if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
					t.Errorf("%s was written", n)
				}
			}
		})
	}
	res := runSysinternals(t, srv, t.TempDir(), "--architecture", "mips")
	if res.res.ExitCode != 2 {
		t.Errorf("--architecture mips: exit %d", res.res.ExitCode)
	}
}

func TestSyncWhatIfChangesNothing(t *testing.T) {
	srv := startFixture(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "tools")
	run := runSysinternals(t, srv, dir, "--what-if").mustSucceed(t)
	if len(run.names("Added")) != len(x64Names(srv)) {
		t.Errorf("what-if planned %d additions", len(run.names("Added")))
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("what-if created the folder: %v", err)
	}
	if st := srv.Stats(); st.FullFiles != 0 {
		t.Errorf("what-if downloaded %d files", st.FullFiles)
	}
}

func TestSyncLogFileHasALinePerRunAndChange(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "sync.log")
	runSysinternals(t, srv, dir, "--include", "ps*", "--log-file", log).mustSucceed(t)
	srv.Change("pslist.exe")
	runSysinternals(t, srv, dir, "--include", "ps*", "--log-file", log).mustSucceed(t)
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var runs, adds, updates int
	for _, l := range lines {
		switch f := strings.Fields(l); f[1] {
		case "run":
			runs++
		case "Added":
			adds++
		case "Updated":
			updates++
			if f[2] != "pslist.exe" {
				t.Errorf("updated line: %s", l)
			}
		}
	}
	if runs != 2 || adds < 5 || updates != 1 || runs+adds+updates != len(lines) {
		t.Errorf("%d run, %d added, %d updated lines in:\n%s", runs, adds, updates, data)
	}
}

// A folder that one machine keeps current serves a fleet: sync reads it
// like a listing, with its files' sizes and times.
func TestSyncFromAFolder(t *testing.T) {
	mirrorDir, dir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(mirrorDir, "tool.exe"), []byte("tool v1"), 0o644)
	os.WriteFile(filepath.Join(mirrorDir, "readme.txt"), []byte("readme"), 0o644)
	sync := func(extra ...string) syncRun {
		args := append([]string{"sync", "--uri", mirrorDir, "--path", dir}, extra...)
		return parseSync(t, testenv.Run(t, "", "", nil, args...)).mustSucceed(t)
	}
	if got := sync().names("Added"); !equalStrings(got, []string{"readme.txt", "tool.exe"}) {
		t.Fatalf("added %v", got)
	}
	before := snapshot(t, dir)
	if got := sync().names("Unchanged"); len(got) != 2 {
		t.Errorf("unchanged %v", got)
	}
	os.WriteFile(filepath.Join(mirrorDir, "tool.exe"), []byte("tool v2, longer"), 0o644)
	run := sync("--verbose", "--random-delay-sec", "1")
	if got := run.names("Updated"); !equalStrings(got, []string{"tool.exe"}) {
		t.Errorf("updated %v", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "tool.exe")); string(data) != "tool v2, longer" {
		t.Errorf("tool.exe = %q", data)
	}
	if snapshot(t, dir)["readme.txt"] != before["readme.txt"] {
		t.Errorf("readme.txt was rewritten")
	}
	waited := false
	for _, rec := range only(parseRecords(t, run.res.Stdout), "Verbose") {
		waited = waited || strings.Contains(rec.Data["Message"].(string), "--random-delay-sec")
	}
	if !waited {
		t.Errorf("no verbose record of the random delay")
	}
}

// The module sends the whole request on standard input; parameters it
// leaves out keep their defaults.
func TestSysinternalsRequestOnStandardInput(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	req, _ := json.Marshal(map[string]any{
		"Path": dir, "Source": srv.URL, "CAFile": srv.CAFile, "Include": []string{"ps*"}, "Architecture": "x86",
	})
	run := parseSync(t, testenv.Run(t, string(req), "", nil, "sysinternals", "--request", "-")).mustSucceed(t)
	if run.action("pslist.exe") != "Added" || run.action("pslist64.exe") != "Skipped" {
		t.Errorf("pslist.exe %v, pslist64.exe %v", run.items["pslist.exe"], run.items["pslist64.exe"])
	}
	res := testenv.Run(t, `{"Path": "x", "ThrottleLimit": 0}`, "", nil, "sync", "--request", "-", "--uri", dir)
	if res.ExitCode != 2 || lastError(t, res)["ErrorId"] != "BadThrottleLimit" {
		t.Errorf("ThrottleLimit 0: exit %d %s", res.ExitCode, res.Stdout)
	}
}
