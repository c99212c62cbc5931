package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// expandTZ is the time zone every archiver and sysupdate run in, so that
// DOS times (local time without a zone) are written and read in a zone
// other than UTC, as on a real desktop.
const expandTZ = "TZ=Asia/Tokyo"

// sourceFile is one file of the tree the archive tests build archives from.
type sourceFile struct {
	path    string // '/'-separated
	content []byte
}

// sourceTree describes the test tree: nested folders, empty folders, text
// and binary files, an empty file, names outside ASCII and a file large
// enough to span many buffers.
func sourceTree() (files []sourceFile, emptyDirs []string) {
	rnd := rand.New(rand.NewSource(1))
	random := func(n int) []byte {
		b := make([]byte, n)
		rnd.Read(b)
		return b
	}
	// Half random, half repetitive: Deflate works on part of it.
	large := append(random(4<<20), bytes.Repeat([]byte("SysUpdate extracts zip archives. "), 4<<20/33)...)
	files = []sourceFile{
		{"readme.txt", []byte("top-level text\r\nsecond line\n")},
		{"zero.txt", nil},
		{"bin/data.bin", random(100 << 10)},
		{"a/b/c/deep.txt", bytes.Repeat([]byte("deep text "), 1000)},
		{"a/b/sibling.cfg", []byte("key=value\n")},
		{"Ünïcødé ñame.txt", []byte("accents\n")},
		{"日本語/ファイル.txt", []byte("日本語のテキスト\n")},
		{"big/large.bin", large},
	}
	emptyDirs = []string{"empty", "a/emptier"}
	return files, emptyDirs
}

// sourceTime is the modification time of the i-th source file: odd
// seconds and nanoseconds, so every precision of the zip format shows.
func sourceTime(i int) time.Time {
	return time.Date(2021, 6, 15, 10, 20, 31, 123456789, time.UTC).Add(time.Duration(i) * 3 * time.Second)
}

// writeSourceTree creates the test tree in a new folder and returns it.
func writeSourceTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "src")
	files, emptyDirs := sourceTree()
	for i, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.content, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, sourceTime(i), sourceTime(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range emptyDirs {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// treeEntry is what compareTrees compares of one path.
type treeEntry struct {
	dir     bool
	size    int64
	sum     string
	modTime time.Time
}

// readTree lists a folder's contents by '/'-separated relative path.
func readTree(t *testing.T, root string) map[string]treeEntry {
	t.Helper()
	tree := map[string]treeEntry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := treeEntry{dir: d.IsDir(), modTime: info.ModTime()}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			e.size, e.sum = int64(len(data)), hex.EncodeToString(sum[:])
		} else if !d.IsDir() {
			e.sum = "special " + d.Type().String()
		}
		tree[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// compareTrees checks that got holds exactly want's paths, types and
// bytes, and file times no later than the source and less than precision
// earlier (archivers truncate).
func compareTrees(t *testing.T, want, got string, precision time.Duration) {
	t.Helper()
	w, g := readTree(t, want), readTree(t, got)
	for _, p := range sortedKeys(w) {
		we, ok := g[p]
		if !ok {
			t.Errorf("%s is missing from the extracted tree", p)
			continue
		}
		se := w[p]
		if se.dir != we.dir || se.size != we.size || se.sum != we.sum {
			t.Errorf("%s differs: want dir=%v size=%d, got dir=%v size=%d", p, se.dir, se.size, we.dir, we.size)
		}
		if !se.dir {
			if d := se.modTime.Sub(we.modTime); d < 0 || d >= precision {
				t.Errorf("%s modified %s, want %s to within %s", p,
					we.modTime.UTC().Format(time.RFC3339Nano), se.modTime.UTC().Format(time.RFC3339Nano), precision)
			}
		}
	}
	for _, p := range sortedKeys(g) {
		if _, ok := w[p]; !ok {
			t.Errorf("%s was extracted but is not in the source", p)
		}
	}
}

func sortedKeys(m map[string]treeEntry) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// zipEntry is one entry of an archive a test writes by hand.
type zipEntry struct {
	name    string
	content []byte
	mode    fs.FileMode // 0 for a regular file (or a folder, by name)
	flags   uint16      // header flags, such as 0x800 (UTF-8)
	store   bool        // stored uncompressed rather than deflated
	extra   []byte
	nonUTF8 bool // keep Go from setting the UTF-8 flag on its own
}

// writeZip writes an archive of entries with Go's archive/zip, exactly as
// given: names are not checked or converted, so hostile ones stay hostile.
func writeZip(t *testing.T, path string, entries []zipEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags, Extra: e.extra, NonUTF8: e.nonUTF8}
		if e.store {
			h.Method = zip.Store
		}
		h.Modified = time.Date(2022, 1, 2, 3, 4, 6, 0, time.UTC)
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// expandRun runs sysupdate expand in dir with the given flags.
func expandRun(t *testing.T, dir string, args ...string) testenv.Result {
	t.Helper()
	return testenv.Run(t, "", dir, []string{expandTZ}, append([]string{"expand"}, args...)...)
}

// listAll lists every path under root, for "nothing was written" checks.
func listAll(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	return paths
}

// tempFilesUnder lists sysupdate's temporary files anywhere under root.
func tempFilesUnder(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	for _, p := range listAll(t, root) {
		if strings.HasPrefix(filepath.Base(p), ".sysupdate-") {
			found = append(found, p)
		}
	}
	return found
}

// copyFile copies a file, for tests that damage a copy of an archive.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
