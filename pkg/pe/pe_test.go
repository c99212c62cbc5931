package pe

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/pe/pegen"
)

func TestReadGeneratedFiles(t *testing.T) {
	cases := []struct {
		name    string
		machine uint16
		file    Version
		product Version
	}{
		{"32-bit", pegen.I386, Version{17, 6, 0, 0}, Version{17, 6, 0, 0}},
		{"64-bit", pegen.AMD64, Version{4, 22, 1, 9}, Version{4, 0, 0, 0}},
		{"arm64", pegen.ARM64, Version{65535, 1, 2, 65534}, Version{1, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := pegen.Build(tc.machine, tc.file, tc.product, bytes.Repeat([]byte("x"), 3000))
			info, err := Read(bytes.NewReader(img))
			if err != nil {
				t.Fatal(err)
			}
			if info.FileVersion != tc.file || info.ProductVersion != tc.product {
				t.Errorf("got %v / %v, want %v / %v", info.FileVersion, info.ProductVersion, tc.file, tc.product)
			}
		})
	}
}

// The Wine packages ship real Windows PE files built by a real toolchain,
// with version resources written by a real resource compiler.
func TestReadRealWinePEFiles(t *testing.T) {
	cases := []struct {
		file string
		want string
	}{
		{"/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/advapi32.dll", "10.0.10240.16384"},
		{"/usr/lib/x86_64-linux-gnu/wine/i386-windows/zlib1.dll", "1.2.13.0"},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			if _, err := os.Stat(tc.file); err != nil {
				testenv.Missing(t, tc.file+" is missing (apt-get install wine64)")
			}
			if got := FileVersion(tc.file); got != tc.want {
				t.Errorf("FileVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFilesWithoutVersion(t *testing.T) {
	cases := map[string][]byte{
		"text":      []byte("This is a license text, not a program."),
		"empty":     nil,
		"truncated": pegen.Build(pegen.AMD64, Version{1, 2, 3, 4}, Version{}, nil)[:400],
		"mz only":   append([]byte("MZ"), make([]byte, 100)...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Read(bytes.NewReader(data)); err != ErrNoVersion {
				t.Errorf("err = %v, want ErrNoVersion", err)
			}
		})
	}
}

func TestVersionCompareIsPartByPart(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"17.6.0.0", "17.5.0.0", 1},
		{"17.10", "17.9", 1}, // not a string comparison
		{"2.0.0.1", "2.0.0.1", 0},
		{"1.0", "1.0.0.0", 0},
		{"10.0.19041.1", "10.0.19041.2", -1},
	}
	for _, tc := range cases {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			a, err := ParseVersion(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseVersion(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Compare(b); got != tc.want {
				t.Errorf("Compare = %d, want %d", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "1.2.3.4.5", "1.x", "70000.1"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) succeeded", bad)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(pegen.Build(pegen.AMD64, Version{1, 2, 3, 4}, Version{1, 2, 3, 4}, []byte("abc")))
	f.Add(pegen.Build(pegen.I386, Version{1, 2, 3, 4}, Version{1, 2, 3, 4}, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		Read(bytes.NewReader(data)) // must not panic or hang
	})
}

// Every Wine PE file that holds a fixed version block must read as the
// version a plain byte search for that block finds.
func TestReadAgreesWithAByteScanOnWineFiles(t *testing.T) {
	files, _ := filepath.Glob("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/*.dll")
	if len(files) == 0 {
		testenv.Missing(t, "no Wine PE files (apt-get install wine64)")
	}
	if len(files) > 120 {
		files = files[:120]
	}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(data, []byte{0xbd, 0x04, 0xef, 0xfe})
		info, err := Read(bytes.NewReader(data))
		if i < 0 {
			if err == nil {
				t.Errorf("%s: a version without a fixed version block", file)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		w := func(k int) uint32 {
			b := data[i+4*k:]
			return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		}
		want := Version{uint16(w(2) >> 16), uint16(w(2)), uint16(w(3) >> 16), uint16(w(3))}
		if info.FileVersion != want {
			t.Errorf("%s: %v, byte scan says %v", file, info.FileVersion, want)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d files with a version resource", checked)
	}
}
