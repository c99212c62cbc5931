package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// WindowsHelper builds the Windows program in the package folder pkgDir
// (relative to the repository root) with the legacy toolchain, so that
// Wine can run it, and returns the .exe path. ldflags may set variables to
// make builds of one program differ.
func WindowsHelper(t testing.TB, pkgDir, ldflags string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkgDir)+".exe")
	cmd := exec.Command("go", "build", "-mod=vendor", "-ldflags", ldflags, "-o", out, "./"+filepath.ToSlash(pkgDir))
	cmd.Dir = RepoRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0",
		"GOTOOLCHAIN=go1.20.14", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkgDir, err, b)
	}
	return out
}

// WinePath is the Windows path under which Wine sees a Linux path: the Z:
// drive maps the root.
func WinePath(path string) string {
	abs, _ := filepath.Abs(path)
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}
