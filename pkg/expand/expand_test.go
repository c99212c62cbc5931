package expand

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

func TestDestinationDefaultsToTheArchiveNameInTheCurrentFolder(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "archives")
	cases := []struct {
		name  string
		src   string
		given string
		want  string
	}{
		{"zip", filepath.Join(elsewhere, "SysinternalsSuite.zip"), "", filepath.Join(cwd, "SysinternalsSuite")},
		{"other extension", filepath.Join(elsewhere, "tools.v2.pkg"), "", filepath.Join(cwd, "tools.v2")},
		{"no extension", filepath.Join(elsewhere, "bundle"), "", filepath.Join(cwd, "bundle")},
		{"given", filepath.Join(elsewhere, "a.zip"), "out", filepath.Join(cwd, "out")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := destination(tc.src, tc.given)
			if err != nil || got != tc.want {
				t.Errorf("destination = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDestinationRefusesTheArchiveItself(t *testing.T) {
	cwd, _ := os.Getwd()
	_, err := destination(filepath.Join(cwd, "bundle"), "")
	if bridge.ExitCode(err) != bridge.ExitUsage {
		t.Errorf("an archive without extension in the current folder: err = %v, want a usage error", err)
	}
}
