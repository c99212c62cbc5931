package mirror

import (
	"context"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sysupdate/sysupdate/pkg/archive"
	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// ZipSource reads an archive whose URL never changes while its content
// does, such as SysinternalsSuite.zip. The archive is fetched with the
// validators of the last run (a 304 costs nothing), and its members play
// the listing: size, time and CRC-32 tell which files on disk differ.
// Members are validated by pkg/archive (names that would leave the folder,
// sizes, compression ratios) before any is written.
type ZipSource struct {
	URL    string
	Getter Getter

	requests atomic.Int64
	bytes    atomic.Int64
	mu       sync.Mutex
	file     string // the downloaded archive, once fetched
	archive  *archive.Archive
	members  map[string]*archive.Entry
}

func (s *ZipSource) String() string { return s.URL }

// Requests counts the archive downloads, conditional or not.
func (s *ZipSource) Requests() int64 { return s.requests.Load() }

// Close releases the downloaded archive and the getter's connections.
func (s *ZipSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.archive != nil {
		s.archive.Close()
		s.archive = nil
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
	if s.archive == nil {
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
	a, err := archive.Open(s.file, archive.OpenOptions{})
	if err != nil {
		if e, ok := err.(*bridge.Error); ok {
			e.Target = s.URL
		}
		return res, err
	}
	members := map[string]*archive.Entry{}
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.IsDir {
			continue
		}
		// The archive refuses names that leave the folder; a sync also
		// keeps out the names it reserves for itself.
		for _, seg := range strings.Split(e.Name, "/") {
			if !SafeName(seg) {
				a.Close()
				return res, bridge.New(bridge.KindArchive, "ArchiveUnsafe",
					"%s holds the member %q, whose name is unsafe to write; nothing was changed", s.URL, e.RawName).WithTarget(s.URL)
			}
		}
		members[e.Name] = e
	}
	s.archive, s.members = a, members
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
	for name, m := range s.members {
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
		ls.Entries = append(ls.Entries, Entry{Name: rest, URL: name, Size: m.Size,
			Time: m.Modified.UTC(), CRC32: m.CRC32})
	}
	sort.Slice(ls.Entries, func(i, j int) bool { return ls.Entries[i].Name < ls.Entries[j].Name })
	return ls
}

// Fetch extracts one member, checked against its size and CRC-32.
// When the listing came from the last run (the archive was not modified)
// and a file must be restored, the archive is fetched in full once.
//
// TODO: the archive is not kept between runs, so restoring one deleted
// file while the archive is unchanged downloads all of it again (tens of
// MB for the suite); keeping a copy in the state folder would cost its size
// on disk instead.
func (s *ZipSource) Fetch(ctx context.Context, e Entry, cond Validators, outFile string, meter *bridge.Meter) (Fetched, error) {
	s.mu.Lock()
	if s.archive == nil {
		if _, err := s.download(ctx, Validators{}, filepath.Dir(outFile)); err != nil {
			s.mu.Unlock()
			return Fetched{}, err
		}
	}
	m, a := s.members[e.URL], s.archive
	s.mu.Unlock()
	if m == nil {
		return Fetched{}, bridge.New(bridge.KindArchive, "MemberMissing", "%s no longer holds %s", s.URL, e.URL).WithTarget(e.URL)
	}
	rc, err := a.OpenEntry(m)
	if err != nil {
		return Fetched{}, bridge.Wrap(bridge.KindArchive, "ArchiveInvalid", err, "open %s in %s", e.URL, s.URL)
	}
	defer rc.Close()
	f, err := stage(rc, outFile, meter)
	if re, ok := err.(sourceReadError); ok {
		return Fetched{}, bridge.Wrap(bridge.KindArchive, "ArchiveInvalid", re.err, "extract %s from %s", e.URL, s.URL).WithTarget(e.URL)
	}
	return f, err
}
