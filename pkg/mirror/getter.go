package mirror

import (
	"context"
	"os"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/fetch"
	"github.com/sysupdate/sysupdate/pkg/netclient"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// ClientOptions and ProxyOptions name the embedded option sets, which are
// both called Options in their packages.
type (
	ClientOptions = netclient.Options
	ProxyOptions  = proxy.Options
)

// NetOptions are the network parameters of the commands that sync from the
// web: those of the web cmdlets (TLS, timeouts, retries, proxy).
type NetOptions struct {
	ClientOptions
	ProxyOptions
}

// fetchGetter performs a sync's requests with the download engine.
type fetchGetter struct {
	c *netclient.Client
}

// NewGetter returns the Getter that performs the web requests of a sync.
// Close it when done.
func NewGetter(net NetOptions, out *bridge.Writer) (Getter, error) {
	opts := net.ClientOptions
	var err error
	if opts.Router, err = router(net.ProxyOptions, out); err != nil {
		return nil, err
	}
	c, err := netclient.New(opts, out)
	if err != nil {
		return nil, err
	}
	return &fetchGetter{c: c}, nil
}

// Get downloads req.URL to req.OutFile, or reports it not modified.
func (g *fetchGetter) Get(ctx context.Context, req GetRequest, meter *bridge.Meter) (GetResult, error) {
	res, err := fetch.Download(ctx, g.c, fetch.Request{
		URL: req.URL, OutFile: req.OutFile, ExpectedSize: req.ExpectedSize,
		IfNoneMatch: req.IfNoneMatch, IfModifiedSince: req.IfModifiedSince,
	}, meter)
	return GetResult{StatusCode: res.StatusCode, NotModified: res.NotModified, Bytes: res.Bytes,
		ETag: res.ETag, LastModified: res.LastModified, SHA256: res.SHA256}, err
}

// Close releases the client's connections.
func (g *fetchGetter) Close() error { return g.c.Close() }

// router decides how the sync's requests reach the network: the proxy
// package's Router, from the options, the environment and the system
// settings (resolved once per host per run).
func router(opts ProxyOptions, out *bridge.Writer) (netclient.Router, error) {
	r, err := proxy.NewRouter(opts, os.Getenv, out)
	if err != nil {
		return nil, err
	}
	return r, nil
}
