package proxy

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// RunOptions are the parameters of the proxy command.
type RunOptions struct {
	Options
	URI            string `json:"Uri" help:"the address whose route to explain (https://host/path)"`
	TestConnection bool   `json:"TestConnection" help:"also open the route: connect through the proxy (CONNECT, with authentication, for https) or directly, and report which route answered"`
}

// DecisionRecord is the payload of the SysUpdate.ProxyDecision record. It
// never holds credentials.
type DecisionRecord struct {
	URI string `json:"Uri"`
	// Proxy is the first proxy to try; empty when the request goes direct.
	Proxy string `json:"Proxy"`
	// Proxies lists every route in order; "DIRECT" means a direct
	// connection.
	Proxies    []string `json:"Proxies"`
	Direct     bool     `json:"Direct"`
	Source     Source   `json:"Source"`
	BypassRule string   `json:"BypassRule"`
	PacURL     string   `json:"PacUrl"`
	PacResult  string   `json:"PacResult"`
	// Authentication says which credentials would answer a proxy's
	// challenge: None, Credential, UserInfo or DefaultCredentials.
	Authentication string `json:"Authentication"`
	// Connected is set with TestConnection: the route opened. An https
	// route is a CONNECT tunnel accepted by the proxy (authenticated as it
	// demanded) to the host's port; an http route is a TCP connection to
	// the proxy or the host.
	Connected *bool `json:"Connected,omitempty"`
	// ConnectedVia is the proxy that carried the connection, or DIRECT.
	ConnectedVia string `json:"ConnectedVia,omitempty"`
}

// Run explains how a request to opts.URI would travel, and with
// TestConnection opens that route.
func Run(ctx context.Context, out *bridge.Writer, getenv func(string) string, opts *RunOptions) error {
	if opts.URI == "" {
		return bridge.Usagef("MissingUri", "--uri is required: the address whose route to explain")
	}
	u, err := url.Parse(opts.URI)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return bridge.Usagef("BadUri", "--uri must be an absolute http:// or https:// address").WithTarget(redactURI(opts.URI))
	}
	r, err := NewRouter(opts.Options, getenv, out)
	if err != nil {
		return err
	}
	d, err := r.Decide(u)
	if err != nil {
		return err
	}
	rec := r.record(u, d)
	if opts.TestConnection {
		via, err := r.testConnection(ctx, u, d)
		if err != nil {
			return err
		}
		connected := true
		rec.Connected, rec.ConnectedVia = &connected, Redact(via)
	}
	out.Output("SysUpdate.ProxyDecision", rec)
	return nil
}

// testConnection opens the route to u and closes it again, returning the
// proxy that carried it (nil when direct).
func (r *Router) testConnection(ctx context.Context, u *url.URL, d Decision) (*url.URL, error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), portOf(u))
	}
	if strings.EqualFold(u.Scheme, "https") {
		conn, via, err := r.dialTunnel(ctx, addr)
		if err != nil {
			return nil, err
		}
		conn.Close()
		return via, nil
	}
	req := (&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}).WithContext(ctx)
	via, err := r.ProxyForHTTP(req)
	if err != nil {
		return nil, err
	}
	if via != nil {
		via = &url.URL{Scheme: via.Scheme, Host: via.Host}
		addr = via.Host
	}
	conn, err := r.Dial(ctx, "tcp", addr)
	if err != nil {
		if via != nil {
			return nil, unreachableError(via, d, err)
		}
		return nil, bridge.Wrap(bridge.KindNetwork, "ConnectFailed", err, "connect to %s", addr).WithTarget(addr)
	}
	conn.Close()
	return via, nil
}

func (r *Router) record(u *url.URL, d Decision) DecisionRecord {
	rec := DecisionRecord{
		URI:            redactURI(u.String()),
		Proxies:        []string{},
		Direct:         d.Direct(),
		Source:         d.Source,
		BypassRule:     d.BypassRule,
		PacURL:         d.PACURL,
		PacResult:      d.PACResult,
		Authentication: "None",
	}
	for _, p := range d.Proxies {
		rec.Proxies = append(rec.Proxies, Redact(p))
		if p != nil && rec.Proxy == "" {
			rec.Proxy = Redact(p)
			rec.Authentication = r.authentication(p)
		}
	}
	return rec
}

func (r *Router) authentication(p *url.URL) string {
	switch {
	case r.opts.ProxyCredential != nil && (r.opts.ProxyCredential.UserName != "" || r.opts.ProxyCredential.Password != ""):
		return "Credential"
	case p.User != nil:
		return "UserInfo"
	case r.opts.ProxyUseDefaultCredentials:
		return "DefaultCredentials"
	}
	return "None"
}

// redactURI drops user info from an address before it is shown.
func redactURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable address)"
	}
	u.User = nil
	return u.String()
}
