package netclient

import (
	"context"
	"net"
	"net/http"
	"net/url"
)

// Router decides how a request reaches its host: directly or through a
// proxy. The HTTP client performs TLS itself over whatever connection
// DialTunnel returns, so a proxy never sees inside an HTTPS session and the
// TLS policy is the same on every route.
type Router interface {
	// ProxyForHTTP returns the proxy for a plain-HTTP request, or nil to go
	// directly. Basic proxy credentials travel as the URL's user info. It
	// serves as http.Transport.Proxy, which is consulted only for http://
	// URLs here: HTTPS goes through DialTunnel.
	ProxyForHTTP(req *http.Request) (*url.URL, error)

	// DialTunnel returns a connection to addr (host:port) that a TLS session
	// can run over: a direct TCP connection, or a CONNECT tunnel through a
	// proxy, authenticated as the proxy demands.
	DialTunnel(ctx context.Context, addr string) (net.Conn, error)
}
