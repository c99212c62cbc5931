package archive

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// NameEncoding is the code page that decodes entry names the archive does
// not mark as UTF-8.
type NameEncoding struct {
	Name     string // as people write it: cp437, cp932
	encoding encoding.Encoding
}

// codePages maps Windows code page numbers, the form GetOEMCP and most
// people use, to their decoders.
var codePages = map[int]encoding.Encoding{
	437:   charmap.CodePage437,
	850:   charmap.CodePage850,
	852:   charmap.CodePage852,
	855:   charmap.CodePage855,
	858:   charmap.CodePage858,
	860:   charmap.CodePage860,
	862:   charmap.CodePage862,
	863:   charmap.CodePage863,
	865:   charmap.CodePage865,
	866:   charmap.CodePage866,
	874:   charmap.Windows874,
	932:   japanese.ShiftJIS,
	936:   simplifiedchinese.GBK,
	949:   korean.EUCKR,
	950:   traditionalchinese.Big5,
	1250:  charmap.Windows1250,
	1251:  charmap.Windows1251,
	1252:  charmap.Windows1252,
	1253:  charmap.Windows1253,
	1254:  charmap.Windows1254,
	1255:  charmap.Windows1255,
	1256:  charmap.Windows1256,
	1257:  charmap.Windows1257,
	1258:  charmap.Windows1258,
	20866: charmap.KOI8R,
	21866: charmap.KOI8U,
	28591: charmap.ISO8859_1,
	28592: charmap.ISO8859_2,
	28595: charmap.ISO8859_5,
	28605: charmap.ISO8859_15,
	54936: simplifiedchinese.GB18030,
}

// CodePageEncoding returns the decoder of a Windows code page number.
func CodePageEncoding(cp int) (*NameEncoding, error) {
	enc, ok := codePages[cp]
	if !ok {
		return nil, fmt.Errorf("code page %d is not supported for entry names", cp)
	}
	return &NameEncoding{Name: "cp" + strconv.Itoa(cp), encoding: enc}, nil
}

// LookupEncoding resolves a --filename-encoding value: a code page as
// cp932, windows-1252, ibm850 or 437, or an IANA name such as shift_jis,
// iso-8859-1 or big5. Case, '-' and '_' do not matter.
func LookupEncoding(name string) (*NameEncoding, error) {
	key := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(name))
	for _, prefix := range []string{"cp", "windows", "ibm", ""} {
		if digits := strings.TrimPrefix(key, prefix); digits != key || prefix == "" {
			if cp, err := strconv.Atoi(digits); err == nil {
				return CodePageEncoding(cp)
			}
		}
	}
	switch key {
	case "sjis", "shiftjis", "windows31j", "mskanji":
		return CodePageEncoding(932)
	case "oem", "dos", "pc8":
		return CodePageEncoding(437)
	}
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unknown file name encoding %q: use a code page such as cp437, cp850, cp932 or cp1252", name)
	}
	return &NameEncoding{Name: strings.ToLower(name), encoding: enc}, nil
}

// Decode turns raw name bytes into text.
func (e *NameEncoding) Decode(raw []byte) (string, error) {
	if isASCII(raw) {
		return string(raw), nil
	}
	out, err := e.encoding.NewDecoder().Bytes(raw)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// Where a name's text came from (Entry.NameSource).
const (
	NameFromFlag       = "UTF-8 flag"
	NameFromUnicodeExt = "Unicode Path extra field"
	NameFromUTF8Guess  = "valid UTF-8"
	NameFromASCII      = "ASCII"
	NameFromCodePage   = "code page"
)

// unicodePathExtraID is Info-ZIP's Unicode Path extra field: a version, the
// CRC-32 of the header's own name, then the name in UTF-8.
const unicodePathExtraID = 0x7075

// decodeName returns the text of an entry's name and where it came from.
// The UTF-8 flag and the Unicode Path field are authoritative. When neither
// is there, a name that is valid UTF-8 with multi-byte sequences is taken
// as UTF-8 (Info-ZIP and others write such names unmarked), unless the
// caller named an encoding, which then applies to every unmarked name.
func decodeName(raw []byte, flags uint16, extra []byte, enc *NameEncoding, explicit bool) (string, string, error) {
	if flags&0x800 != 0 {
		if !utf8.Valid(raw) {
			return "", NameFromFlag, ErrInvalidUTF8
		}
		return string(raw), NameFromFlag, nil
	}
	if name, ok := unicodePathField(raw, extra); ok {
		return name, NameFromUnicodeExt, nil
	}
	if isASCII(raw) {
		return string(raw), NameFromASCII, nil
	}
	if !explicit && utf8.Valid(raw) {
		return string(raw), NameFromUTF8Guess, nil
	}
	name, err := enc.Decode(raw)
	return name, NameFromCodePage, err
}

// unicodePathField finds a Unicode Path extra field that belongs to raw: one
// whose recorded CRC matches the name, since a tool that renamed the entry
// without updating the field left a stale name there.
func unicodePathField(raw, extra []byte) (name string, ok bool) {
	forEachExtra(extra, func(id uint16, field []byte) {
		if ok || id != unicodePathExtraID || len(field) < 5 || field[0] != 1 {
			return
		}
		if binary.LittleEndian.Uint32(field[1:]) != crc32.ChecksumIEEE(raw) {
			return
		}
		if text := field[5:]; utf8.Valid(text) && len(text) > 0 {
			name, ok = string(text), true
		}
	})
	return name, ok
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
