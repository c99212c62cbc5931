package archive

import (
	"archive/zip"
	"encoding/binary"
	"time"
)

// Extra fields that carry modification times finer than the DOS time.
const (
	ntfsExtraID    = 0x000a // Windows FILETIME: 100 ns since 1601
	extTimeExtraID = 0x5455 // extended timestamp: Unix seconds
)

// modTime returns an entry's modification time and its precision: the NTFS
// field where present (100 ns), else the extended timestamp (1 s), else
// the DOS time (2 s), which records local time without a zone and is read
// as this machine's local time, as Windows and Info-ZIP read it. Go's own
// FileHeader.Modified takes whichever of the first two comes last in the
// extra data, so the fields are read here to be the same on every Go.
func modTime(f *zip.File) (time.Time, time.Duration) {
	var ntfs, ext time.Time
	forEachExtra(f.Extra, func(id uint16, field []byte) {
		switch id {
		case ntfsExtraID:
			if t, ok := ntfsMtime(field); ok {
				ntfs = t
			}
		case extTimeExtraID:
			// Only the modification time appears in the central
			// directory's copy, whatever the flags say.
			if len(field) >= 5 && field[0]&1 != 0 {
				ext = time.Unix(int64(binary.LittleEndian.Uint32(field[1:])), 0)
			}
		}
	})
	switch {
	case !ntfs.IsZero():
		return ntfs, 100 * time.Nanosecond
	case !ext.IsZero():
		return ext, time.Second
	}
	return dosTime(f.ModifiedDate, f.ModifiedTime), 2 * time.Second
}

// ntfsMtime reads the modification time from an NTFS extra field: four
// reserved bytes, then tagged attributes, tag 1 holding three FILETIMEs.
func ntfsMtime(field []byte) (time.Time, bool) {
	if len(field) < 4 {
		return time.Time{}, false
	}
	field = field[4:]
	for len(field) >= 4 {
		tag := binary.LittleEndian.Uint16(field)
		size := int(binary.LittleEndian.Uint16(field[2:]))
		field = field[4:]
		if size > len(field) {
			return time.Time{}, false
		}
		if tag == 1 && size >= 8 {
			ft := int64(binary.LittleEndian.Uint64(field))
			if ft <= 0 {
				return time.Time{}, false
			}
			// 11644473600 seconds lie between 1601-01-01 and 1970-01-01.
			const epochDelta = 11644473600
			return time.Unix(ft/1e7-epochDelta, ft%1e7*100), true
		}
		field = field[size:]
	}
	return time.Time{}, false
}

// dosTime decodes an MS-DOS date and time as local time. A zero date means
// no time was recorded.
func dosTime(d, t uint16) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Date(
		int(d>>9)+1980, time.Month(d>>5&0xf), int(d&0x1f),
		int(t>>11), int(t>>5&0x3f), int(t&0x1f)*2, 0, time.Local)
}

// forEachExtra calls fn for each well-formed field of zip extra data.
func forEachExtra(extra []byte, fn func(id uint16, field []byte)) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if size > len(extra) {
			return
		}
		fn(id, extra[:size])
		extra = extra[size:]
	}
}
