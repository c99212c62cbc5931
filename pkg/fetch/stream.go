package fetch

import (
	"io"
	"sync/atomic"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// bufferSize is the size of each copy buffer: large enough that a write to
// disk and a hash update are worth their call, small enough that memory
// stays flat whatever the size of the file.
const bufferSize = 256 << 10

// buffers in flight between the reading and the writing goroutine.
const buffers = 3

// writeError marks a failure of the destination, as opposed to the source.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// stream copies src to dst and returns the bytes read. Reading (with TLS
// decryption) and writing (with hashing) run on two goroutines, so a
// download uses two cores as a pipeline rather than one in turns.
func stream(dst io.Writer, src io.Reader, meter *bridge.Meter) (int64, error) {
	free := make(chan []byte, buffers)
	for i := 0; i < buffers; i++ {
		free <- make([]byte, bufferSize)
	}
	full := make(chan []byte, buffers)
	done := make(chan error, 1)
	var failed int32
	go func() {
		var err error
		for b := range full {
			if err == nil {
				if _, err = dst.Write(b); err != nil {
					atomic.StoreInt32(&failed, 1)
				}
			}
			free <- b[:cap(b)]
		}
		done <- err
	}()

	var n int64
	var readErr error
	for atomic.LoadInt32(&failed) == 0 {
		buf := <-free
		k, err := fill(src, buf)
		if k > 0 {
			full <- buf[:k]
			n += int64(k)
			meter.Add(int64(k))
		} else {
			free <- buf
		}
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
	}
	close(full)
	if err := <-done; err != nil {
		return n, writeError{err}
	}
	return n, readErr
}

// fill reads until buf is full, the source ends or fails.
func fill(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := src.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
