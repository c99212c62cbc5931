// Package testenv gives tests the real things they run against: the built
// sysupdate binaries, Wine for the Windows build, external tools, and TLS
// servers on loopback with a private CA.
//
// A test that needs a tool which is missing is skipped on a developer's
// machine but fails under CI (CI=true), where scripts/setup.sh installs
// everything: a skipped test must never pass for a green CI.
package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Require returns the path of an external command, or skips (fails under
// CI) when it is missing.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed (scripts/setup.sh installs it)")
	}
	return path
}

// Missing skips the test, or fails it under CI, for a missing prerequisite.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("prerequisite missing under CI: %s", why)
	}
	t.Skip(why)
}

// RepoRoot is the folder that holds go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	return RepoRootDir()
}

// RepoRootDir is RepoRoot for code that has no test at hand.
func RepoRootDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

var (
	buildOnce sync.Map // key -> *buildResult
)

type buildResult struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// build compiles cmd/sysupdate once per test process for one target.
func build(t testing.TB, key string, env []string, goCmd ...string) string {
	t.Helper()
	v, _ := buildOnce.LoadOrStore(key, &buildResult{})
	r := v.(*buildResult)
	r.once.Do(func() {
		dir, err := os.MkdirTemp("", "sysupdate-build-")
		if err != nil {
			r.err = err
			return
		}
		name := "sysupdate"
		if strings.Contains(key, "windows") {
			name += ".exe"
		}
		r.path = filepath.Join(dir, name)
		args := append(goCmd[1:], "build", "-mod=vendor", "-o", r.path, "./cmd/sysupdate")
		cmd := exec.Command(goCmd[0], args...)
		cmd.Dir = RepoRoot(t)
		cmd.Env = append(os.Environ(), env...)
		r.out, r.err = cmd.CombinedOutput()
	})
	if r.err != nil {
		t.Fatalf("build %s: %v\n%s", key, r.err, r.out)
	}
	return r.path
}

// Binary is the sysupdate executable for this machine: $SYSUPDATE_BIN when
// the test script built it, else built now with the current Go.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SYSUPDATE_BIN"); p != "" {
		return p
	}
	return build(t, "native", []string{"CGO_ENABLED=0", "GOFLAGS=-buildvcs=false"}, "go")
}

// WindowsLegacyBinary is the legacy windows/amd64 build (Go 1.20 or older),
// the one Wine 8 can run: $SYSUPDATE_WIN_LEGACY, else built now with
// GOTOOLCHAIN=go1.20.14.
func WindowsLegacyBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SYSUPDATE_WIN_LEGACY"); p != "" {
		return p
	}
	return build(t, "windows-legacy", []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0",
		"GOTOOLCHAIN=go1.20.14", "GOFLAGS=-buildvcs=false"}, "go")
}

// Result is what a finished process left.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Run runs the native binary with args and stdin, in dir when not empty,
// with extra environment variables.
func Run(t testing.TB, stdin string, dir string, env []string, args ...string) Result {
	t.Helper()
	return runCmd(t, exec.Command(Binary(t), args...), stdin, dir, env)
}

// processTimeout bounds one process a test runs: a hung child must fail its
// test, not stall the whole suite until go test's own timeout.
const processTimeout = 5 * time.Minute

func runCmd(t testing.TB, cmd *exec.Cmd, stdin, dir string, env []string) Result {
	t.Helper()
	// Output goes to files, not pipes: Wine starts a wineserver that
	// inherits the child's handles and outlives it, and a pipe it holds
	// open would keep Wait from returning.
	stdout, stderr := outputFile(t, "stdout"), outputFile(t, "stderr")
	defer stdout.Close()
	defer stderr.Close()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	timer := time.AfterFunc(processTimeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	timedOut := !timer.Stop()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %v: %v", cmd.Args, err)
		}
		code = exitErr.ExitCode()
	}
	res := Result{Stdout: readBack(t, stdout), Stderr: readBack(t, stderr), ExitCode: code}
	if timedOut {
		t.Fatalf("%v did not finish within %v; killed. Output so far:\n%s%s",
			cmd.Args, processTimeout, res.Stdout, res.Stderr)
	}
	return res
}

func outputFile(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.CreateTemp("", "sysupdate-test-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(f.Name()) // the open handle keeps the data; nothing to clean up
	return f
}

func readBack(t testing.TB, f *os.File) []byte {
	t.Helper()
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
