package mirror

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// TODO: InterimGetter stands in for pkg/fetch over pkg/netclient until they
// are available; it has no proxy support, no retries and no resume, and it
// must be replaced by an adapter over fetch.Download.

// InterimGetter performs conditional GETs with net/http and TLS 1.2 or
// later.
type InterimGetter struct {
	Client *http.Client
}

// NewInterimGetter trusts the system roots plus those in caFile, if any.
func NewInterimGetter(caFile string) (*InterimGetter, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, bridge.Wrap(bridge.KindUsage, "CAFileUnreadable", err, "read --ca-file").WithTarget(caFile)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, bridge.Usagef("CAFileInvalid", "--ca-file %s holds no PEM certificate", caFile)
		}
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		Proxy:               nil,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	return &InterimGetter{Client: &http.Client{Transport: tr}}, nil
}

// Get performs the request, streaming a 200 answer into a temporary file
// beside OutFile that is renamed into place when complete.
func (g *InterimGetter) Get(ctx context.Context, req GetRequest, meter *bridge.Meter) (GetResult, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return GetResult{}, bridge.Wrap(bridge.KindUsage, "BadUri", err, "bad URL").WithTarget(req.URL)
	}
	if req.IfNoneMatch != "" {
		hr.Header.Set("If-None-Match", req.IfNoneMatch)
	}
	if req.IfModifiedSince != "" {
		hr.Header.Set("If-Modified-Since", req.IfModifiedSince)
	}
	resp, err := g.Client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return GetResult{}, ctx.Err()
		}
		return GetResult{}, bridge.Wrap(bridge.KindNetwork, "RequestFailed", err, "GET %s", req.URL).WithTarget(req.URL)
	}
	defer resp.Body.Close()
	res := GetResult{StatusCode: resp.StatusCode, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if resp.StatusCode == http.StatusNotModified {
		res.NotModified = true
		return res, nil
	}
	if resp.StatusCode != http.StatusOK {
		return res, bridge.New(bridge.KindHTTPStatus, "HttpStatus", "GET %s: the server answered %s", req.URL, resp.Status).
			WithTarget(req.URL).WithDetail("StatusCode", resp.StatusCode)
	}
	f, err := safefile.Create(filepath.Dir(req.OutFile), filepath.Base(req.OutFile))
	if err != nil {
		return res, bridge.Wrap(bridge.KindLocal, "FileUnwritable", err, "create a temporary file").WithTarget(req.OutFile)
	}
	defer f.Abort()
	h := sha256.New()
	var w io.Writer = io.MultiWriter(f, h)
	if meter != nil {
		w = io.MultiWriter(f, h, meter)
	}
	res.Bytes, err = io.Copy(w, resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, bridge.Wrap(bridge.KindNetwork, "TransferFailed", err, "GET %s", req.URL).WithTarget(req.URL)
	}
	if resp.ContentLength >= 0 && res.Bytes != resp.ContentLength {
		return res, bridge.New(bridge.KindNetwork, "TransferTruncated", "GET %s: got %d of %d bytes", req.URL, res.Bytes, resp.ContentLength).WithTarget(req.URL)
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	if err := f.Commit(req.OutFile); err != nil {
		return res, bridge.Wrap(bridge.KindLocal, "FileUnwritable", err, "place %s", req.OutFile).WithTarget(req.OutFile)
	}
	return res, nil
}
