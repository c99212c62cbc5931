package safefile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReplacePutsTheStagedFileInPlace(t *testing.T) {
	cases := []struct {
		name     string
		existing bool
	}{
		{"over an existing file", true},
		{"where there was none", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "tool.exe")
			if tc.existing {
				os.WriteFile(target, []byte("old"), 0o644)
			}
			staged := filepath.Join(dir, "staging-tool.exe")
			os.WriteFile(staged, []byte("new"), 0o644)
			if err := Replace(staged, target); err != nil {
				t.Fatal(err)
			}
			if data, _ := os.ReadFile(target); string(data) != "new" {
				t.Errorf("target holds %q", data)
			}
			if _, err := os.Stat(staged); !os.IsNotExist(err) {
				t.Errorf("the staged file is still there: %v", err)
			}
		})
	}
}

func TestReplaceLeavesTheTargetWhenItFails(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "tool.exe")
	os.WriteFile(target, []byte("old"), 0o644)
	if err := Replace(filepath.Join(dir, "missing"), target); err == nil {
		t.Fatal("replacing with a missing file succeeded")
	}
	if data, _ := os.ReadFile(target); string(data) != "old" {
		t.Errorf("target holds %q", data)
	}
}
