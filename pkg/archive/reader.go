package archive

import (
	"bufio"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"sync"
)

// readBufferSize is how much compressed data one read from the archive
// fetches; large enough that a small entry takes one read.
const readBufferSize = 64 << 10

var (
	flatePool sync.Pool // flate readers, reused: each holds a 32 KiB window
	bufioPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
)

// Errors of entry content that does not match its header.
var (
	errTooLong  = errors.New("holds more data than its declared size")
	errTooShort = errors.New("holds less data than its declared size (truncated?)")
	errChecksum = errors.New("fails its CRC-32 check (damaged)")
)

// entryReader yields an entry's content and fails at the first byte past
// the declared size, and at the end when the size or CRC-32 do not match.
type entryReader struct {
	e     *Entry
	src   *bufio.Reader
	flate io.ReadCloser // nil when stored
	r     io.Reader
	crc   uint32
	n     int64
}

func newEntryReader(a *Archive, e *Entry) *entryReader {
	section := io.NewSectionReader(a.f, e.dataOffset, e.compressedSize)
	br := bufioPool.Get().(*bufio.Reader)
	br.Reset(section)
	r := &entryReader{e: e, src: br, r: br}
	if e.file.Method == 8 {
		if fr, ok := flatePool.Get().(io.ReadCloser); ok {
			fr.(flate.Resetter).Reset(br, nil)
			r.flate = fr
		} else {
			r.flate = flate.NewReader(br)
		}
		r.r = r.flate
	}
	return r
}

// Read reads content; a failure is an *entryError naming the entry.
func (r *entryReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	r.crc = crc32.Update(r.crc, crc32.IEEETable, p[:n])
	if r.n > r.e.Size {
		return n, &entryError{r.e, errTooLong}
	}
	switch {
	case err == io.EOF:
		if r.n != r.e.Size {
			return n, &entryError{r.e, errTooShort}
		}
		if r.crc != r.e.CRC32 {
			return n, &entryError{r.e, errChecksum}
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, &entryError{r.e, errTooShort}
	case err != nil:
		return n, &entryError{r.e, err}
	case r.n == r.e.Size && r.flate == nil:
		// A stored entry ends exactly at its size; check it now rather
		// than wait for one more read.
		if r.crc != r.e.CRC32 {
			return n, &entryError{r.e, errChecksum}
		}
		return n, io.EOF
	}
	return n, err
}

// Close returns the reader's buffers to their pools.
func (r *entryReader) Close() error {
	if r.flate != nil {
		flatePool.Put(r.flate)
		r.flate = nil
	}
	if r.src != nil {
		r.src.Reset(nil)
		bufioPool.Put(r.src)
		r.src = nil
	}
	return nil
}

// entryError is a failure of an entry's content; it is an archive error.
type entryError struct {
	e   *Entry
	err error
}

func (e *entryError) Error() string {
	var ce flate.CorruptInputError
	if errors.As(e.err, &ce) {
		return "entry " + quote(e.e.RawName) + " has damaged compressed data"
	}
	return "entry " + quote(e.e.RawName) + " " + e.err.Error()
}

func (e *entryError) Unwrap() error { return e.err }
