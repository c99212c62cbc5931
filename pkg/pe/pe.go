// Package pe reads the version resource (VS_VERSIONINFO) of Windows PE
// files, 32 and 64-bit, in pure Go on any system, and compares Windows
// four-part versions.
package pe

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ErrNoVersion reports a file that is not a PE file or has no version
// resource.
var ErrNoVersion = errors.New("pe: no version resource")

// Version is a Windows file version: major, minor, build, revision.
type Version [4]uint16

// String renders the version as Windows shows it: 17.6.0.0.
func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3])
}

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than w,
// comparing part by part.
func (v Version) Compare(w Version) int {
	for i := range v {
		switch {
		case v[i] < w[i]:
			return -1
		case v[i] > w[i]:
			return 1
		}
	}
	return 0
}

// ParseVersion reads one to four dot-separated numbers; missing parts are 0.
func ParseVersion(s string) (Version, error) {
	var v Version
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 4 || s == "" {
		return v, fmt.Errorf("pe: version %q is not one to four numbers", s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return v, fmt.Errorf("pe: version %q is not one to four numbers", s)
		}
		v[i] = uint16(n)
	}
	return v, nil
}

// Info is what the fixed part of a version resource says.
type Info struct {
	FileVersion    Version
	ProductVersion Version
}

const (
	resourceDirectory = 2  // index of the resource table among the data directories
	rtVersion         = 16 // RT_VERSION
	fixedSignature    = 0xFEEF04BD
	maxResourceDepth  = 3
)

// ReadFile reads the version resource of the PE file at path.
func ReadFile(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	return Read(f)
}

// FileVersion returns the file version of the PE file at path as a string,
// or "" when it has none.
func FileVersion(path string) string {
	info, err := ReadFile(path)
	if err != nil {
		return ""
	}
	return info.FileVersion.String()
}

// Read reads the version resource of a PE file.
func Read(r io.ReaderAt) (info Info, err error) {
	defer func() {
		// debug/pe trusts some header fields; a hostile file must not crash
		// the caller.
		if recover() != nil {
			info, err = Info{}, ErrNoVersion
		}
	}()
	f, err := pe.NewFile(r)
	if err != nil {
		return Info{}, ErrNoVersion
	}
	defer f.Close()

	var dir pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if oh.NumberOfRvaAndSizes > resourceDirectory {
			dir = oh.DataDirectory[resourceDirectory]
		}
	case *pe.OptionalHeader64:
		if oh.NumberOfRvaAndSizes > resourceDirectory {
			dir = oh.DataDirectory[resourceDirectory]
		}
	}
	if dir.VirtualAddress == 0 || dir.Size == 0 {
		return Info{}, ErrNoVersion
	}
	rsrc, err := readRVA(f, dir.VirtualAddress, dir.Size)
	if err != nil {
		return Info{}, ErrNoVersion
	}
	// Walk type (RT_VERSION), then the first name, then the first language.
	off, ok := findEntry(rsrc, 0, rtVersion)
	for depth := 1; ok && depth < maxResourceDepth; depth++ {
		off, ok = findEntry(rsrc, off, -1)
	}
	if !ok || off&0x80000000 != 0 || int(off)+16 > len(rsrc) {
		return Info{}, ErrNoVersion
	}
	dataRVA := binary.LittleEndian.Uint32(rsrc[off:])
	size := binary.LittleEndian.Uint32(rsrc[off+4:])
	if size > 1<<20 {
		return Info{}, ErrNoVersion
	}
	data, err := readRVA(f, dataRVA, size)
	if err != nil {
		return Info{}, ErrNoVersion
	}
	return parseVersionInfo(data)
}

// findEntry looks in the resource directory at off for the entry with the
// given numeric id (any entry when id < 0) and returns its OffsetToData.
func findEntry(rsrc []byte, off uint32, id int) (uint32, bool) {
	off &^= 0x80000000
	if int(off)+16 > len(rsrc) {
		return 0, false
	}
	named := int(binary.LittleEndian.Uint16(rsrc[off+12:]))
	ids := int(binary.LittleEndian.Uint16(rsrc[off+14:]))
	for i := 0; i < named+ids; i++ {
		e := int(off) + 16 + 8*i
		if e+8 > len(rsrc) {
			return 0, false
		}
		name := binary.LittleEndian.Uint32(rsrc[e:])
		if id < 0 || (name&0x80000000 == 0 && name == uint32(id)) {
			return binary.LittleEndian.Uint32(rsrc[e+4:]), true
		}
	}
	return 0, false
}

// readRVA reads size bytes at a relative virtual address.
func readRVA(f *pe.File, rva, size uint32) ([]byte, error) {
	for _, s := range f.Sections {
		if rva < s.VirtualAddress || uint64(rva)+uint64(size) > uint64(s.VirtualAddress)+uint64(s.Size) {
			continue
		}
		buf := make([]byte, size)
		if _, err := s.ReadAt(buf, int64(rva-s.VirtualAddress)); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return nil, ErrNoVersion
}

// parseVersionInfo reads the VS_FIXEDFILEINFO that follows the key
// "VS_VERSION_INFO" in a VS_VERSIONINFO block.
func parseVersionInfo(b []byte) (Info, error) {
	const key = "VS_VERSION_INFO"
	if len(b) < 6+2*(len(key)+1) {
		return Info{}, ErrNoVersion
	}
	valueLen := int(binary.LittleEndian.Uint16(b[2:]))
	u := make([]uint16, len(key))
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[6+2*i:])
	}
	if string(utf16.Decode(u)) != key || valueLen < 52 {
		return Info{}, ErrNoVersion
	}
	off := (6 + 2*(len(key)+1) + 3) &^ 3 // the value is aligned on 32 bits
	if off+52 > len(b) || binary.LittleEndian.Uint32(b[off:]) != fixedSignature {
		return Info{}, ErrNoVersion
	}
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(b[off+4*i:]) }
	split := func(ms, ls uint32) Version {
		return Version{uint16(ms >> 16), uint16(ms), uint16(ls >> 16), uint16(ls)}
	}
	return Info{
		FileVersion:    split(word(2), word(3)),
		ProductVersion: split(word(4), word(5)),
	}, nil
}
