package e2e

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// patchCentral changes the central directory header of one entry in place.
// The header's fixed fields: CRC-32 at 16, compressed size at 20, size at
// 24, method at 10, local header offset at 42.
func patchCentral(t *testing.T, path, entry string, patch func(hdr []byte)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("PK\x01\x02"))
		if j < 0 {
			t.Fatalf("no central directory header for %q", entry)
		}
		hdr := data[i+j:]
		n := int(binary.LittleEndian.Uint16(hdr[28:]))
		if string(hdr[46:46+n]) == entry {
			patch(hdr)
			break
		}
		i += j + 4
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// flipStoredByte changes one byte of a stored entry's content, leaving
// every header as it was.
func flipStoredByte(t *testing.T, path string, content []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, content)
	if i < 0 {
		t.Fatal("stored content not found in the archive")
	}
	data[i+len(content)/2] ^= 0xff
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExpandRefusesCorruptArchives checks every kind of damage ends in
// exit 5 with a record that names the entry, and leaves no partial file.
func TestExpandRefusesCorruptArchives(t *testing.T) {
	stored := bytes.Repeat([]byte("stored content that is not compressed. "), 200)
	text := bytes.Repeat([]byte("compressible text "), 5000)
	zeros := make([]byte, 8<<20)
	good := []zipEntry{
		{name: "ok.txt", content: []byte("fine")},
		{name: "stored.txt", content: stored, store: true},
		{name: "text.txt", content: text},
	}
	cases := []struct {
		name  string
		make  func(t *testing.T, path string)
		args  []string
		id    string
		entry string // "" when the archive as a whole is at fault
	}{
		{"bad CRC in the content", func(t *testing.T, p string) {
			writeZip(t, p, good)
			flipStoredByte(t, p, stored)
		}, nil, "ArchiveCorruptEntry", "stored.txt"},
		{"bad CRC in the header", func(t *testing.T, p string) {
			writeZip(t, p, good)
			patchCentral(t, p, "text.txt", func(h []byte) { h[16] ^= 0x01 })
		}, nil, "ArchiveCorruptEntry", "text.txt"},
		{"declared size too small", func(t *testing.T, p string) {
			writeZip(t, p, good)
			patchCentral(t, p, "text.txt", func(h []byte) { binary.LittleEndian.PutUint32(h[24:], uint32(len(text)-10)) })
		}, nil, "ArchiveCorruptEntry", "text.txt"},
		{"declared size too large", func(t *testing.T, p string) {
			writeZip(t, p, good)
			patchCentral(t, p, "text.txt", func(h []byte) { binary.LittleEndian.PutUint32(h[24:], uint32(len(text)+10)) })
		}, nil, "ArchiveCorruptEntry", "text.txt"},
		{"stored sizes disagree", func(t *testing.T, p string) {
			writeZip(t, p, good)
			patchCentral(t, p, "stored.txt", func(h []byte) { binary.LittleEndian.PutUint32(h[24:], uint32(len(stored)*2)) })
		}, nil, "ArchiveBadSize", "stored.txt"},
		{"data beyond the end", func(t *testing.T, p string) {
			writeZip(t, p, good)
			patchCentral(t, p, "text.txt", func(h []byte) { binary.LittleEndian.PutUint32(h[20:], 1<<30) })
		}, nil, "ArchiveCorruptEntry", "text.txt"},
		{"truncated file", func(t *testing.T, p string) {
			writeZip(t, p, good)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o644)
		}, nil, "ArchiveNotZip", ""},
		{"not a zip", func(t *testing.T, p string) {
			os.WriteFile(p, []byte("this is plain text, not an archive\n"), 0o644)
		}, nil, "ArchiveNotZip", ""},
		{"empty file", func(t *testing.T, p string) {
			os.WriteFile(p, nil, 0o644)
		}, nil, "ArchiveNotZip", ""},
		{"encrypted entry (Info-ZIP zip -P)", func(t *testing.T, p string) {
			testenv.Require(t, "zip")
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644)
			cmd := exec.Command("zip", "-q", "-P", "password", p, "secret.txt")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("zip: %v %s", err, out)
			}
		}, nil, "ArchiveEncryptedEntry", "secret.txt"},
		{"unsupported method (7-Zip LZMA)", func(t *testing.T, p string) {
			testenv.Require(t, "7z")
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "lzma.txt"), text, 0o644)
			cmd := exec.Command("7z", "a", "-tzip", "-mm=LZMA", "-bd", "-bso0", p, "lzma.txt")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("7z: %v %s", err, out)
			}
		}, nil, "ArchiveUnsupportedCompression", "lzma.txt"},
		{"ratio above the default limit", func(t *testing.T, p string) {
			writeZip(t, p, good)
			patchCentral(t, p, "ok.txt", func(h []byte) { binary.LittleEndian.PutUint32(h[24:], 0xfffffff0) })
		}, nil, "ArchiveCompressionRatio", "ok.txt"},
		{"ratio above a configured limit", func(t *testing.T, p string) {
			writeZip(t, p, []zipEntry{{name: "zeros.bin", content: zeros}})
		}, []string{"--maximum-compression-ratio", "100"}, "ArchiveCompressionRatio", "zeros.bin"},
		{"entries sharing compressed data", func(t *testing.T, p string) {
			writeZip(t, p, []zipEntry{{name: "one.bin", content: zeros}, {name: "two.bin", content: zeros}})
			patchCentral(t, p, "two.bin", func(h []byte) { binary.LittleEndian.PutUint32(h[42:], 0) })
		}, nil, "ArchiveCorruptEntry", "two.bin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			zipPath := filepath.Join(work, "damaged.zip")
			tc.make(t, zipPath)
			dest := filepath.Join(work, "out")
			res := expandRun(t, work, append([]string{"--path", zipPath, "--destination-path", dest}, tc.args...)...)
			if res.ExitCode != 5 {
				t.Fatalf("exit %d, want 5: %s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			rec := lastError(t, res)
			details, _ := rec["Details"].(map[string]any)
			if rec["ErrorId"] != tc.id {
				t.Errorf("ErrorId %v, want %s: %v", rec["ErrorId"], tc.id, rec)
			}
			named := strings.Contains(rec["Message"].(string), strconv.Quote(tc.entry))
			if tc.entry != "" && (details["Entry"] != tc.entry || !named) {
				t.Errorf("the record does not name entry %q: %v", tc.entry, rec)
			}
			if tc.entry != "" {
				if _, err := os.Lstat(filepath.Join(dest, tc.entry)); !os.IsNotExist(err) {
					t.Errorf("the damaged entry was placed at its final path (%v)", err)
				}
			}
			if left := tempFilesUnder(t, work); len(left) > 0 {
				t.Errorf("temporary files left: %q", left)
			}
		})
	}
}
