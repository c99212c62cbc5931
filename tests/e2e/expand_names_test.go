package e2e

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// shiftJISNames are names whose Shift-JIS form has 0x5C, the byte of '\',
// as a second byte (ソ is 83 5C, 表 is 95 5C): decoding must come before
// backslashes are taken as separators.
var shiftJISNames = []string{"日本語/ソフト表.txt", "予定表.csv", "能力/申告書.txt"}

func encodeName(t *testing.T, enc encoding.Encoding, name string) string {
	t.Helper()
	raw, err := enc.NewEncoder().String(name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func decodeName(t *testing.T, enc encoding.Encoding, raw string) string {
	t.Helper()
	text, err := enc.NewDecoder().String(raw)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// shiftJISArchive writes names in Shift-JIS without the UTF-8 flag, as
// Japanese Windows tools do, and returns the raw names.
func shiftJISArchive(t *testing.T, path string) []string {
	t.Helper()
	var entries []zipEntry
	var raws []string
	for _, name := range shiftJISNames {
		raw := encodeName(t, japanese.ShiftJIS, name)
		raws = append(raws, raw)
		entries = append(entries, zipEntry{name: raw, content: []byte(name), nonUTF8: true})
	}
	writeZip(t, path, entries)
	return raws
}

// extractedFiles lists the files under root by '/'-separated path.
func extractedFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	for p, e := range readTree(t, root) {
		if !e.dir {
			files = append(files, p)
		}
	}
	sort.Strings(files)
	return files
}

func isEmptyDir(t *testing.T, dir string) bool {
	t.Helper()
	children, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(children) == 0
}

func sortedCopy(s []string) []string {
	c := append([]string{}, s...)
	sort.Strings(c)
	return c
}

func TestExpandShiftJISNamesWithFilenameEncoding(t *testing.T) {
	for _, name := range []string{"cp932", "shift_jis", "Windows-31J"} {
		t.Run(name, func(t *testing.T) {
			work := t.TempDir()
			zipPath := filepath.Join(work, "sjis.zip")
			shiftJISArchive(t, zipPath)
			dest := filepath.Join(work, "out")
			res := expandRun(t, work, "--path", zipPath, "--destination-path", dest, "--filename-encoding", name)
			if res.ExitCode != 0 {
				t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
			}
			got, want := extractedFiles(t, dest), sortedCopy(shiftJISNames)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("extracted %q, want %q", got, want)
			}
			for _, n := range shiftJISNames {
				if content := readFile(t, filepath.Join(dest, filepath.FromSlash(n))); content != n {
					t.Errorf("%s holds %q", n, content)
				}
			}
		})
	}
}

// TestExpandShiftJISNamesDefaultToCP437OffWindows pins the default off
// Windows: unmarked names that are not UTF-8 are read as CP437, where
// 0x5C is a backslash and so a separator.
func TestExpandShiftJISNamesDefaultToCP437OffWindows(t *testing.T) {
	work := t.TempDir()
	zipPath := filepath.Join(work, "sjis.zip")
	raws := shiftJISArchive(t, zipPath)
	dest := filepath.Join(work, "out")
	res := expandRun(t, work, "--path", zipPath, "--destination-path", dest, "--verbose")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	var want []string
	for _, raw := range raws {
		want = append(want, strings.ReplaceAll(decodeName(t, charmap.CodePage437, raw), `\`, "/"))
	}
	sort.Strings(want)
	if got := extractedFiles(t, dest); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("extracted %q, want the CP437 readings %q", got, want)
	}
	if !verboseSays(t, res, "read as cp437") {
		t.Errorf("no verbose record names the code page: %s", res.Stdout)
	}
}

// verboseSays reports whether a Verbose record contains text.
func verboseSays(t *testing.T, res testenv.Result, text string) bool {
	t.Helper()
	for _, r := range only(parseRecords(t, res.Stdout), "Verbose") {
		if strings.Contains(r.Data["Message"].(string), text) {
			return true
		}
	}
	return false
}

func TestExpandNameDecoding(t *testing.T) {
	const umlauts = "Grüße/Übung.txt"
	unicodePath := func(raw, name string, crc uint32) []byte {
		field := []byte{0x75, 0x70, 0, 0, 1, 0, 0, 0, 0}
		binary.LittleEndian.PutUint16(field[2:], uint16(5+len(name)))
		binary.LittleEndian.PutUint32(field[5:], crc)
		return append(field, name...)
	}
	cp437Raw := encodeName(t, charmap.CodePage437, "Grüße/Übung.txt")
	cases := []struct {
		name    string
		entries []zipEntry
		args    []string
		want    []string
	}{
		{"UTF-8 flag", []zipEntry{{name: umlauts, flags: 0x800}}, nil, []string{umlauts}},
		{"unmarked valid UTF-8 is UTF-8", []zipEntry{{name: umlauts, nonUTF8: true}}, nil, []string{umlauts}},
		{"an explicit encoding applies to unmarked UTF-8", []zipEntry{{name: umlauts, nonUTF8: true}},
			[]string{"--filename-encoding", "cp1252"}, []string{"GrÃ¼ÃŸe/Ãœbung.txt"}},
		{"an explicit encoding leaves flagged names alone", []zipEntry{{name: umlauts, flags: 0x800}},
			[]string{"--filename-encoding", "cp1252"}, []string{umlauts}},
		{"CP437 by default", []zipEntry{{name: cp437Raw, nonUTF8: true}}, nil, []string{umlauts}},
		{"CP850", []zipEntry{{name: encodeName(t, charmap.CodePage850, "Ø-Æ.txt"), nonUTF8: true}},
			[]string{"--filename-encoding", "cp850"}, []string{"Ø-Æ.txt"}},
		{"CP866", []zipEntry{{name: encodeName(t, charmap.CodePage866, "Привет.txt"), nonUTF8: true}},
			[]string{"--filename-encoding", "866"}, []string{"Привет.txt"}},
		{"Unicode Path extra field", []zipEntry{{name: "Gr_e/_bung.txt", nonUTF8: true,
			extra: unicodePath("Gr_e/_bung.txt", umlauts, crc32.ChecksumIEEE([]byte("Gr_e/_bung.txt")))}},
			nil, []string{umlauts}},
		{"stale Unicode Path extra field is ignored", []zipEntry{{name: "renamed.txt", nonUTF8: true,
			extra: unicodePath("renamed.txt", umlauts, crc32.ChecksumIEEE([]byte("old name.txt")))}},
			nil, []string{"renamed.txt"}},
		{"backslashes are separators", []zipEntry{
			{name: `folder\sub\file.txt`}, {name: `folder\empty\`}},
			nil, []string{"folder/empty/", "folder/sub/file.txt"}},
		{"folder names differing in case are one folder", []zipEntry{{name: "Dir/x.txt"}, {name: "DIR/y.txt"}},
			nil, []string{"Dir/x.txt", "Dir/y.txt"}},
		{"a name near the file system's limit", []zipEntry{{name: strings.Repeat("日", 80) + ".txt"}},
			nil, []string{strings.Repeat("日", 80) + ".txt"}},
		{"dot components are dropped", []zipEntry{{name: "./a/./b.txt"}}, nil, []string{"a/b.txt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			for i := range tc.entries {
				if !strings.HasSuffix(tc.entries[i].name, `\`) {
					tc.entries[i].content = []byte("content")
				}
			}
			zipPath := filepath.Join(work, "names.zip")
			writeZip(t, zipPath, tc.entries)
			dest := filepath.Join(work, "out")
			res := expandRun(t, work, append([]string{"--path", zipPath, "--destination-path", dest}, tc.args...)...)
			if res.ExitCode != 0 {
				t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
			}
			var got []string
			for p, e := range readTree(t, dest) {
				if !e.dir {
					got = append(got, p)
				} else if isEmptyDir(t, filepath.Join(dest, p)) {
					got = append(got, p+"/")
				}
			}
			sort.Strings(got)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("extracted %q, want %q", got, tc.want)
			}
		})
	}
}
