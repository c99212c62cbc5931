package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const wineBinary = "/usr/lib/wine/wine64"

// directConnectionReg sets a new prefix's per-user connection settings to
// direct, turning off "Automatically detect settings", which would send
// WPAD look-ups to the network.
var directConnectionReg = filepath.Join(RepoRootDir(), "internal", "testenv", "testdata", "direct-connection.reg")

var (
	winePrefixOnce sync.Once
	winePrefix     string
	winePrefixErr  error
)

// WineEnv returns the environment that runs Wine quietly in the test
// prefix: $SYSUPDATE_WINEPREFIX when the test script made one, else a new
// prefix made once per test process (wineboot takes seconds).
func WineEnv(t testing.TB) []string {
	t.Helper()
	if _, err := os.Stat(wineBinary); err != nil {
		Missing(t, "Wine is not installed (apt-get install wine64)")
	}
	winePrefixOnce.Do(func() {
		winePrefix = os.Getenv("SYSUPDATE_WINEPREFIX")
		if winePrefix != "" {
			return
		}
		winePrefix, winePrefixErr = os.MkdirTemp("", "sysupdate-wine-")
		if winePrefixErr != nil {
			return
		}
		cmd := exec.Command(wineBinary, "wineboot", "-i")
		cmd.Env = append(os.Environ(), "WINEPREFIX="+winePrefix, "WINEDEBUG=-all")
		if winePrefixErr = cmd.Run(); winePrefixErr != nil {
			return
		}
		// Like scripts/test.sh: no WPAD look-ups on the network.
		cmd = exec.Command(wineBinary, "reg", "import", `Z:`+strings.ReplaceAll(directConnectionReg, "/", `\`))
		cmd.Env = append(os.Environ(), "WINEPREFIX="+winePrefix, "WINEDEBUG=-all")
		winePrefixErr = cmd.Run()
	})
	if winePrefixErr != nil {
		t.Fatalf("make a Wine prefix: %v", winePrefixErr)
	}
	return []string{"WINEPREFIX=" + winePrefix, "WINEDEBUG=-all"}
}

// WinePrefix is the folder of the Wine prefix, whose drive_c holds C:\.
func WinePrefix(t testing.TB) string {
	t.Helper()
	WineEnv(t)
	return winePrefix
}

// RunWine runs a Windows program under Wine in the test prefix.
//
// A program that Wine fails to start (a system DLL not found while the Go
// runtime starts, a process killed before it printed anything) is started
// again, at most twice, with a log line: it never ran, so nothing it does
// is repeated, and such failures were seen now and then on this project's
// two-core machines, in Wine rather than in the program.
func RunWine(t testing.TB, stdin, dir string, env []string, program string, args ...string) Result {
	t.Helper()
	env = append(WineEnv(t), env...)
	var res Result
	for attempt := 1; ; attempt++ {
		cmd := exec.Command(wineBinary, append([]string{program}, args...)...)
		res = runCmd(t, cmd, stdin, dir, env)
		if attempt == 3 || !failedToStart(res) {
			return res
		}
		t.Logf("Wine did not start %s (exit %d: %.200s); starting it again", program, res.ExitCode, res.Stderr)
		time.Sleep(time.Second)
	}
}

// failedToStart reports whether a Wine process ended before the program
// did anything: no output, and an exit that no program here makes.
func failedToStart(res Result) bool {
	if len(res.Stdout) != 0 {
		return false
	}
	return res.ExitCode < 0 || res.ExitCode == 127 ||
		bytes.Contains(res.Stderr, []byte("panic before malloc heap initialized"))
}

// RunWineLegacy runs the legacy windows/amd64 sysupdate under Wine.
func RunWineLegacy(t testing.TB, stdin, dir string, env []string, args ...string) Result {
	t.Helper()
	return RunWine(t, stdin, dir, env, WindowsLegacyBinary(t), args...)
}

// Reg runs Wine's reg.exe (reg add, reg query, reg delete) in the prefix.
func Reg(t testing.TB, args ...string) Result {
	t.Helper()
	return RunWine(t, "", "", nil, "reg", args...)
}

// WineServerWait waits until the prefix's wineserver has written its
// registry to disk, so a later process sees every change.
func WineServerWait(t testing.TB) {
	t.Helper()
	cmd := exec.Command(filepath.Join(filepath.Dir(wineBinary), "wineserver"), "-w")
	cmd.Env = append(os.Environ(), WineEnv(t)...)
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
	}
}
