package safefile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestCommitReplacesTargetAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "tool.exe")
	os.WriteFile(target, []byte("old"), 0o644)

	f, err := Create(dir, "tool.exe")
	if err != nil {
		t.Fatal(err)
	}
	if !IsTemp(filepath.Base(f.Name())) {
		t.Fatalf("temporary name %q does not follow the pattern", f.Name())
	}
	f.WriteString("new")
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Fatalf("target changed before commit: %q", got)
	}
	if err := f.Commit(target); err != nil {
		t.Fatal(err)
	}
	f.Abort() // deferred Abort after Commit must be harmless
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("target = %q, want new", got)
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "tool.exe" {
		t.Errorf("folder holds %v", names)
	}
}

func TestAbortRemovesTempAndKeepsTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "a.txt")
	os.WriteFile(target, []byte("keep"), 0o644)
	f, err := Create(dir, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	f.Abort()
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Errorf("target = %q", got)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
}

func TestCommitIntoMissingFolderFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(filepath.Join(dir, "no", "such", "x")); err == nil {
		t.Fatal("commit into a missing folder succeeded")
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("temporary file left behind: %v", names)
	}
}

// deadPID returns the ID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no 'true' command")
	}
	return cmd.Process.Pid
}

func TestCleanLeftoversRemovesOnlyWhatNoRunOwns(t *testing.T) {
	dir := t.TempDir()
	dead := fmt.Sprintf("%s%d-abcdef-tool.exe", tempPrefix, deadPID(t))
	mine := fmt.Sprintf("%s%d-abcdef-other.exe", tempPrefix, os.Getpid())
	oldMine := fmt.Sprintf("%s%d-123456-stale.exe", tempPrefix, os.Getpid())
	aside := asidePrefix + "abcdef-procexp.exe"
	garbled := tempPrefix + "nopid"
	for _, name := range []string{dead, mine, oldMine, aside, garbled, "user-file.txt", ".sysupdate-state"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644)
	}
	deadStage := fmt.Sprintf("%s%d-abcdef-Suite", tempPrefix, deadPID(t))
	liveStage := fmt.Sprintf("%s%d-abcdef-Tools", tempPrefix, os.Getpid())
	for _, name := range []string{deadStage, liveStage} {
		os.MkdirAll(filepath.Join(dir, name, "sub"), 0o755)
		os.WriteFile(filepath.Join(dir, name, "sub", "f.txt"), []byte("x"), 0o644)
	}
	old := time.Now().Add(-2 * staleAfter)
	os.Chtimes(filepath.Join(dir, oldMine), old, old)

	removed, err := CleanLeftovers(dir)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(removed)
	want := []string{dead, oldMine, aside, garbled, deadStage}
	sort.Strings(want)
	if fmt.Sprint(removed) != fmt.Sprint(want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	left := listDir(t, dir)
	wantLeft := []string{".sysupdate-state", mine, liveStage, "user-file.txt"}
	sort.Strings(wantLeft)
	if fmt.Sprint(left) != fmt.Sprint(wantLeft) {
		t.Errorf("left %v, want %v", left, wantLeft)
	}
}
