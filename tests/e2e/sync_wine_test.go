package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/fixture"
	"github.com/sysupdate/sysupdate/internal/testenv"
)

const wine = "/usr/lib/wine/wine64"

// runWineSync runs the legacy Windows build under Wine against srv.
func runWineSync(t *testing.T, srv *fixture.Server, dir string, extra ...string) syncRun {
	t.Helper()
	args := append([]string{"sysinternals", "--path", testenv.WinePath(dir), "--source", srv.URL,
		"--ca-file", testenv.WinePath(srv.CAFile)}, extra...)
	res := testenv.RunWineLegacy(t, "", "", nil, args...)
	res.Stderr = nil // Wine's own diagnostics
	return parseSync(t, res)
}

// startWine starts a Windows program under Wine and waits until it wrote
// its marker file. The program is killed when the test ends.
func startWine(t *testing.T, marker string, program string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(wine, append([]string{program}, args...)...)
	cmd.Env = append(os.Environ(), testenv.WineEnv(t)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 600; i++ {
		if _, err := os.Stat(marker); err == nil {
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not start under Wine", program)
	return nil
}

func asideCopies(t *testing.T, dir string) []string {
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".sysupdate-old-") {
			out = append(out, de.Name())
		}
	}
	return out
}

// On Windows a running program cannot be overwritten but can be renamed:
// the sync renames it aside, puts the new file in its place, and a later
// run removes the aside copy once the program has exited.
func TestSyncUnderWineReplacesARunningExecutable(t *testing.T) {
	testenv.WineEnv(t)
	srv := startFixture(t)
	dir := t.TempDir()
	v1, err := os.ReadFile(testenv.WindowsHelper(t, "tests/e2e/testdata/winhelpers/sleeper", "-X main.edition=1"))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := os.ReadFile(testenv.WindowsHelper(t, "tests/e2e/testdata/winhelpers/sleeper", "-X main.edition=2"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Put("procexp.exe", v1)
	runWineSync(t, srv, dir, "--include", "procexp.exe").mustSucceed(t)

	marker := filepath.Join(t.TempDir(), "started")
	running := startWine(t, marker, testenv.WinePath(filepath.Join(dir, "procexp.exe")), testenv.WinePath(marker))

	srv.Put("procexp.exe", v2)
	run := runWineSync(t, srv, dir, "--include", "procexp.exe").mustSucceed(t)
	if run.action("procexp.exe") != "Updated" {
		t.Fatalf("running procexp.exe: %v", run.items["procexp.exe"])
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "procexp.exe")); !bytes.Equal(got, v2) {
		t.Errorf("procexp.exe is not the new version")
	}
	aside := asideCopies(t, dir)
	if len(aside) != 1 {
		t.Fatalf("want the running file renamed aside, found %v", aside)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, aside[0])); !bytes.Equal(got, v1) {
		t.Errorf("the aside copy is not the old program")
	}

	running.Process.Kill()
	running.Wait()
	testenv.WineServerWait(t)
	runWineSync(t, srv, dir, "--include", "procexp.exe").mustSucceed(t)
	if left := asideCopies(t, dir); len(left) != 0 {
		t.Errorf("aside copies left after the program ended: %v", left)
	}
}

// A file another process holds open without delete sharing cannot be
// replaced: it is reported Failed (exit 7), left intact, and the next run
// replaces it once it is free.
func TestSyncUnderWineReportsAFileHeldOpenAsFailed(t *testing.T) {
	testenv.WineEnv(t)
	srv := startFixture(t)
	dir := t.TempDir()
	include := []string{"--include", "Eula.txt", "--include", "pslist.exe"}
	runWineSync(t, srv, dir, include...).mustSucceed(t)
	old := srv.Data("Eula.txt")

	holder := testenv.WindowsHelper(t, "tests/e2e/testdata/winhelpers/holder", "")
	marker := filepath.Join(t.TempDir(), "open")
	held := startWine(t, marker, holder, testenv.WinePath(filepath.Join(dir, "Eula.txt")), testenv.WinePath(marker))

	srv.Change("Eula.txt")
	srv.Change("pslist.exe")
	run := runWineSync(t, srv, dir, include...)
	if run.res.ExitCode != 7 {
		t.Fatalf("exit %d, want 7 (partly done): %s", run.res.ExitCode, run.res.Stdout)
	}
	if it := run.items["Eula.txt"]; it["Action"] != "Failed" || !strings.Contains(it["Reason"].(string), "in use") {
		t.Errorf("Eula.txt: %v", it)
	}
	if run.action("pslist.exe") != "Updated" {
		t.Errorf("the other file should still be updated: %v", run.items["pslist.exe"])
	}
	if rec := lastError(t, run.res); rec["ErrorId"] != "SyncPartial" || rec["ExitCode"] != float64(7) {
		t.Errorf("error record %v", rec)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "Eula.txt")); !bytes.Equal(got, old) {
		t.Errorf("the held file was changed")
	}

	held.Process.Kill()
	held.Wait()
	testenv.WineServerWait(t)
	run = runWineSync(t, srv, dir, include...).mustSucceed(t)
	if run.action("Eula.txt") != "Updated" {
		t.Errorf("once free, Eula.txt: %v", run.items["Eula.txt"])
	}
	assertSameAsServer(t, srv, dir, []string{"Eula.txt", "pslist.exe"})
}

// --accept-eula writes EulaAccepted under the key each tool reads, which
// for some tools is a display name rather than the file name.
func TestSysinternalsAcceptEulaUnderWine(t *testing.T) {
	testenv.WineEnv(t)
	srv := startFixture(t)
	dir := t.TempDir()
	runWineSync(t, srv, dir, "--include", "procexp*", "--include", "PsExec.exe", "--include", "ShareEnum.exe",
		"--accept-eula").mustSucceed(t)
	testenv.WineServerWait(t)
	// One query lists every key with its values: Wine starts slowly.
	res := testenv.Reg(t, "query", `HKCU\Software\Sysinternals`, "/s")
	accepted := map[string]bool{}
	key := ""
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(strings.ToUpper(line), `HKEY_CURRENT_USER\SOFTWARE\SYSINTERNALS\`):
			key = strings.ToLower(line[len(`HKEY_CURRENT_USER\Software\Sysinternals\`):])
		case strings.HasPrefix(line, "EulaAccepted") && strings.HasSuffix(line, "0x1"):
			accepted[key] = true
		}
	}
	cases := map[string]bool{
		"Process Explorer": true,
		"PsExec":           true,
		"Share Enum":       true,
		"procexp":          false,
		"Process Monitor":  false, // not in the folder
	}
	for name, want := range cases {
		if got := accepted[strings.ToLower(name)]; got != want {
			t.Errorf("%s EulaAccepted: %v, want %v; reg query said:\n%s", name, got, want, res.Stdout)
		}
	}
}

// The lock under Windows (LockFileEx): a second run gives up after
// --lock-timeout-sec with exit 6 while the first still runs.
func TestSyncUnderWineSecondRunExitsSixWhileLocked(t *testing.T) {
	testenv.WineEnv(t)
	srv := startFixture(t)
	dir := t.TempDir()
	srv.SetDelay(100 * time.Millisecond) // the first run takes well over a minute
	first := exec.Command(wine, testenv.WindowsLegacyBinary(t), "sysinternals", "--path", testenv.WinePath(dir),
		"--source", srv.URL, "--ca-file", testenv.WinePath(srv.CAFile))
	first.Env = append(os.Environ(), testenv.WineEnv(t)...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Process.Kill(); first.Wait() })
	for i := 0; i < 600; i++ {
		if srv.Stats().FullFiles > 0 {
			break // the first run is past its lock and fetching
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := runWineSync(t, srv, dir, "--lock-timeout-sec", "1")
	if second.res.ExitCode != 6 {
		t.Fatalf("exit %d, want 6: %s", second.res.ExitCode, second.res.Stdout)
	}
	if rec := lastError(t, second.res); rec["ErrorId"] != "SyncFolderLocked" {
		t.Errorf("error record %v", rec)
	}
}
