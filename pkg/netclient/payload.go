package netclient

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Payload is a request body that can be read again from the start, as a
// retry, a redirect that keeps the method, or an authentication challenge
// needs.
type Payload struct {
	Open   func() (io.ReadCloser, error)
	Length int64 // bytes; -1 when unknown
}

// BytesPayload is a body held in memory.
func BytesPayload(b []byte) *Payload {
	return &Payload{
		Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		Length: int64(len(b)),
	}
}

// FilePayload is a body read from a file each time it is sent, so a body of
// any size costs no memory.
func FilePayload(path string) (*Payload, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "InFileUnreadable", err, "read the request body").
			WithTarget(path).WithCategory("ReadError")
	}
	if info.IsDir() {
		return nil, bridge.Usagef("InFileIsFolder", "--in-file %s is a folder, not a file", path).WithTarget(path)
	}
	return &Payload{
		Open:   func() (io.ReadCloser, error) { return os.Open(path) },
		Length: info.Size(),
	}, nil
}

// NewRequest builds a request whose body, if any, can be replayed.
func NewRequest(ctx context.Context, method, rawURL string, body *Payload) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return req, nil
	}
	rc, err := body.Open()
	if err != nil {
		return nil, err
	}
	req.Body = rc
	req.GetBody = body.Open
	req.ContentLength = body.Length
	if body.Length == 0 {
		req.Body.Close()
		req.Body = http.NoBody
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	return req, nil
}
