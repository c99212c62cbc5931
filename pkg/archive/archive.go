// Package archive reads zip archives safely: Open validates every entry
// before a byte is written (names, paths that would leave the destination,
// names Windows cannot hold, case-insensitive collisions, links and special
// files, encryption, sizes and compression ratios), and Extract writes a
// chosen set of entries so that no final path ever holds a partial file.
//
// The rules are Windows' on every system, so an archive behaves the same
// on Linux as on Windows.
package archive

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// DefaultMaximumCompressionRatio is far above what Deflate can produce
// (about 1032:1): an entry that declares more is lying about its size.
const DefaultMaximumCompressionRatio = 1100

// The ErrorIds of archive failures. Every one is exit 5.
const (
	IDNotZip           = "ArchiveNotZip"
	IDUnsafeName       = "ArchiveUnsafeEntryName"
	IDNameCollision    = "ArchiveEntryCollision"
	IDSpecialFile      = "ArchiveSpecialFile"
	IDEncrypted        = "ArchiveEncryptedEntry"
	IDUnsupported      = "ArchiveUnsupportedCompression"
	IDRatio            = "ArchiveCompressionRatio"
	IDBadSize          = "ArchiveBadSize"
	IDCorrupt          = "ArchiveCorruptEntry"
	IDNameUndecodable  = "ArchiveNameUndecodable"
	IDArchiveUnreadble = "ArchiveUnreadable"
)

// OpenOptions say how to read an archive.
type OpenOptions struct {
	// NameEncoding decodes names the archive does not mark as UTF-8; nil
	// means the system's (the OEM code page on Windows, CP437 elsewhere).
	NameEncoding *NameEncoding
	// ExplicitEncoding applies NameEncoding to every unmarked name, even
	// one that happens to be valid UTF-8.
	ExplicitEncoding bool
	// MaximumCompressionRatio refuses entries that claim to expand more
	// than this many times; 0 means DefaultMaximumCompressionRatio.
	MaximumCompressionRatio float64
}

// Entry is one validated entry of an archive.
type Entry struct {
	Name     string    // relative path it extracts to, '/'-separated
	RawName  string    // the name as stored, decoded
	IsDir    bool      // a folder, possibly empty
	Size     int64     // uncompressed bytes
	CRC32    uint32    // of the uncompressed bytes
	Modified time.Time // at the precision the archive holds
	// TimePrecision is how exact Modified is: 100ns from an NTFS field,
	// 1s from an extended timestamp, 2s from the DOS time alone.
	TimePrecision time.Duration
	// NameSource says how the name's bytes became text.
	NameSource string

	file           *zip.File
	dataOffset     int64 // where the compressed data starts in the archive
	compressedSize int64
}

// Archive is an open, validated zip archive. Close it when done.
type Archive struct {
	Path    string
	Entries []Entry
	// Encoding is the code page unmarked names were decoded with.
	Encoding *NameEncoding
	// Skipped explains entries that were dropped as harmless: '.' or
	// duplicate folder entries.
	Skipped []string

	f    *os.File
	zr   *zip.Reader
	size int64
}

// archiveError builds an exit-5 error about one entry of the archive.
func archiveError(id, entry, format string, args ...any) *bridge.Error {
	e := bridge.New(bridge.KindArchive, id, format, args...)
	if entry != "" {
		e.WithDetail("Entry", entry)
	}
	return e
}

// Open opens the zip archive at path and validates every entry. Any entry
// that is unsafe or invalid fails the whole archive with an exit-5 error
// that names it; nothing is extracted from an archive that fails.
func Open(path string, opts OpenOptions) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "ArchiveNotFound", err, "open the archive").
			WithTarget(path).WithCategory("ObjectNotFound")
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = errors.New("it is a folder")
	}
	if err != nil {
		f.Close()
		return nil, bridge.Wrap(bridge.KindLocal, "ArchiveNotFound", err, "open the archive").WithTarget(path)
	}
	// Go 1.20 and later may return a usable reader together with an error
	// about names it finds insecure; names are validated below.
	zr, err := zip.NewReader(f, info.Size())
	if err != nil && zr == nil {
		f.Close()
		return nil, bridge.Wrap(bridge.KindArchive, IDNotZip, err,
			"%s is not a zip archive or is damaged", path).WithTarget(path)
	}
	a := &Archive{Path: path, f: f, zr: zr, size: info.Size(), Encoding: opts.NameEncoding}
	if a.Encoding == nil {
		if a.Encoding, err = CodePageEncoding(systemCodePage()); err != nil {
			a.Encoding, _ = CodePageEncoding(437)
		}
	}
	if err := a.validate(opts); err != nil {
		f.Close()
		if e, ok := err.(*bridge.Error); ok && e.Target == "" {
			e.WithTarget(path)
		}
		return nil, err
	}
	return a, nil
}

// Close releases the archive file.
func (a *Archive) Close() error { return a.f.Close() }

// TotalSize is the sum of the uncompressed sizes of entries.
func TotalSize(entries []Entry) int64 {
	var n int64
	for _, e := range entries {
		n += e.Size
	}
	return n
}

func (a *Archive) validate(opts OpenOptions) error {
	maxRatio := opts.MaximumCompressionRatio
	if maxRatio <= 0 {
		maxRatio = DefaultMaximumCompressionRatio
	}
	byKey := map[string]int{}      // folded path -> index in a.Entries
	parents := map[string]string{} // folded folder path -> a path of an entry inside it
	type span struct {
		start, end int64
		name       string
	}
	var spans []span

	for _, f := range a.zr.File {
		raw := []byte(f.Name)
		text, source, err := decodeName(raw, f.Flags, f.Extra, a.Encoding, opts.ExplicitEncoding)
		if err != nil {
			return archiveError(IDNameUndecodable, f.Name,
				"entry %q has a name that cannot be decoded as %s: %v", f.Name, a.Encoding.Name, err)
		}
		name, isDir, err := ValidateName(text)
		if errors.Is(err, ErrNothingToWrite) && isDir {
			a.Skipped = append(a.Skipped, fmt.Sprintf("entry %q names the destination folder itself", text))
			continue
		}
		if err != nil {
			return archiveError(IDUnsafeName, text, "entry %q %v", text, err)
		}
		if err := checkMode(f, text); err != nil {
			return err
		}
		if !isDir && f.Mode().IsDir() && f.UncompressedSize64 == 0 {
			isDir = true // a folder stored without its trailing separator
		}
		if f.Flags&0x1 != 0 {
			return archiveError(IDEncrypted, text,
				"entry %q is encrypted; encrypted archives are not supported", text)
		}
		size := int64(f.UncompressedSize64)
		csize := int64(f.CompressedSize64)
		if size < 0 || csize < 0 {
			return archiveError(IDBadSize, text, "entry %q declares an impossible size", text)
		}
		if isDir && size != 0 {
			return archiveError(IDBadSize, text, "folder entry %q declares %d bytes of content", text, size)
		}
		var start int64
		if !isDir {
			switch f.Method {
			case zip.Store:
				if csize != size {
					return archiveError(IDBadSize, text,
						"entry %q is stored uncompressed but declares %d bytes stored for %d bytes of content",
						text, csize, size)
				}
			case zip.Deflate:
				if size > 0 && float64(size) > maxRatio*float64(csize+1) {
					return archiveError(IDRatio, text,
						"entry %q claims to expand %d bytes into %d, a ratio above the limit of %g; "+
							"raise --maximum-compression-ratio if the archive is trusted",
						text, csize, size, maxRatio)
				}
			default:
				// TODO: Deflate64 (method 9), which Windows Explorer uses
				// for files above 2 GiB, and BZIP2/LZMA are refused; such
				// archives must be extracted with another tool.
				return archiveError(IDUnsupported, text,
					"entry %q uses compression method %d; only Store and Deflate are supported", text, f.Method)
			}
			start, err = f.DataOffset()
			if err != nil || start < 0 || start+csize > a.size {
				return archiveError(IDCorrupt, text,
					"entry %q: its data lies beyond the end of the archive (truncated?)", text)
			}
			if csize > 0 {
				spans = append(spans, span{start, start + csize, text})
			}
		}

		key := foldName(name)
		if i, dup := byKey[key]; dup {
			prev := a.Entries[i]
			if prev.IsDir && isDir {
				a.Skipped = append(a.Skipped, fmt.Sprintf("entry %q repeats folder %q", text, prev.RawName))
				continue
			}
			return archiveError(IDNameCollision, text,
				"entries %q and %q name the same path on Windows, where names ignore case", prev.RawName, text)
		}
		byKey[key] = len(a.Entries)
		for dir := parentOf(key); dir != ""; dir = parentOf(dir) {
			if _, seen := parents[dir]; seen {
				break
			}
			parents[dir] = text
		}
		modified, precision := modTime(f)
		a.Entries = append(a.Entries, Entry{
			Name: name, RawName: text, IsDir: isDir, Size: size, CRC32: f.CRC32,
			Modified: modified, TimePrecision: precision, NameSource: source,
			file: f, dataOffset: start, compressedSize: csize,
		})
	}

	// A file and a folder may not share a path: "a" as a file and "a/b".
	for key, inside := range parents {
		if i, ok := byKey[key]; ok && !a.Entries[i].IsDir {
			return archiveError(IDNameCollision, a.Entries[i].RawName,
				"entry %q is a file, but entry %q needs a folder of that name", a.Entries[i].RawName, inside)
		}
	}

	// Entries whose compressed data overlap are how a small archive makes
	// a huge output without any entry exceeding the ratio limit.
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return archiveError(IDCorrupt, spans[i].name,
				"entries %q and %q share compressed data, a trick of zip bombs", spans[i-1].name, spans[i].name)
		}
	}
	return nil
}

// parentOf returns the folder part of a '/'-separated path, "" at the top.
func parentOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return ""
}

// checkMode refuses symbolic links and special files. Only regular files
// and folders are extracted; a link could point a later entry, or a later
// run, outside the destination.
func checkMode(f *zip.File, name string) error {
	mode := f.Mode()
	const reparsePoint = 0x400 // FILE_ATTRIBUTE_REPARSE_POINT: a Windows link
	switch {
	case isDOSCreator(f) && f.ExternalAttrs&reparsePoint != 0:
		return archiveError(IDSpecialFile, name, "entry %q is a Windows link (reparse point); links are not extracted", name)
	case mode&fs.ModeSymlink != 0:
		return archiveError(IDSpecialFile, name, "entry %q is a symbolic link; links are not extracted", name)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return archiveError(IDSpecialFile, name,
			"entry %q is a special file (%s), not a regular file or folder", name, mode.Type())
	}
	return nil
}

// isDOSCreator reports whether the external attributes are Windows file
// attributes: made on FAT, NTFS or VFAT.
func isDOSCreator(f *zip.File) bool {
	switch f.CreatorVersion >> 8 {
	case 0, 11, 14:
		return true
	}
	return false
}

// OpenEntry returns a reader of an entry's uncompressed content that fails
// when the content does not match the declared size and CRC-32.
func (a *Archive) OpenEntry(e *Entry) (io.ReadCloser, error) {
	if e.IsDir {
		return nil, fmt.Errorf("entry %q is a folder", e.RawName)
	}
	return newEntryReader(a, e), nil
}

func quote(s string) string { return strconv.Quote(s) }
