package e2e

import (
	"archive/zip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// pythonZip writes an archive of the current folder with Python's
// zipfile, which records DOS times only.
const pythonZip = `
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk("."):
        dirs.sort()
        for d in dirs:
            z.write(os.path.join(root, d), os.path.relpath(os.path.join(root, d), "."))
        for f in sorted(files):
            z.write(os.path.join(root, f), os.path.relpath(os.path.join(root, f), "."))
`

// TestExpandArchivesOfRealTools extracts archives that real archivers made
// of one tree, and checks each gives back exactly that tree: bytes, empty
// folders, names outside ASCII, and times to the archive's precision.
func TestExpandArchivesOfRealTools(t *testing.T) {
	src := writeSourceTree(t)
	tools := []struct {
		name      string
		tool      string
		args      []string // run in the source folder; the archive path is appended
		precision time.Duration
	}{
		// Info-ZIP writes an extended timestamp (seconds).
		{"Info-ZIP zip", "zip", []string{"-r", "-q", "-"}, time.Second},
		// 7-Zip writes NTFS times (100 ns) and sets the UTF-8 flag.
		{"7-Zip", "7z", []string{"a", "-tzip", "-bd", "-bso0"}, 100 * time.Nanosecond},
		// bsdtar writes "./" names and an extended timestamp.
		{"bsdtar", "bsdtar", []string{"--format", "zip", "-cf"}, time.Second},
		// Python's zipfile writes DOS times (two seconds, local time).
		{"Python zipfile", "python3", []string{"-c", pythonZip}, 2 * time.Second},
		{"Go archive/zip", "", nil, time.Second},
	}
	for _, tc := range tools {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			zipPath := filepath.Join(work, "made.zip")
			if tc.tool == "" {
				writeGoZip(t, src, zipPath)
			} else {
				runTool(t, src, tc.tool, tc.args, zipPath)
			}
			res := expandRun(t, work, "--path", zipPath, "--destination-path", filepath.Join(work, "out"))
			if res.ExitCode != 0 {
				t.Fatalf("exit %d: %s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			compareTrees(t, src, filepath.Join(work, "out"), tc.precision)
		})
	}
}

// runTool runs an archiver in the source folder with the archive path as
// its last argument. Info-ZIP's "-" argument stands for "." there.
func runTool(t *testing.T, src, tool string, args []string, zipPath string) {
	t.Helper()
	testenv.Require(t, tool)
	full := append([]string{}, args...)
	switch tool {
	case "zip":
		full = append(full[:len(full)-1], zipPath, ".")
	case "python3":
		full = append(full, zipPath)
	default:
		full = append(full, zipPath, ".")
	}
	cmd := exec.Command(tool, full...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8", expandTZ)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, full, err, out)
	}
}

// writeGoZip archives a folder with Go's archive/zip, folders included.
func writeGoZip(t *testing.T, src, zipPath string) {
	t.Helper()
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		h.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			h.Name += "/"
		} else {
			h.Method = zip.Deflate
		}
		w, err := zw.CreateHeader(h)
		if err != nil || d.IsDir() {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(w, in)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}
