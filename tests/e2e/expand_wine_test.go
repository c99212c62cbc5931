package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// TestExpandUnderWineReadsNamesInTheOEMCodePage runs the legacy Windows
// build under Wine, whose OEM code page follows the locale (GetOEMCP says
// 437 for en_US, 932 for ja_JP, 866 for ru_RU): names without the UTF-8
// flag, in that code page, extract correctly with no --filename-encoding.
func TestExpandUnderWineReadsNamesInTheOEMCodePage(t *testing.T) {
	cases := []struct {
		locale string
		cp     string
		enc    encoding.Encoding
		names  []string
	}{
		{"en_US.UTF-8", "cp437", charmap.CodePage437, []string{"Grüße/Übung.txt", "café.txt"}},
		{"ja_JP.UTF-8", "cp932", japanese.ShiftJIS, shiftJISNames},
		{"ru_RU.UTF-8", "cp866", charmap.CodePage866, []string{"Привет/Мир.txt"}},
	}
	for _, tc := range cases {
		t.Run(tc.locale, func(t *testing.T) {
			work := t.TempDir()
			var entries []zipEntry
			for _, n := range tc.names {
				entries = append(entries, zipEntry{name: encodeName(t, tc.enc, n), content: []byte(n), nonUTF8: true})
			}
			writeZip(t, filepath.Join(work, "legacy.zip"), entries)

			env := []string{"LOCPATH=" + locales(t), "LANG=" + tc.locale, "LC_ALL=" + tc.locale}
			res := testenv.RunWineLegacy(t, "", work, env,
				"expand", "--path", "legacy.zip", "--destination-path", "out", "--verbose")
			if res.ExitCode != 0 {
				t.Fatalf("exit %d: %s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			if !verboseSays(t, res, "read as "+tc.cp+" (the system's default)") {
				t.Fatalf("Wine's OEM code page for %s is not %s: %s", tc.locale, tc.cp, res.Stdout)
			}
			got, want := extractedFiles(t, filepath.Join(work, "out")), sortedCopy(tc.names)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("extracted %q, want %q", got, want)
			}
		})
	}
}

var (
	localesOnce sync.Once
	localesDir  string
	localesErr  error
)

// locales compiles the glibc locales the Wine tests run in into a folder
// for LOCPATH: Wine takes both its Windows locale (and so GetOEMCP) and the
// charset of Unix file names from LC_CTYPE, so the locale must exist for
// names outside ASCII to reach the disk.
func locales(t *testing.T) string {
	t.Helper()
	testenv.Require(t, "localedef")
	localesOnce.Do(func() {
		localesDir, localesErr = os.MkdirTemp("", "sysupdate-locales-")
		for _, l := range []string{"en_US", "ja_JP", "ru_RU"} {
			if localesErr != nil {
				return
			}
			out, err := exec.Command("localedef", "-i", l, "-f", "UTF-8", filepath.Join(localesDir, l+".UTF-8")).CombinedOutput()
			if err != nil {
				localesErr = fmt.Errorf("localedef %s: %v %s", l, err, out)
			}
		}
	})
	if localesErr != nil {
		testenv.Missing(t, localesErr.Error()+" (apt-get install locales)")
	}
	return localesDir
}

// TestExpandUnderWineRefusesHostileArchives proves the Windows build
// refuses what would escape on Windows itself, and writes nothing.
func TestExpandUnderWineRefusesHostileArchives(t *testing.T) {
	cases := []struct {
		name  string
		entry string
	}{
		{"parent folder with backslashes", `..\escaped.txt`},
		{"device name", "CON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			writeZip(t, filepath.Join(work, "hostile.zip"), []zipEntry{
				{name: "first.txt", content: []byte("harmless")},
				{name: tc.entry, content: []byte("hostile")},
			})
			before := listAll(t, work)
			res := testenv.RunWineLegacy(t, "", work, nil,
				"expand", "--path", "hostile.zip", "--destination-path", `out\dest`)
			if res.ExitCode != 5 {
				t.Fatalf("exit %d, want 5: %s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			if rec := lastError(t, res); rec["ErrorId"] != "ArchiveUnsafeEntryName" {
				t.Errorf("error record %v", rec)
			}
			if after := listAll(t, work); !reflect.DeepEqual(before, after) {
				sort.Strings(after)
				t.Errorf("files were written:\nbefore %q\nafter  %q", before, after)
			}
		})
	}
}
