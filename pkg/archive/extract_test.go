package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// writeTestZip writes an archive of name -> content, stored, in order.
func writeTestZip(t *testing.T, path string, files map[string][]byte, order []string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, name := range order {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

// TestExtractDiskFullLeavesNothingPartial fills a small volume during the
// write (the up-front check is off, as if the space went elsewhere while
// extracting): the run ends with exit 6 and no temporary or partial file.
func TestExtractDiskFullLeavesNothingPartial(t *testing.T) {
	vol := testenv.SmallVolume(t, "2m")
	files := map[string][]byte{"a.bin": random(900 << 10), "b.bin": random(900 << 10), "c.bin": random(900 << 10)}
	zipPath := filepath.Join(t.TempDir(), "big.zip")
	writeTestZip(t, zipPath, files, []string{"a.bin", "b.bin", "c.bin"})

	a, err := Open(zipPath, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dest := filepath.Join(vol, "out")
	_, err = a.Extract(context.Background(), dest, a.Entries, ExtractOptions{Workers: 1}, nil)
	var be *bridge.Error
	if !errors.As(err, &be) || be.ID != IDDiskFull || bridge.ExitCode(err) != bridge.ExitLocal {
		t.Fatalf("err = %v, want %s (exit 6)", err, IDDiskFull)
	}
	entries, _ := os.ReadDir(dest)
	for _, e := range entries {
		got, _ := os.ReadFile(filepath.Join(dest, e.Name()))
		if strings.HasPrefix(e.Name(), ".sysupdate-") {
			t.Errorf("temporary file %s left", e.Name())
		} else if !bytes.Equal(got, files[e.Name()]) {
			t.Errorf("%s is partial: %d bytes", e.Name(), len(got))
		}
	}
}

// TestExtractRefusesUpFrontWhatTheVolumeCannotHold checks the free-space
// check: exit 6 before anything, even the destination, is created.
func TestExtractRefusesUpFrontWhatTheVolumeCannotHold(t *testing.T) {
	vol := testenv.SmallVolume(t, "1m")
	zipPath := filepath.Join(t.TempDir(), "big.zip")
	writeTestZip(t, zipPath, map[string][]byte{"big.bin": random(2 << 20)}, []string{"big.bin"})
	a, err := Open(zipPath, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dest := filepath.Join(vol, "out")
	_, err = a.Extract(context.Background(), dest, a.Entries, ExtractOptions{CheckFreeSpace: true}, nil)
	var be *bridge.Error
	if !errors.As(err, &be) || be.ID != IDNotEnoughSpace || bridge.ExitCode(err) != bridge.ExitLocal {
		t.Fatalf("err = %v, want %s (exit 6)", err, IDNotEnoughSpace)
	}
	if _, err := os.Lstat(dest); !os.IsNotExist(err) {
		t.Errorf("the destination was created: %v", err)
	}
}

// TestExtractSubsetWritesOnlyTheChosenEntries is how an incremental
// update uses the package: pick the entries that differ, extract those.
func TestExtractSubsetWritesOnlyTheChosenEntries(t *testing.T) {
	files := map[string][]byte{"keep.txt": []byte("keep"), "dir/new.txt": []byte("new"), "other.txt": []byte("other")}
	zipPath := filepath.Join(t.TempDir(), "set.zip")
	writeTestZip(t, zipPath, files, []string{"keep.txt", "dir/new.txt", "other.txt"})
	a, err := Open(zipPath, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var chosen []Entry
	for _, e := range a.Entries {
		if e.Name == "dir/new.txt" {
			chosen = append(chosen, e)
		}
	}
	dest := t.TempDir()
	res, err := a.Extract(context.Background(), dest, chosen, ExtractOptions{}, nil)
	if err != nil || res.Files != 1 {
		t.Fatalf("Extract = %+v, %v", res, err)
	}
	got, err := os.ReadFile(filepath.Join(dest, "dir", "new.txt"))
	if err != nil || string(got) != "new" {
		t.Errorf("dir/new.txt = %q, %v", got, err)
	}
	for _, absent := range []string{"keep.txt", "other.txt"} {
		if _, err := os.Lstat(filepath.Join(dest, absent)); !os.IsNotExist(err) {
			t.Errorf("%s was extracted though not chosen", absent)
		}
	}
}
