package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// TestExpandRefusesHostileArchivesWritingNothing pins the first promise of
// expand: an archive with any unsafe entry is refused whole (exit 5), and
// nothing is written, neither in the destination nor next to it, even for
// the harmless entry that comes first.
func TestExpandRefusesHostileArchivesWritingNothing(t *testing.T) {
	harmless := zipEntry{name: "first.txt", content: []byte("harmless")}
	cases := []struct {
		name    string
		entries func(work string) []zipEntry
		id      string
		entry   string // the entry the error must name; "" for the hostile one
	}{
		{"parent folder", one("../escaped.txt"), "ArchiveUnsafeEntryName", ""},
		{"parent folder deep", one("a/../../escaped.txt"), "ArchiveUnsafeEntryName", ""},
		{"parent folder with backslashes", one(`..\escaped.txt`), "ArchiveUnsafeEntryName", ""},
		{"absolute path", func(work string) []zipEntry {
			return []zipEntry{{name: filepath.ToSlash(filepath.Join(work, "abs-escaped.txt")), content: []byte("x")}}
		}, "ArchiveUnsafeEntryName", ""},
		{"drive letter absolute", one(`C:\escaped.txt`), "ArchiveUnsafeEntryName", ""},
		{"drive letter relative", one(`C:escaped.txt`), "ArchiveUnsafeEntryName", ""},
		{"UNC path", one(`\\server\share\escaped.txt`), "ArchiveUnsafeEntryName", ""},
		{"device path", one(`\\?\C:\escaped.txt`), "ArchiveUnsafeEntryName", ""},
		{"reserved CON", one("CON"), "ArchiveUnsafeEntryName", ""},
		{"reserved nul.txt", one("nul.txt"), "ArchiveUnsafeEntryName", ""},
		{"reserved COM1", one("dir/COM1"), "ArchiveUnsafeEntryName", ""},
		{"reserved AUX.txt", one("AUX.txt"), "ArchiveUnsafeEntryName", ""},
		{"reserved folder name", one("lpt9/file.txt"), "ArchiveUnsafeEntryName", ""},
		{"trailing dot", one("name."), "ArchiveUnsafeEntryName", ""},
		{"trailing space", one("name "), "ArchiveUnsafeEntryName", ""},
		{"folder with trailing dot", one("folder./file.txt"), "ArchiveUnsafeEntryName", ""},
		{"less than", one("a<b.txt"), "ArchiveUnsafeEntryName", ""},
		{"greater than", one("a>b.txt"), "ArchiveUnsafeEntryName", ""},
		{"colon (alternate data stream)", one("a.txt:stream"), "ArchiveUnsafeEntryName", ""},
		{"double quote", one(`a"b.txt`), "ArchiveUnsafeEntryName", ""},
		{"pipe", one("a|b.txt"), "ArchiveUnsafeEntryName", ""},
		{"question mark", one("a?b.txt"), "ArchiveUnsafeEntryName", ""},
		{"asterisk", one("a*b.txt"), "ArchiveUnsafeEntryName", ""},
		{"control character", one("a\x01b.txt"), "ArchiveUnsafeEntryName", ""},
		{"tab", one("a\tb.txt"), "ArchiveUnsafeEntryName", ""},
		{"symbolic link", func(string) []zipEntry {
			return []zipEntry{{name: "link", content: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}}
		}, "ArchiveSpecialFile", "link"},
		{"named pipe", func(string) []zipEntry {
			return []zipEntry{{name: "fifo", mode: fs.ModeNamedPipe | 0o644}}
		}, "ArchiveSpecialFile", "fifo"},
		{"case-insensitive collision", func(string) []zipEntry {
			return []zipEntry{{name: "A.txt", content: []byte("upper")}, {name: "a.txt", content: []byte("lower")}}
		}, "ArchiveEntryCollision", "a.txt"},
		{"case-insensitive collision in folders", func(string) []zipEntry {
			return []zipEntry{{name: "Dir/x.txt", content: []byte("1")}, {name: "DIR/X.TXT", content: []byte("2")}}
		}, "ArchiveEntryCollision", "DIR/X.TXT"},
		{"file versus folder", func(string) []zipEntry {
			return []zipEntry{{name: "thing", content: []byte("file")}, {name: "thing/inside.txt", content: []byte("x")}}
		}, "ArchiveEntryCollision", "thing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			parent := filepath.Join(work, "parent")
			if err := os.Mkdir(parent, 0o755); err != nil {
				t.Fatal(err)
			}
			zipPath := filepath.Join(work, "hostile.zip")
			entries := tc.entries(work)
			writeZip(t, zipPath, append([]zipEntry{harmless}, entries...))
			before := listAll(t, work)

			res := expandRun(t, work, "--path", zipPath, "--destination-path", filepath.Join(parent, "dest"))
			if res.ExitCode != 5 {
				t.Fatalf("exit %d, want 5: %s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			rec := lastError(t, res)
			want := tc.entry
			if want == "" {
				want = entries[len(entries)-1].name
			}
			details, _ := rec["Details"].(map[string]any)
			named := strings.Contains(rec["Message"].(string), strconv.Quote(want))
			if rec["ErrorId"] != tc.id || details["Entry"] != want || !named {
				t.Errorf("error record %v, want ErrorId %s naming entry %q", rec, tc.id, want)
			}
			if after := listAll(t, work); !reflect.DeepEqual(before, after) {
				t.Errorf("files were written:\nbefore %q\nafter  %q", before, after)
			}
		})
	}
}

// one makes a case of a single hostile entry.
func one(name string) func(string) []zipEntry {
	return func(string) []zipEntry { return []zipEntry{{name: name, content: []byte("hostile")}} }
}

// TestExpandRefusesInfoZipSymlink checks a link stored by a real archiver,
// Info-ZIP's zip -y, and not only one written by hand.
func TestExpandRefusesInfoZipSymlink(t *testing.T) {
	testenv.Require(t, "zip")
	work := t.TempDir()
	src := filepath.Join(work, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "plain.txt"), []byte("plain"), 0o644)
	if err := os.Symlink("/etc", filepath.Join(src, "etc-link")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("zip", "-q", "-r", "-y", "../links.zip", ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zip: %v %s", err, out)
	}
	res := expandRun(t, work, "--path", filepath.Join(work, "links.zip"), "--destination-path", filepath.Join(work, "out"))
	if res.ExitCode != 5 || lastError(t, res)["ErrorId"] != "ArchiveSpecialFile" {
		t.Fatalf("exit %d, want 5 ArchiveSpecialFile: %s", res.ExitCode, res.Stdout)
	}
	if _, err := os.Lstat(filepath.Join(work, "out")); !os.IsNotExist(err) {
		t.Errorf("the destination was created: %v", err)
	}
}
