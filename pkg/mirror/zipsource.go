package mirror

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// ZipSource reads an archive whose URL never changes while its content
// does, such as SysinternalsSuite.zip. The archive is fetched with the
// validators of the last run (a 304 costs nothing), and its members play
// the listing: size, time and CRC-32 tell which files on disk differ.
//
// TODO: validate members with pkg/archive once it is available; until then
// names are checked here (SafeName per segment) and sizes are not bounded.
type ZipSource struct {
	URL    string
	Getter Getter

	requests atomic.Int64
	bytes    atomic.Int64
	mu       sync.Mutex
	file     string // the downloaded archive, once fetched
	zr       *zip.ReadCloser
	members  map[string]*zip.File
}

func (s *ZipSource) String() string { return s.URL }

// Requests counts the archive downloads, conditional or not.
func (s *ZipSource) Requests() int64 { return s.requests.Load() }

// Close releases the downloaded archive and the getter's connections.
func (s *ZipSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zr != nil {
		s.zr.Close()
		s.zr = nil
	}
	if c, ok := s.Getter.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// BytesFetched counts the bytes of archive downloads.
func (s *ZipSource) BytesFetched() int64 { return s.bytes.Load() }

// List fetches the archive (conditionally) on the first call and lists the
// members in folder rel.
func (s *ZipSource) List(ctx context.Context, rel string, prev *ListingState, staging string) (*ListingState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zr == nil {
		var cond Validators
		if prev != nil && prev.URL == s.URL {
			cond = Validators{ETag: prev.ETag, LastModified: prev.LastModified}
		}
		res, err := s.download(ctx, cond, staging)
		if err != nil {
			return nil, err
		}
		if res.NotModified && prev != nil {
			return prev, nil
		}
		ls := s.listing(rel)
		ls.ETag, ls.LastModified = res.ETag, res.LastModified
		return ls, nil
	}
	return s.listing(rel), nil
}

// download fetches and opens the archive. Called with s.mu held.
func (s *ZipSource) download(ctx context.Context, cond Validators, staging string) (GetResult, error) {
	s.file = filepath.Join(staging, "source.zip")
	s.requests.Add(1)
	res, err := s.Getter.Get(ctx, GetRequest{URL: s.URL, OutFile: s.file, ExpectedSize: -1,
		IfNoneMatch: cond.ETag, IfModifiedSince: cond.LastModified}, nil)
	s.bytes.Add(res.Bytes)
	if err != nil || res.NotModified {
		return res, err
	}
	zr, err := zip.OpenReader(s.file)
	if err != nil {
		return res, bridge.Wrap(bridge.KindArchive, "ArchiveInvalid", err, "%s is not a valid zip archive", s.URL).WithTarget(s.URL)
	}
	members := map[string]*zip.File{}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, "/")
		if f.FileInfo().IsDir() {
			continue
		}
		for _, seg := range strings.Split(name, "/") {
			if !SafeName(seg) {
				zr.Close()
				return res, bridge.New(bridge.KindArchive, "ArchiveUnsafe",
					"%s holds the member %q, whose name is unsafe to write; nothing was changed", s.URL, f.Name).WithTarget(s.URL)
			}
		}
		members[name] = f
	}
	s.zr, s.members = zr, members
	return res, nil
}

// listing lists the members directly in folder rel, and its subfolders.
func (s *ZipSource) listing(rel string) *ListingState {
	ls := &ListingState{URL: s.URL, Format: "zip"}
	dirs := map[string]bool{}
	prefix := ""
	if rel != "" {
		prefix = rel + "/"
	}
	for name, f := range s.members {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		rest := name[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			if !dirs[rest[:i]] {
				dirs[rest[:i]] = true
				ls.Entries = append(ls.Entries, Entry{Name: rest[:i], URL: prefix + rest[:i], Dir: true, Size: -1})
			}
			continue
		}
		ls.Entries = append(ls.Entries, Entry{Name: rest, URL: name, Size: int64(f.UncompressedSize64),
			Time: f.Modified.UTC(), CRC32: f.CRC32})
	}
	sort.Slice(ls.Entries, func(i, j int) bool { return ls.Entries[i].Name < ls.Entries[j].Name })
	return ls
}

// Fetch extracts one member; zip's reader checks its CRC-32 at the end.
// When the listing came from the last run (the archive was not modified)
// and a file must be restored, the archive is fetched in full once.
func (s *ZipSource) Fetch(ctx context.Context, e Entry, cond Validators, outFile string, meter *bridge.Meter) (Fetched, error) {
	s.mu.Lock()
	if s.zr == nil {
		if _, err := s.download(ctx, Validators{}, filepath.Dir(outFile)); err != nil {
			s.mu.Unlock()
			return Fetched{}, err
		}
	}
	f := s.members[e.URL]
	s.mu.Unlock()
	if f == nil {
		return Fetched{}, bridge.New(bridge.KindArchive, "MemberMissing", "%s no longer holds %s", s.URL, e.URL).WithTarget(e.URL)
	}
	rc, err := f.Open()
	if err != nil {
		return Fetched{}, bridge.Wrap(bridge.KindArchive, "ArchiveInvalid", err, "open %s in %s", e.URL, s.URL)
	}
	defer rc.Close()
	out, err := os.OpenFile(outFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Fetched{}, bridge.Wrap(bridge.KindLocal, "StagingUnwritable", err, "create a staging file").WithTarget(outFile)
	}
	h := sha256.New()
	var w io.Writer = io.MultiWriter(out, h)
	if meter != nil {
		w = io.MultiWriter(out, h, meter)
	}
	n, err := io.Copy(w, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != int64(f.UncompressedSize64) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return Fetched{}, bridge.Wrap(bridge.KindArchive, "ArchiveInvalid", err, "extract %s from %s", e.URL, s.URL).WithTarget(e.URL)
	}
	return Fetched{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
