// Package fetch streams a response body to a file: to a temporary file
// beside the target, checked for length and hash, renamed into place only
// when complete. An interrupted transfer asked to be resumable is kept as
// <OutFile>.partial and continued later with Range and If-Range.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// Request is one download.
type Request struct {
	URL             string
	Method          string // GET when empty
	Header          http.Header
	OutFile         string
	Resume          bool
	ExpectedSize    int64  // bytes; -1 (or 0) when unknown
	ExpectedSHA256  string // hex, optional
	IfNoneMatch     string
	IfModifiedSince string

	// Body is sent with the request, if not nil.
	Body *netclient.Payload
	// SkipHttpErrorCheck saves the body of an error status too, instead of
	// failing with the status.
	SkipHttpErrorCheck bool
	// NoSHA256 leaves Result.SHA256 empty for a caller with no use for it,
	// saving the CPU of hashing (about a third of a download's on a fast
	// link). It is ignored when ExpectedSHA256 is set.
	NoSHA256 bool
}

// Result is what a download did.
type Result struct {
	StatusCode   int
	NotModified  bool
	Bytes        int64 // body bytes received this run
	Size         int64 // final file size in bytes
	Header       http.Header
	ETag         string
	LastModified string
	SHA256       string // hex of the whole file; empty when NotModified or with NoSHA256
}

// PartialSuffix is appended to OutFile for an interrupted resumable
// transfer.
const PartialSuffix = ".partial"

// metaSuffix names the file beside a partial download that holds what
// If-Range needs to continue it: the URL, ETag and Last-Modified.
const metaSuffix = ".partial.json"

// Download sends req and streams the body to req.OutFile. On failure
// nothing at OutFile changes and no temporary file remains; with Resume, a
// partial transfer stays at OutFile.partial for the next run.
func Download(ctx context.Context, c *netclient.Client, req Request, meter *bridge.Meter) (Result, error) {
	if req.OutFile == "" {
		return Result{}, bridge.Usagef("OutFileMissing", "no OutFile to download to")
	}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	out, err := filepath.Abs(req.OutFile)
	if err != nil {
		return Result{}, bridge.Wrap(bridge.KindLocal, "OutFileInvalid", err, "resolve OutFile").WithTarget(req.OutFile)
	}
	req.OutFile = out
	dir := filepath.Dir(out)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return Result{}, bridge.New(bridge.KindLocal, "OutFolderMissing",
			"the folder of OutFile, %s, does not exist", dir).WithTarget(out).WithCategory("ObjectNotFound")
	}
	if info, err := os.Stat(out); err == nil && info.IsDir() {
		return Result{}, bridge.Usagef("OutFileIsFolder", "OutFile %s is a folder; name a file", out).WithTarget(out)
	}
	safefile.CleanLeftovers(dir) //nolint:errcheck // leftovers are retried next run

	d := &download{c: c, req: req, meter: meter, partial: out + PartialSuffix}
	if req.Resume {
		d.planResume()
	} else {
		d.forgetPartial()
	}
	// A range request the server answers with something unusable is
	// made again without the range, once. A transfer that breaks off is
	// taken up again as often as the client's retry policy allows: from
	// where it stopped with Resume, else from the start.
	retries, interval := c.RetryPolicy()
	restarted := false
	for {
		res, restart, err := d.attempt(ctx)
		switch {
		case restart && !restarted:
			restarted = true
			d.restartFresh()
			continue
		case err != nil && res.Bytes > 0 && retries > 0 && netclient.Retryable(err):
			retries--
			d.c.Verbose("the transfer broke off after %d bytes (%v); trying again in %s", res.Bytes, err, interval)
			if err := netclient.Sleep(ctx, interval); err != nil {
				return res, err
			}
			d.offset, d.source, d.validator = 0, "", ""
			d.meter.Restart()
			if d.req.Resume {
				d.planResume()
			}
			continue
		}
		return res, err
	}
}

// download is the state of one Download call.
type download struct {
	c       *netclient.Client
	req     Request
	meter   *bridge.Meter
	partial string

	// What a resumed transfer continues: offset bytes of source, either
	// the partial file or the existing OutFile, which must still match
	// validator (an ETag or a Last-Modified date) when there is one.
	//
	// TODO: without a validator (a server that sends neither ETag nor
	// Last-Modified, or an existing OutFile) a range is asked for blindly,
	// as PowerShell 7 does: if the remote file changed meanwhile, the
	// result mixes two versions unless ExpectedSHA256 catches it.
	offset    int64
	source    string
	validator string
}

// partialMeta is the content of the file beside a partial download.
type partialMeta struct {
	URL          string `json:"Url"`
	ETag         string `json:"ETag,omitempty"`
	LastModified string `json:"LastModified,omitempty"`
}

// planResume finds what an earlier run left to continue: a partial file
// from the same URL, else an existing OutFile shorter than the remote one
// (as PowerShell 7's -Resume does).
func (d *download) planResume() {
	if info, err := os.Stat(d.partial); err == nil && info.Mode().IsRegular() && info.Size() > 0 {
		meta, ok := readMeta(d.partial)
		if ok && meta.URL == d.req.URL {
			d.offset, d.source = info.Size(), d.partial
			d.validator = meta.ETag
			if d.validator == "" {
				d.validator = meta.LastModified
			}
			return
		}
		d.c.Verbose("%s is from another URL or has no record of its origin; starting again", d.partial)
		d.forgetPartial()
	}
	if info, err := os.Stat(d.req.OutFile); err == nil && info.Mode().IsRegular() && info.Size() > 0 {
		d.offset, d.source = info.Size(), d.req.OutFile
	}
}

func (d *download) restartFresh() {
	d.offset, d.source, d.validator = 0, "", ""
	d.forgetPartial()
}

// forgetPartial removes a partial transfer and its record.
func (d *download) forgetPartial() {
	os.Remove(d.partial)
	os.Remove(d.req.OutFile + metaSuffix)
}

// attempt makes one request. restart asks for one more without a range.
func (d *download) attempt(ctx context.Context) (res Result, restart bool, err error) {
	httpReq, err := netclient.NewRequest(ctx, d.req.Method, d.req.URL, d.req.Body)
	if err != nil {
		return Result{}, false, err
	}
	for name, values := range d.req.Header {
		httpReq.Header[name] = append([]string(nil), values...)
	}
	if httpReq.Header.Get("Accept-Encoding") == "" {
		// Lengths, ranges and hashes are about the file as stored.
		httpReq.Header.Set("Accept-Encoding", "identity")
	}
	if d.offset > 0 {
		httpReq.Header.Set("Range", fmt.Sprintf("bytes=%d-", d.offset))
		if d.validator != "" {
			httpReq.Header.Set("If-Range", d.validator)
		}
		d.c.Verbose("resuming %s at byte %d", filepath.Base(d.source), d.offset)
	} else {
		if d.req.IfNoneMatch != "" {
			httpReq.Header.Set("If-None-Match", d.req.IfNoneMatch)
		}
		if d.req.IfModifiedSince != "" {
			httpReq.Header.Set("If-Modified-Since", d.req.IfModifiedSince)
		}
	}

	resp, err := d.c.Do(httpReq)
	if err != nil {
		return Result{}, false, err
	}
	defer resp.Body.Close()
	res = Result{StatusCode: resp.StatusCode, Header: resp.Header,
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}

	switch {
	case resp.StatusCode == http.StatusNotModified && d.offset == 0:
		res.NotModified = true
		if info, err := os.Stat(d.req.OutFile); err == nil {
			res.Size = info.Size()
		}
		return res, false, nil
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && d.offset > 0:
		_, _, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if ok && total == d.offset {
			d.c.Verbose("%s is already complete (%d bytes)", filepath.Base(d.source), total)
			return d.finishComplete(res)
		}
		return res, true, nil
	case resp.StatusCode == http.StatusPartialContent && d.offset > 0:
		start, _, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != d.offset {
			d.c.Verbose("the server sent a range other than the one asked for; starting again")
			return res, true, nil
		}
		return d.continueTransfer(resp, res, total)
	}
	if err := netclient.StatusError(resp); err != nil && !d.req.SkipHttpErrorCheck {
		return res, false, err
	}
	if d.offset > 0 {
		d.c.Verbose("the server sent the whole file instead of the rest; starting again")
		d.restartFresh()
	}
	return d.freshTransfer(resp, res)
}

// freshTransfer streams a whole body into a temporary file.
func (d *download) freshTransfer(resp *http.Response, res Result) (Result, bool, error) {
	tmp, err := safefile.Create(filepath.Dir(d.req.OutFile), filepath.Base(d.req.OutFile))
	if err != nil {
		return res, false, localError("OutFileUnwritable", err, d.req.OutFile)
	}
	defer tmp.Abort()
	h := d.newHash()
	expected := resp.ContentLength
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		expected = -1 // an error body saved on request: no resume, no size check
	}
	setTotal(d.meter, expected)
	n, err := stream(withHash(tmp, h), resp.Body, d.meter)
	res.Bytes = n
	if err != nil {
		return res, false, d.interrupted(err, n, func() error {
			if err := tmp.Close(); err != nil {
				return err
			}
			return os.Rename(tmp.Name(), d.partial)
		}, resp)
	}
	return d.complete(res, tmp, n, expected, h)
}

// continueTransfer appends a 206 body to what the source already holds.
func (d *download) continueTransfer(resp *http.Response, res Result, total int64) (Result, bool, error) {
	h := d.newHash()
	var file *safefile.File
	if d.source == d.partial {
		f, err := os.OpenFile(d.partial, os.O_RDWR, 0)
		if err != nil {
			return res, false, localError("PartialUnreadable", err, d.partial)
		}
		if h != nil {
			if _, err := io.CopyBuffer(h, io.LimitReader(f, d.offset), make([]byte, bufferSize)); err != nil {
				f.Close()
				return res, false, localError("PartialUnreadable", err, d.partial)
			}
		}
		if _, err := f.Seek(d.offset, io.SeekStart); err != nil {
			f.Close()
			return res, false, localError("PartialUnreadable", err, d.partial)
		}
		file = safefile.Adopt(f)
	} else {
		// An existing OutFile stays untouched until the whole file is
		// there: its bytes are copied to a temporary file first.
		tmp, err := safefile.Create(filepath.Dir(d.req.OutFile), filepath.Base(d.req.OutFile))
		if err != nil {
			return res, false, localError("OutFileUnwritable", err, d.req.OutFile)
		}
		src, err := os.Open(d.source)
		if err == nil {
			_, err = io.CopyBuffer(withHash(tmp, h), io.LimitReader(src, d.offset), make([]byte, bufferSize))
			src.Close()
		}
		if err != nil {
			tmp.Abort()
			return res, false, localError("OutFileUnwritable", err, d.req.OutFile)
		}
		file = tmp
	}
	defer func() {
		// The partial file is only ever removed on purpose, by
		// forgetPartial or a failed verification; a temporary copy goes.
		if file.Name() == d.partial {
			file.Close()
		} else {
			file.Abort()
		}
	}()

	expected := int64(-1)
	if total >= 0 {
		expected = total - d.offset
	}
	setTotal(d.meter, expected)
	n, err := stream(withHash(file, h), resp.Body, d.meter)
	res.Bytes = n
	if err != nil {
		return res, false, d.interrupted(err, n, func() error {
			if err := file.Close(); err != nil {
				return err
			}
			if file.Name() != d.partial {
				return os.Rename(file.Name(), d.partial)
			}
			return nil
		}, resp)
	}
	return d.complete(res, file, d.offset+n, total, h)
}

// interrupted handles a transfer that broke off after n bytes: with Resume
// the bytes are kept as the partial file (keep moves them there),
// otherwise everything is removed. A failure to write is never kept.
func (d *download) interrupted(err error, n int64, keep func() error, resp *http.Response) error {
	var we writeError
	if errors.As(err, &we) {
		d.forgetPartial()
		return localError("OutFileUnwritable", we.err, d.req.OutFile)
	}
	if !d.req.Resume || d.offset+n == 0 || resp.StatusCode/100 != 2 {
		d.forgetPartial()
		return err
	}
	if kerr := keep(); kerr != nil {
		d.forgetPartial()
		return err
	}
	meta := partialMeta{URL: d.req.URL, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if d.offset > 0 {
		// The record of the first response still describes the file.
		if old, ok := readMeta(d.partial); ok {
			meta = old
		}
	}
	if werr := writeMeta(d.partial, meta); werr != nil {
		d.forgetPartial()
		return err
	}
	d.c.Verbose("kept %d bytes in %s; run again with --resume to continue", d.offset+n, d.partial)
	var e *bridge.Error
	if errors.As(err, &e) {
		e.WithDetail("PartialFile", d.partial)
	}
	return err
}

// finishComplete finishes a resumed transfer the server says has nothing
// left to send.
func (d *download) finishComplete(res Result) (Result, bool, error) {
	if h := d.newHash(); h != nil {
		f, err := os.Open(d.source)
		if err != nil {
			return res, false, localError("PartialUnreadable", err, d.source)
		}
		_, err = io.CopyBuffer(h, f, make([]byte, bufferSize))
		f.Close()
		if err != nil {
			return res, false, localError("PartialUnreadable", err, d.source)
		}
		res.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	res.Size = d.offset
	if err := d.verify(res.Size, -1, res.SHA256); err != nil {
		d.forgetPartial()
		return res, false, err
	}
	if d.source == d.partial {
		if err := os.Rename(d.partial, d.req.OutFile); err != nil {
			return res, false, localError("OutFileUnwritable", err, d.req.OutFile)
		}
		os.Remove(d.req.OutFile + metaSuffix)
	}
	return res, false, nil
}

// complete checks a finished transfer and moves it into place.
func (d *download) complete(res Result, file *safefile.File, size, expected int64, h hash.Hash) (Result, bool, error) {
	res.Size = size
	if h != nil {
		res.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	if err := d.verify(size, expected, res.SHA256); err != nil {
		file.Abort()
		d.forgetPartial()
		return res, false, err
	}
	if err := file.Commit(d.req.OutFile); err != nil {
		if errors.Is(err, safefile.ErrInUse) {
			return res, false, bridge.Wrap(bridge.KindLocal, "OutFileInUse", err,
				"another program holds the file open").WithTarget(d.req.OutFile).WithCategory("ResourceBusy")
		}
		return res, false, localError("OutFileUnwritable", err, d.req.OutFile)
	}
	os.Remove(d.req.OutFile + metaSuffix)
	d.meter.Done()
	return res, false, nil
}

// verify checks a complete file against the length the server announced
// and what the caller expects.
func (d *download) verify(size, announced int64, sum string) error {
	switch {
	case announced >= 0 && size != announced:
		return bridge.New(bridge.KindNetwork, "LengthMismatch",
			"received %d bytes where the server announced %d", size, announced).
			WithTarget(d.req.URL).WithCategory("InvalidResult")
	case d.req.ExpectedSize >= 0 && size != d.req.ExpectedSize && d.req.ExpectedSize != 0:
		return bridge.New(bridge.KindNetwork, "LengthMismatch",
			"the file is %d bytes where %d were expected", size, d.req.ExpectedSize).
			WithTarget(d.req.URL).WithCategory("InvalidResult")
	case d.req.ExpectedSHA256 != "" && !strings.EqualFold(sum, d.req.ExpectedSHA256):
		return bridge.New(bridge.KindNetwork, "ChecksumMismatch",
			"the file's SHA-256 is %s where %s was expected", sum, strings.ToLower(d.req.ExpectedSHA256)).
			WithTarget(d.req.URL).WithCategory("InvalidResult")
	}
	return nil
}

// newHash returns the hash of the file being written, or nil when the
// caller asked for none.
func (d *download) newHash() hash.Hash {
	if d.req.NoSHA256 && d.req.ExpectedSHA256 == "" {
		return nil
	}
	return sha256.New()
}

// withHash writes to w and, when there is one, h.
func withHash(w io.Writer, h hash.Hash) io.Writer {
	if h == nil {
		return w
	}
	return io.MultiWriter(w, h)
}

func localError(id string, err error, path string) error {
	return bridge.Wrap(bridge.KindLocal, id, err, "write %s", path).WithTarget(path)
}

// parseContentRange reads "bytes first-last/total"; total is -1 when the
// server writes "*", and first and last are -1 in "bytes */total".
func parseContentRange(v string) (first, last, total int64, ok bool) {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "bytes ") {
		return 0, 0, 0, false
	}
	span, size, found := strings.Cut(strings.TrimPrefix(v, "bytes "), "/")
	if !found {
		return 0, 0, 0, false
	}
	total = -1
	if size != "*" {
		t, err := strconv.ParseInt(size, 10, 64)
		if err != nil || t < 0 {
			return 0, 0, 0, false
		}
		total = t
	}
	if span == "*" {
		return -1, -1, total, total >= 0
	}
	a, b, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, 0, false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first || (total >= 0 && last >= total) {
		return 0, 0, 0, false
	}
	return first, last, total, true
}
