package archive

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// maxComponentUTF16 is the longest file or folder name NTFS holds, in
// UTF-16 code units.
const maxComponentUTF16 = 255

// The reasons ValidateName refuses a name. They are sentinels so that tests
// and callers can tell them apart; the messages complete "entry X ...".
var (
	ErrEmptyName      = errors.New("has an empty name")
	ErrInvalidUTF8    = errors.New("has a name that is not valid text")
	ErrAbsolutePath   = errors.New("has an absolute path, which would leave the destination")
	ErrDriveLetter    = errors.New("names a drive letter, which would leave the destination")
	ErrParentFolder   = errors.New("contains '..', which would leave the destination")
	ErrControlChar    = errors.New("contains a control character, which Windows cannot hold in a name")
	ErrInvalidChar    = errors.New(`contains one of < > : " | ? *, which Windows cannot hold in a name`)
	ErrTrailingDot    = errors.New("has a name ending in a dot or a space, which Windows would silently drop")
	ErrReservedName   = errors.New("uses a reserved Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9)")
	ErrNameTooLong    = errors.New("has a file or folder name longer than 255 characters")
	ErrTemporaryName  = errors.New("uses the name pattern of sysupdate's temporary files")
	ErrNothingToWrite = errors.New("names only the destination itself")
)

// ValidateName checks one entry name, already decoded to text, against the
// rules every file system SysUpdate writes to must satisfy, and returns the
// relative path it extracts to: components joined by '/', with '.' and
// empty components dropped. isDir is true when the name ends in a
// separator. Backslashes are separators, as in the archives Windows
// PowerShell 5's Compress-Archive writes.
//
// The rules are those of Windows on every system, so that an archive that
// extracts on Linux also extracts on Windows, and one refused here is
// refused everywhere.
func ValidateName(name string) (path string, isDir bool, err error) {
	if name == "" {
		return "", false, ErrEmptyName
	}
	if !utf8.ValidString(name) {
		return "", false, ErrInvalidUTF8
	}
	name = strings.ReplaceAll(name, `\`, "/")
	if name[0] == '/' {
		// Also \\server\share and \\?\C:\ once backslashes are separators.
		return "", false, ErrAbsolutePath
	}
	if len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]) {
		// C:\x is absolute; C:x is relative to drive C's current folder.
		// Both leave the destination on Windows.
		return "", false, ErrDriveLetter
	}
	isDir = strings.HasSuffix(name, "/")

	var b strings.Builder
	b.Grow(len(name))
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." {
			continue
		}
		if err := validateComponent(part); err != nil {
			return "", false, err
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(part)
	}
	if b.Len() == 0 {
		return "", isDir, ErrNothingToWrite
	}
	return b.String(), isDir, nil
}

// validateComponent checks one file or folder name.
func validateComponent(part string) error {
	if part == ".." {
		return ErrParentFolder
	}
	units := 0
	for _, r := range part {
		switch {
		case r < 0x20:
			return ErrControlChar
		case strings.ContainsRune(`<>:"|?*`, r):
			return ErrInvalidChar
		}
		units++
		if r >= 0x10000 {
			units++ // a surrogate pair in UTF-16
		}
	}
	if units > maxComponentUTF16 {
		return ErrNameTooLong
	}
	if last := part[len(part)-1]; last == '.' || last == ' ' {
		return ErrTrailingDot
	}
	if isReservedDeviceName(part) {
		return ErrReservedName
	}
	if safefile.IsTemp(part) {
		return ErrTemporaryName
	}
	return nil
}

// isReservedDeviceName reports whether Windows maps a name to a device:
// the reserved word alone or followed by an extension (NUL, nul.txt,
// AUX.tar.gz), compared case-insensitively, trailing spaces before the dot
// ignored. COM and LPT also take the superscript digits ¹ ² ³.
func isReservedDeviceName(part string) bool {
	stem := part
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) < 4 || (stem[:3] != "COM" && stem[:3] != "LPT") {
		return false
	}
	switch stem[3:] {
	case "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}

func isASCIILetter(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// foldName is the key under which Windows considers two paths the same:
// NTFS compares names by upper-casing each UTF-16 unit.
func foldName(path string) string {
	return strings.ToUpper(path)
}
