package safefile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTempNameIsUniqueAndRecognizedAsLeftover(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		name := TempName("target.txt")
		if seen[name] || !IsTemp(name) || !strings.HasSuffix(name, "-target.txt") {
			t.Fatalf("TempName gave %q (seen before: %v)", name, seen[name])
		}
		seen[name] = true
	}
	// A name of this process is not a leftover while it runs; the same
	// pattern with a process that is gone is.
	dir := t.TempDir()
	mine := TempName("mine.txt")
	gone := strings.Replace(TempName("gone.txt"), "-"+strconv.Itoa(os.Getpid())+"-", "-999999999-", 1)
	for _, n := range []string{mine, gone} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := CleanLeftovers(dir)
	if err != nil || len(removed) != 1 || removed[0] != gone {
		t.Errorf("CleanLeftovers removed %q, %v; want only %q", removed, err, gone)
	}
}

func TestTempNameFitsForLongTargets(t *testing.T) {
	long := strings.Repeat("日", 80) + ".txt" // 244 bytes, a legal name
	name := TempName(long)
	if len(name) > 255 || !utf8.ValidString(name) || !IsTemp(name) {
		t.Errorf("TempName(%d bytes) = %q (%d bytes)", len(long), name, len(name))
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), name), nil, 0o644); err != nil {
		t.Errorf("a temporary name for a long target cannot be created: %v", err)
	}
}
