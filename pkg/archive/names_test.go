package archive

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateNameAccepts(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		path  string
		isDir bool
	}{
		{"plain file", "readme.txt", "readme.txt", false},
		{"nested file", "a/b/c.txt", "a/b/c.txt", false},
		{"folder", "a/b/", "a/b", true},
		{"backslash separators", `a\b\c.txt`, "a/b/c.txt", false},
		{"backslash folder", `a\b\`, "a/b", true},
		{"dot components dropped", "./a/./b.txt", "a/b.txt", false},
		{"doubled separators collapse", "a//b.txt", "a/b.txt", false},
		{"dots inside names", "v1.2.3/file.tar.gz", "v1.2.3/file.tar.gz", false},
		{"leading dot", ".hidden", ".hidden", false},
		{"reserved word inside a longer name", "CONFIG.SYS", "CONFIG.SYS", false},
		{"COM without digit", "COM/readme", "COM/readme", false},
		{"COM10 is not a device", "COM10", "COM10", false},
		{"non-ASCII", "日本語/ファイル.txt", "日本語/ファイル.txt", false},
		{"space inside", "my file.txt", "my file.txt", false},
		{"leading space", " lead.txt", " lead.txt", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, isDir, err := ValidateName(tc.in)
			if err != nil || path != tc.path || isDir != tc.isDir {
				t.Errorf("ValidateName(%q) = %q, %v, %v; want %q, %v, nil", tc.in, path, isDir, err, tc.path, tc.isDir)
			}
		})
	}
}

func TestValidateNameRefuses(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmptyName},
		{"invalid UTF-8", "a\xffb", ErrInvalidUTF8},
		{"parent", "../x", ErrParentFolder},
		{"parent deep", "a/../../x", ErrParentFolder},
		{"parent inside", "a/../b", ErrParentFolder},
		{"parent backslash", `..\x`, ErrParentFolder},
		{"absolute", "/etc/passwd", ErrAbsolutePath},
		{"drive absolute", `C:\x`, ErrDriveLetter},
		{"drive relative", "C:x", ErrDriveLetter},
		{"drive lower case", "d:/x", ErrDriveLetter},
		{"UNC", `\\server\share\x`, ErrAbsolutePath},
		{"device path", `\\?\C:\x`, ErrAbsolutePath},
		{"device path dot", `\\.\PhysicalDrive0`, ErrAbsolutePath},
		{"CON", "CON", ErrReservedName},
		{"con lower", "con", ErrReservedName},
		{"nul.txt", "nul.txt", ErrReservedName},
		{"COM1", "COM1", ErrReservedName},
		{"COM superscript", "COM¹.log", ErrReservedName},
		{"LPT9 folder", "LPT9/x", ErrReservedName},
		{"AUX.txt", "dir/AUX.txt", ErrReservedName},
		{"AUX with space before dot", "AUX .txt", ErrReservedName},
		{"PRN.tar.gz", "PRN.tar.gz", ErrReservedName},
		{"CONIN$", "CONIN$", ErrReservedName},
		{"trailing dot", "name.", ErrTrailingDot},
		{"trailing space", "name ", ErrTrailingDot},
		{"folder trailing dot", "dir./x", ErrTrailingDot},
		{"dots only", "...", ErrTrailingDot},
		{"less than", "a<b", ErrInvalidChar},
		{"greater than", "a>b", ErrInvalidChar},
		{"colon", "ab:c", ErrInvalidChar},
		{"alternate data stream", "file.txt::$DATA", ErrInvalidChar},
		{"double quote", `a"b`, ErrInvalidChar},
		{"pipe", "a|b", ErrInvalidChar},
		{"question mark", "a?b", ErrInvalidChar},
		{"asterisk", "a*b", ErrInvalidChar},
		{"NUL byte", "a\x00b", ErrControlChar},
		{"newline", "a\nb", ErrControlChar},
		{"unit separator", "a\x1fb", ErrControlChar},
		{"too long", strings.Repeat("x", 256), ErrNameTooLong},
		{"too long in UTF-16", strings.Repeat("😀", 128), ErrNameTooLong},
		{"temporary name pattern", ".sysupdate-tmp-1-abc-x", ErrTemporaryName},
		{"only dots and separators", "./", ErrNothingToWrite},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, _, err := ValidateName(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("ValidateName(%q) = %q, %v; want %v", tc.in, path, err, tc.want)
			}
		})
	}
}

// FuzzValidateName checks the promises of an accepted name whatever the
// input: it stays inside the destination, holds only what Windows can
// hold, and validates again to itself.
func FuzzValidateName(f *testing.F) {
	for _, seed := range []string{
		"a/b/c.txt", "../x", `..\x`, "/abs", `C:\x`, "C:x", `\\server\share\x`, `\\?\C:\x`,
		"CON", "nul.txt", "COM1", "AUX.txt", "name.", "name ", `<>:"|?*`, "a\x01b",
		"./a/./b", "a//b/", "日本語/ファイル.txt", "COM¹", "a\xffb", ". /x", "x/ ./y", "..../x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		path, isDir, err := ValidateName(name)
		if err != nil {
			if path != "" {
				t.Fatalf("refused %q but returned path %q", name, path)
			}
			return
		}
		if path == "" || path[0] == '/' || strings.ContainsAny(path, `\:`) || !utf8.ValidString(path) {
			t.Fatalf("accepted %q as %q", name, path)
		}
		for _, part := range strings.Split(path, "/") {
			if part == "" || part == "." || part == ".." || validateComponent(part) != nil {
				t.Fatalf("accepted %q with component %q", name, part)
			}
		}
		again, againDir, err := ValidateName(path)
		if err != nil || again != path || (againDir && !isDir) {
			t.Fatalf("%q -> %q does not validate to itself: %q, %v", name, path, again, err)
		}
	})
}
