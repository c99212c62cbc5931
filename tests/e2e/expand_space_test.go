package e2e

import (
	"math/rand"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// TestExpandRefusesUpFrontWhenTheVolumeIsTooSmall extracts onto a 1 MiB
// tmpfs an archive that declares 2 MiB: exit 6 before anything, even the
// destination folder, is written.
func TestExpandRefusesUpFrontWhenTheVolumeIsTooSmall(t *testing.T) {
	vol := testenv.SmallVolume(t, "1m")

	work := t.TempDir()
	data := make([]byte, 2<<20)
	rand.New(rand.NewSource(3)).Read(data)
	zipPath := filepath.Join(work, "big.zip")
	writeZip(t, zipPath, []zipEntry{{name: "big.bin", content: data, store: true}})

	before := listAll(t, vol)
	res := expandRun(t, work, "--path", zipPath, "--destination-path", filepath.Join(vol, "out"))
	if res.ExitCode != 6 {
		t.Fatalf("exit %d, want 6: %s", res.ExitCode, res.Stdout)
	}
	rec := lastError(t, res)
	if rec["ErrorId"] != "ExpandNotEnoughSpace" || rec["Category"] != "ResourceUnavailable" {
		t.Errorf("error record %v", rec)
	}
	if after := listAll(t, vol); !reflect.DeepEqual(before, after) {
		t.Errorf("files were written: %q", after)
	}
}
