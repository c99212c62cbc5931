package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Validators identify the copy of a file on disk to the source, so that it
// can answer "not modified".
type Validators struct {
	ETag         string
	LastModified string
}

// Fetched is what fetching one entry produced.
type Fetched struct {
	NotModified  bool   // the copy on disk is current; nothing was written
	Bytes        int64  // bytes written to the output file
	ETag         string // validators to store for the next run
	LastModified string
	SHA256       string // of the bytes written, hex
}

// Source is where a sync reads from: a web folder with directory listings,
// a local or UNC folder, or an archive.
type Source interface {
	// String names the source in records, logs and the state file.
	String() string
	// List returns the entries of the folder rel ("" for the top, else
	// names joined by /). prev is what the last run saved for that folder,
	// or nil; a source that learns the listing did not change returns prev.
	List(ctx context.Context, rel string, prev *ListingState, staging string) (*ListingState, error)
	// Fetch writes entry e into outFile, a path in the staging folder. With
	// validators of a current copy it may answer NotModified instead.
	Fetch(ctx context.Context, e Entry, cond Validators, outFile string, meter *bridge.Meter) (Fetched, error)
	// Requests is how many requests the source made so far.
	Requests() int64
}

// GetRequest is one conditional GET of a URL into a file.
type GetRequest struct {
	URL             string
	OutFile         string
	IfNoneMatch     string
	IfModifiedSince string
	ExpectedSize    int64 // -1 when unknown
}

// GetResult is the outcome of a GetRequest.
type GetResult struct {
	StatusCode   int
	NotModified  bool // 304: OutFile untouched
	Bytes        int64
	ETag         string
	LastModified string
	SHA256       string
}

// Getter performs conditional GETs that stream to a file, placing the file
// only when complete. Errors are *bridge.Error values (network, status).
type Getter interface {
	Get(ctx context.Context, req GetRequest, meter *bridge.Meter) (GetResult, error)
}

// HTTPSource reads a web folder through its directory listings.
type HTTPSource struct {
	Base   *url.URL // the folder's URL, ending in /
	Getter Getter

	requests atomic.Int64
}

// NewHTTPSource returns a source for the listing at base.
func NewHTTPSource(base string, g Getter) (*HTTPSource, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, bridge.Usagef("BadSourceUri", "%q is not an http or https URL", base)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return &HTTPSource{Base: u, Getter: g}, nil
}

func (s *HTTPSource) String() string { return s.Base.String() }

// Close releases the getter's connections.
func (s *HTTPSource) Close() error {
	if c, ok := s.Getter.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Requests counts listing and file requests, conditional or not.
func (s *HTTPSource) Requests() int64 { return s.requests.Load() }

// List fetches the listing of folder rel, conditionally when the last run
// kept validators for it.
func (s *HTTPSource) List(ctx context.Context, rel string, prev *ListingState, staging string) (*ListingState, error) {
	u := *s.Base
	if rel != "" {
		ref, err := url.Parse(escapePath(rel) + "/")
		if err != nil {
			return nil, err
		}
		u = *s.Base.ResolveReference(ref)
	}
	req := GetRequest{URL: u.String(), OutFile: filepath.Join(staging, "listing.html"), ExpectedSize: -1}
	if prev != nil && prev.URL == req.URL {
		req.IfNoneMatch, req.IfModifiedSince = prev.ETag, prev.LastModified
	}
	s.requests.Add(1)
	res, err := s.Getter.Get(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	if res.NotModified && prev != nil {
		return prev, nil
	}
	body, err := os.ReadFile(req.OutFile)
	os.Remove(req.OutFile)
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "StagingUnreadable", err, "read the downloaded listing")
	}
	format, entries, err := ParseListing(body, &u)
	if err != nil {
		return nil, bridge.Wrap(bridge.KindHTTPStatus, "NotAListing", err, "%s did not answer with a directory listing", req.URL).
			WithTarget(req.URL).WithCategory("InvalidData")
	}
	return &ListingState{URL: req.URL, ETag: res.ETag, LastModified: res.LastModified, Format: format, Entries: entries}, nil
}

// Fetch downloads one file, conditionally when validators are given.
func (s *HTTPSource) Fetch(ctx context.Context, e Entry, cond Validators, outFile string, meter *bridge.Meter) (Fetched, error) {
	s.requests.Add(1)
	res, err := s.Getter.Get(ctx, GetRequest{
		URL: e.URL, OutFile: outFile, ExpectedSize: e.Size,
		IfNoneMatch: cond.ETag, IfModifiedSince: cond.LastModified,
	}, meter)
	if err != nil {
		return Fetched{}, err
	}
	return Fetched{NotModified: res.NotModified, Bytes: res.Bytes,
		ETag: res.ETag, LastModified: res.LastModified, SHA256: res.SHA256}, nil
}

func escapePath(rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// FolderSource reads a local folder or a UNC share that a mirror machine
// keeps current for a fleet.
type FolderSource struct {
	Root     string
	requests atomic.Int64
}

func (s *FolderSource) String() string { return s.Root }

// Requests counts folder reads and file copies.
func (s *FolderSource) Requests() int64 { return s.requests.Load() }

// List reads the folder; its modification times play the listed times.
func (s *FolderSource) List(ctx context.Context, rel string, prev *ListingState, staging string) (*ListingState, error) {
	s.requests.Add(1)
	dir := filepath.Join(s.Root, filepath.FromSlash(rel))
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "SourceUnreadable", err, "read the source folder").
			WithTarget(dir).WithCategory("ReadError")
	}
	ls := &ListingState{URL: dir, Format: "folder"}
	for _, de := range des {
		if !SafeName(de.Name()) || strings.EqualFold(de.Name(), stateDirName) {
			continue
		}
		info, err := de.Info()
		if err != nil || !(info.Mode().IsRegular() || info.IsDir()) {
			continue
		}
		e := Entry{Name: de.Name(), URL: filepath.Join(dir, de.Name()), Dir: info.IsDir(),
			Size: info.Size(), Time: info.ModTime().UTC()}
		if e.Dir {
			e.Size = -1
		}
		ls.Entries = append(ls.Entries, e)
	}
	sort.Slice(ls.Entries, func(i, j int) bool { return ls.Entries[i].Name < ls.Entries[j].Name })
	return ls, nil
}

// Fetch copies the file. A copy is cheap enough that validators are not
// consulted; the engine still keeps the file on disk when the hash agrees.
func (s *FolderSource) Fetch(ctx context.Context, e Entry, cond Validators, outFile string, meter *bridge.Meter) (Fetched, error) {
	s.requests.Add(1)
	in, err := os.Open(e.URL)
	if err != nil {
		return Fetched{}, bridge.Wrap(bridge.KindLocal, "SourceUnreadable", err, "open the source file").
			WithTarget(e.URL).WithCategory("ReadError")
	}
	defer in.Close()
	f, err := stage(in, outFile, meter)
	if re, ok := err.(sourceReadError); ok {
		return Fetched{}, bridge.Wrap(bridge.KindLocal, "CopyFailed", re.err, "copy %s", e.URL).WithTarget(e.URL)
	}
	return f, err
}

// sourceReadError is a failure to read the source while staging it, which
// each source classifies in its own terms.
type sourceReadError struct{ err error }

func (e sourceReadError) Error() string { return e.err.Error() }

// stage copies src into the staging file outFile, hashing it on the way.
// A failure to create or write outFile is a classified *bridge.Error; a
// failure to read src is a sourceReadError.
func stage(src io.Reader, outFile string, meter *bridge.Meter) (Fetched, error) {
	out, err := os.OpenFile(outFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Fetched{}, bridge.Wrap(bridge.KindLocal, "StagingUnwritable", err,
			"create a staging file").WithTarget(outFile)
	}
	h := sha256.New()
	var w io.Writer = io.MultiWriter(out, h)
	if meter != nil {
		w = io.MultiWriter(out, h, meter)
	}
	n, copyErr := io.Copy(w, &readTracker{r: src})
	closeErr := out.Close()
	switch {
	case copyErr != nil:
		if re, ok := copyErr.(sourceReadError); ok {
			return Fetched{}, re
		}
		return Fetched{}, bridge.Wrap(bridge.KindLocal, "StagingUnwritable", copyErr,
			"write a staging file").WithTarget(outFile)
	case closeErr != nil:
		return Fetched{}, bridge.Wrap(bridge.KindLocal, "StagingUnwritable", closeErr,
			"write a staging file").WithTarget(outFile)
	}
	return Fetched{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// readTracker marks the errors of its reader as sourceReadErrors, so that
// stage can tell them from write errors after io.Copy.
type readTracker struct{ r io.Reader }

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		err = sourceReadError{err}
	}
	return n, err
}

// fileSHA256 hashes a file on disk.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
