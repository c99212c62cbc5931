package archive

import (
	"testing"
)

func TestLookupEncodingAcceptsCommonSpellings(t *testing.T) {
	cases := []struct {
		in   string
		want string
		raw  []byte // a name in that encoding
		text string
	}{
		{"cp932", "cp932", []byte{0x83, 0x5c, 0x83, 0x74, 0x83, 0x67}, "ソフト"},
		{"shift_jis", "cp932", []byte{0x95, 0x5c}, "表"},
		{"Shift-JIS", "cp932", []byte{0x95, 0x5c}, "表"},
		{"windows-31j", "cp932", []byte{0x95, 0x5c}, "表"},
		{"cp437", "cp437", []byte{0x81, 0x84}, "üä"},
		{"IBM437", "cp437", []byte{0x81}, "ü"},
		{"437", "cp437", []byte{0x81}, "ü"},
		{"cp850", "cp850", []byte{0x9d}, "Ø"},
		{"cp866", "cp866", []byte{0x8f}, "П"},
		{"cp1252", "cp1252", []byte{0x80}, "€"},
		{"windows-1252", "cp1252", []byte{0x80}, "€"},
		{"cp936", "cp936", []byte{0xd6, 0xd0}, "中"},
		{"iso-8859-1", "iso-8859-1", []byte{0xe9}, "é"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			enc, err := LookupEncoding(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if enc.Name != tc.want {
				t.Errorf("Name = %q, want %q", enc.Name, tc.want)
			}
			if got, err := enc.Decode(tc.raw); err != nil || got != tc.text {
				t.Errorf("Decode = %q, %v; want %q", got, err, tc.text)
			}
		})
	}
	for _, bad := range []string{"klingon", "cp99999", ""} {
		if _, err := LookupEncoding(bad); err == nil {
			t.Errorf("LookupEncoding(%q) succeeded", bad)
		}
	}
}

func TestDecodeNamePrefersMarksThenUTF8ThenCodePage(t *testing.T) {
	cp437, _ := CodePageEncoding(437)
	utf8Name := []byte("Grüße")
	cases := []struct {
		name     string
		raw      []byte
		flags    uint16
		explicit bool
		text     string
		source   string
	}{
		{"flagged", utf8Name, 0x800, true, "Grüße", NameFromFlag},
		{"unmarked UTF-8", utf8Name, 0, false, "Grüße", NameFromUTF8Guess},
		{"unmarked UTF-8, explicit code page", utf8Name, 0, true, "Gr├╝├ƒe", NameFromCodePage},
		{"ASCII", []byte("plain"), 0, true, "plain", NameFromASCII},
		{"code page", []byte{'G', 'r', 0x81, 0xe1, 'e'}, 0, false, "Grüße", NameFromCodePage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text, source, err := decodeName(tc.raw, tc.flags, nil, cp437, tc.explicit)
			if err != nil || text != tc.text || source != tc.source {
				t.Errorf("decodeName = %q, %q, %v; want %q, %q", text, source, err, tc.text, tc.source)
			}
		})
	}
	if _, _, err := decodeName([]byte{0xff}, 0x800, nil, cp437, false); err == nil {
		t.Error("a name flagged UTF-8 that is not UTF-8 was accepted")
	}
}
