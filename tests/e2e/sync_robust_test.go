package e2e

import (
	"archive/zip"
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// A kill at any moment leaves each file its old or its new version, and
// the next run removes the leftovers and finishes the job.
func TestSyncKilledAtRandomMomentsLeavesWholeFiles(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	names := x64Names(srv)
	runSysinternals(t, srv, dir).mustSucceed(t)

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	// Every version each file had: a killed run may leave any of them, but
	// nothing else.
	versions := map[string][][]byte{}
	for _, n := range names {
		versions[n] = [][]byte{srv.Data(n)}
	}
	const rounds = 8
	for round := 0; round < rounds; round++ {
		for i, n := range names {
			if i%3 == round%3 { // a third of the files change each round
				srv.Change(n)
				versions[n] = append(versions[n], srv.Data(n))
			}
		}
		srv.SetDelay(time.Millisecond) // a run takes a few hundred ms
		cmd := exec.Command(testenv.Binary(t), "sysinternals", "--path", dir,
			"--source", srv.URL, "--ca-file", srv.CAFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(5+rng.Intn(150)) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL: no clean-up is possible
		cmd.Wait()

		stale := 0
		for _, n := range names {
			got, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, n, err)
			}
			whole := false
			for _, v := range versions[n] {
				whole = whole || bytes.Equal(got, v)
			}
			if !whole {
				t.Fatalf("round %d: %s is none of its versions (%d bytes)", round, n, len(got))
			}
			if !bytes.Equal(got, versions[n][len(versions[n])-1]) {
				stale++
			}
		}
		t.Logf("round %d: killed with %d files not yet current", round, stale)
	}
	srv.SetDelay(0)
	run := runSysinternals(t, srv, dir).mustSucceed(t)
	assertSameAsServer(t, srv, dir, names)
	for _, d := range []string{dir, filepath.Join(dir, ".sysupdate")} {
		des, _ := os.ReadDir(d)
		for _, de := range des {
			if strings.HasPrefix(de.Name(), ".sysupdate-") {
				t.Errorf("leftover %s in %s", de.Name(), d)
			}
		}
	}
	if des, _ := os.ReadDir(filepath.Join(dir, ".sysupdate", "staging")); len(des) != 0 {
		t.Errorf("%d files left in the staging folder", len(des))
	}
	// After the clean-up run, nothing is left to do.
	srv.ResetStats()
	runSysinternals(t, srv, dir).mustSucceed(t)
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("after recovery a no-op run made %d requests (the run before: %v)", n, run.summary)
	}
}

// Six runs at once on one folder: the lock makes them take turns, and the
// folder ends complete and equal to the source.
func TestSyncConcurrentRunsEndInOneConsistentFolder(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	names := x64Names(srv)
	var wg sync.WaitGroup
	runs := make([]syncRun, 6)
	for i := range runs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			runs[i] = runSysinternals(t, srv, dir)
		}(i)
	}
	wg.Wait()
	added := 0
	for i, r := range runs {
		if r.res.ExitCode != 0 {
			t.Errorf("run %d: exit %d: %s", i, r.res.ExitCode, r.res.Stdout)
		}
		added += len(r.names("Added"))
	}
	if added != len(names) {
		t.Errorf("the runs added %d files in all, want each of the %d once", added, len(names))
	}
	if st := srv.Stats(); st.FullFiles != int64(len(names)) {
		t.Errorf("the server sent %d files, want %d", st.FullFiles, len(names))
	}
	assertSameAsServer(t, srv, dir, names)
}

func TestSyncSecondRunWaitsForTheLockThenExitsSix(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	srv.SetDelay(40 * time.Millisecond) // the first run takes many seconds
	first := exec.Command(testenv.Binary(t), "sysinternals", "--path", dir,
		"--source", srv.URL, "--ca-file", srv.CAFile)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	// Wait until the first run holds the lock: its staging folder exists.
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(filepath.Join(dir, ".sysupdate", "staging")); err == nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	log := filepath.Join(t.TempDir(), "sync.log")
	second := runSysinternals(t, srv, dir, "--lock-timeout-sec", "1", "--log-file", log)
	if second.res.ExitCode != 6 {
		t.Fatalf("exit %d, want 6: %s", second.res.ExitCode, second.res.Stdout)
	}
	if rec := lastError(t, second.res); rec["ErrorId"] != "SyncFolderLocked" {
		t.Errorf("error record %v", rec)
	}
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), "not started: another sysupdate run") {
		t.Errorf("the log has no line for the run that gave up: %q", data)
	}
}

// A downgrade offered by the source is refused unless allowed.
func TestSyncRefusesADowngradeUnlessAllowed(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	old := srv.Data("procexp.exe")
	srv.Change("procexp.exe")
	runSysinternals(t, srv, dir, "--include", "procexp.exe").mustSucceed(t)
	newer := srv.Data("procexp.exe")

	srv.Put("procexp.exe", old)
	run := runSysinternals(t, srv, dir, "--include", "procexp.exe").mustSucceed(t)
	it := run.items["procexp.exe"]
	if it["Action"] != "Skipped" || !strings.Contains(it["Reason"].(string), "older") {
		t.Fatalf("downgrade: %v", it)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "procexp.exe")); !bytes.Equal(got, newer) {
		t.Errorf("the newer file was replaced")
	}
	srv.ResetStats()
	run = runSysinternals(t, srv, dir, "--include", "procexp.exe").mustSucceed(t)
	if run.action("procexp.exe") != "Skipped" || srv.Stats().Requests != 1 {
		t.Errorf("a refused downgrade should not be fetched again: %v, %d requests", run.items["procexp.exe"], srv.Stats().Requests)
	}
	run = runSysinternals(t, srv, dir, "--include", "procexp.exe", "--allow-downgrade").mustSucceed(t)
	if run.action("procexp.exe") != "Updated" {
		t.Errorf("--allow-downgrade: %v", run.items["procexp.exe"])
	}
	assertSameAsServer(t, srv, dir, []string{"procexp.exe"})
}

// The suite archive: fetched conditionally, and only the members whose
// size or CRC differ from the disk are written.
func TestSysinternalsSuiteArchive(t *testing.T) {
	srv := startFixture(t)
	names := x64Names(srv)
	suite := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range srv.TopNames() {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: time.Date(2024, 6, 7, 16, 5, 0, 0, time.UTC)})
			w.Write(srv.Data(n))
		}
		zw.Close()
		return buf.Bytes()
	}
	srv.Put("files/SysinternalsSuite.zip", suite())
	source := srv.URL + "files/SysinternalsSuite.zip"
	dir := t.TempDir()
	run := func(extra ...string) syncRun {
		args := append([]string{"sysinternals", "--path", dir, "--source", source, "--ca-file", srv.CAFile}, extra...)
		return parseSync(t, testenv.Run(t, "", "", nil, args...)).mustSucceed(t)
	}
	first := run()
	if got := first.names("Added"); !equalStrings(got, names) {
		t.Fatalf("first run added %d, want %d", len(got), len(names))
	}
	assertSameAsServer(t, srv, dir, names)

	srv.ResetStats()
	second := run()
	if st := srv.Stats(); st.Requests != 1 || st.NotModified != 1 {
		t.Errorf("unchanged archive: %d requests, %d answered 304", st.Requests, st.NotModified)
	}
	if len(second.names("Unchanged")) != len(names) {
		t.Errorf("second run: %v", second.summary)
	}

	before := snapshot(t, dir)
	srv.Change("procexp.exe")
	srv.Change("Eula.txt")
	srv.Put("files/SysinternalsSuite.zip", suite())
	third := run()
	if got := third.names("Updated"); !equalStrings(got, []string{"Eula.txt", "procexp.exe"}) {
		t.Errorf("updated %v", got)
	}
	assertSameAsServer(t, srv, dir, names)
	for name, id := range snapshot(t, dir) {
		if (before[name] != id) != (name == "procexp.exe" || name == "Eula.txt") {
			t.Errorf("%s: rewritten=%v", name, before[name] != id)
		}
	}
}

// A transfer cut off midway fails that file only (exit 7); the file on
// disk keeps its old version, and the next run completes it.
func TestSyncCutTransferFailsOnlyThatFile(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	include := []string{"--include", "procexp.exe", "--include", "Procmon.exe"}
	runSysinternals(t, srv, dir, include...).mustSucceed(t)
	old := srv.Data("procexp.exe")

	srv.Change("procexp.exe")
	srv.CutTransfers(1000, 1)
	run := runSysinternals(t, srv, dir, include...)
	if run.res.ExitCode != 7 || run.action("procexp.exe") != "Failed" {
		t.Fatalf("exit %d, procexp.exe %v", run.res.ExitCode, run.items["procexp.exe"])
	}
	if run.action("Procmon.exe") != "Unchanged" || run.count("Failed") != 1 {
		t.Errorf("summary %v", run.summary)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "procexp.exe")); !bytes.Equal(got, old) {
		t.Errorf("procexp.exe is not its old version after a failed transfer")
	}
	run = runSysinternals(t, srv, dir, include...).mustSucceed(t)
	if run.action("procexp.exe") != "Updated" {
		t.Errorf("next run: %v", run.items["procexp.exe"])
	}
	assertSameAsServer(t, srv, dir, []string{"procexp.exe"})
}

func TestSyncUnreachableSourceExitsThree(t *testing.T) {
	srv := startFixture(t)
	url, ca := srv.URL, srv.CAFile
	srv.Close()
	res := testenv.Run(t, "", "", nil, "sync", "--uri", url, "--path", t.TempDir(), "--ca-file", ca)
	if res.ExitCode != 3 {
		t.Fatalf("exit %d, want 3: %s", res.ExitCode, res.Stdout)
	}
	lastError(t, res)
}

// Ctrl+C stops the run between files: exit 130, files whole, and the
// next run completes the folder.
func TestSyncInterruptedExitsOneThirty(t *testing.T) {
	srv := startFixture(t)
	dir := t.TempDir()
	srv.SetDelay(20 * time.Millisecond)
	cmd := exec.Command(testenv.Binary(t), "sysinternals", "--path", dir, "--source", srv.URL, "--ca-file", srv.CAFile)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400 && srv.Stats().FullFiles < 3; i++ {
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130: %s", code, out.Bytes())
	}
	run := parseSync(t, testenv.Result{Stdout: out.Bytes(), ExitCode: 130})
	if len(run.names("Failed")) != 0 {
		t.Errorf("interrupted files reported as failed: %v", run.names("Failed"))
	}
	srv.SetDelay(0)
	runSysinternals(t, srv, dir).mustSucceed(t)
	assertSameAsServer(t, srv, dir, x64Names(srv))
}

// An archive with a member whose name would leave the folder is refused
// as a whole (exit 5), before any file is written.
func TestSysinternalsRefusesAnUnsafeArchive(t *testing.T) {
	srv := startFixture(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"procexp.exe", "../escaped.exe"} {
		w, _ := zw.Create(name)
		w.Write([]byte("content of " + name))
	}
	zw.Close()
	srv.Put("files/bad.zip", buf.Bytes())
	parent := t.TempDir()
	dir := filepath.Join(parent, "tools")
	res := testenv.Run(t, "", "", nil, "sysinternals", "--path", dir, "--source", srv.URL+"files/bad.zip", "--ca-file", srv.CAFile)
	if res.ExitCode != 5 {
		t.Fatalf("exit %d, want 5: %s", res.ExitCode, res.Stdout)
	}
	if rec := lastError(t, res); !strings.HasPrefix(rec["ErrorId"].(string), "Archive") || rec["ExitCode"] != float64(5) {
		t.Errorf("error record %v", rec)
	}
	for _, p := range []string{filepath.Join(dir, "procexp.exe"), filepath.Join(parent, "escaped.exe")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was written", p)
		}
	}
}
