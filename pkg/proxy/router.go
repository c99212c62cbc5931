package proxy

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/httpauth"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

// Router decides, once per host per run, how requests travel, and opens
// connections along that route. It implements netclient.Router.
type Router struct {
	opts   Options
	getenv func(string) string
	out    *bridge.Writer

	// Dial opens TCP connections, to proxies and to hosts reached
	// directly. Tests replace it to give made-up host names a loopback
	// address, the way a hosts file would.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// LookupTimeout bounds each lookup of the system settings that may
	// run a proxy auto-config script, which WinHTTP has been seen to hang
	// on.
	LookupTimeout time.Duration

	explicit *url.URL

	mu        sync.Mutex
	decisions map[string]Decision
	dead      map[string]error // proxies that could not be reached this run
	alive     map[string]bool  // proxies that accepted a connection this run
	system    *systemSettings  // loaded on first use
}

var _ netclient.Router = (*Router)(nil)

// DefaultLookupTimeout is how long a PAC or WPAD lookup may take before
// the decision falls back to the static settings, with a warning.
const DefaultLookupTimeout = 15 * time.Second

// NewRouter checks the options and returns a Router. getenv reads the
// environment (os.Getenv; tests pass their own); out receives Verbose and
// Warning records about the decisions.
func NewRouter(opts Options, getenv func(string) string, out *bridge.Writer) (*Router, error) {
	r := &Router{
		opts:          opts,
		getenv:        getenv,
		out:           out,
		Dial:          (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		LookupTimeout: DefaultLookupTimeout,
		decisions:     map[string]Decision{},
		dead:          map[string]error{},
		alive:         map[string]bool{},
	}
	if opts.NoProxy && opts.Proxy != "" {
		return nil, bridge.Usagef("ProxyConflict", "--proxy and --no-proxy contradict each other; give one")
	}
	if opts.Proxy != "" {
		u, err := parseProxyURL(opts.Proxy)
		if err != nil {
			return nil, badSetting(SourceExplicit, "Proxy", err)
		}
		r.explicit = u
	}
	if opts.ProxyUseDefaultCredentials && !httpauth.DefaultCredentialsSupported() {
		out.Warningf("ProxyUseDefaultCredentials has no effect here: the logged-on user's credentials are used through SSPI on Windows only")
	}
	return r, nil
}

// Decide returns how requests to u's host travel, deciding once per
// scheme and host for the life of the Router.
func (r *Router) Decide(u *url.URL) (Decision, error) {
	r.mu.Lock()
	d, ok := r.decisions[decisionKey(u)]
	r.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := r.decide(u)
	if err != nil {
		return Decision{}, err
	}
	r.remember(u, d)
	r.out.Verbosef("%s: %s", u.Host, describe(d))
	return d, nil
}

// decisionKey is what a decision is kept under: the scheme and host.
func decisionKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func (r *Router) remember(u *url.URL, d Decision) {
	r.mu.Lock()
	r.decisions[decisionKey(u)] = d
	r.mu.Unlock()
}

// decide applies the precedence: explicit, environment, system, direct.
func (r *Router) decide(u *url.URL) (Decision, error) {
	switch {
	case r.opts.NoProxy:
		return Decision{Source: SourceExplicit}, nil
	case r.explicit != nil:
		return Decision{Proxies: []*url.URL{r.explicit}, Source: SourceExplicit}, nil
	}
	if d, ok, err := fromEnvironment(u, r.getenv); ok || err != nil {
		return d, err
	}
	if d, ok := r.fromSystem(u); ok {
		return d, nil
	}
	return Decision{Source: SourceDirect}, nil
}

// describe renders a decision for a Verbose record, without credentials.
func describe(d Decision) string {
	if d.Direct() {
		s := "direct (" + string(d.Source)
		if d.BypassRule != "" {
			s += ", bypass rule " + d.BypassRule
		}
		return s + ")"
	}
	names := make([]string, len(d.Proxies))
	for i, p := range d.Proxies {
		names[i] = Redact(p)
	}
	s := "proxy " + strings.Join(names, ", then ") + " (" + string(d.Source)
	if d.PACURL != "" {
		s += " " + d.PACURL
	}
	return s + ")"
}
