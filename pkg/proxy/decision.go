package proxy

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Source names where a Decision came from.
type Source string

// The sources of a decision, in order of precedence.
const (
	SourceExplicit    Source = "explicit"    // --proxy or --no-proxy, or Proxy/NoProxy in the request
	SourceEnvironment Source = "environment" // HTTPS_PROXY, HTTP_PROXY, NO_PROXY
	SourceIE          Source = "ie"          // the per-user Internet Options (WinINet) static proxy
	SourcePAC         Source = "pac"         // a proxy auto-config script at a configured URL
	SourceWPAD        Source = "wpad"        // a script found by automatic detection
	SourceWinHTTP     Source = "winhttp"     // the machine's WinHTTP default (netsh winhttp set proxy)
	SourceDirect      Source = "direct"      // nothing configured
)

// Decision is how requests to one host travel.
type Decision struct {
	// Proxies are the routes in the order to try them; a nil entry means
	// connect directly, and an empty list means direct only. Later
	// entries are tried only when an earlier proxy cannot be reached.
	Proxies []*url.URL
	// Source says which setting decided.
	Source Source
	// BypassRule is the bypass entry that sent the host directly, such as
	// "*.corp.example", "<local>" or "<loopback>"; empty otherwise.
	BypassRule string
	// PACURL is the address of the auto-config script that answered, for
	// the pac and wpad sources.
	PACURL string
	// PACResult is the script's answer as WinHTTP gave it.
	PACResult string
}

// Direct reports whether the decision sends requests directly only.
func (d Decision) Direct() bool {
	for _, p := range d.Proxies {
		if p != nil {
			return false
		}
	}
	return true
}

// parseProxyURL reads a proxy given by a person or a variable: a URL
// (http://user:pass@host:port) or a bare host:port, which means HTTP.
func parseProxyURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the input, which may hold a password.
		return nil, fmt.Errorf("not a URL (http://host:port)")
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https", "socks5", "socks5h", "socks4", "socks":
		return nil, fmt.Errorf("scheme %s is not supported: sysupdate speaks plain HTTP to proxies (http://host:port)", u.Scheme)
	default:
		return nil, fmt.Errorf("scheme %q is not a proxy scheme (http://host:port)", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("no host (http://host:port)")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return nil, fmt.Errorf("a proxy URL has no path or query (http://host:port)")
	}
	out := &url.URL{Scheme: "http", Host: u.Host, User: u.User}
	if u.Port() == "" {
		out.Host = u.Host + ":80"
		if strings.Contains(u.Hostname(), ":") {
			out.Host = "[" + u.Hostname() + "]:80"
		}
	}
	return out, nil
}

// Redact returns the proxy URL as it may be shown: without user info.
func Redact(u *url.URL) string {
	if u == nil {
		return "DIRECT"
	}
	c := *u
	c.User = nil
	return c.String()
}

// badSetting is a proxy setting that cannot be used.
func badSetting(source Source, name string, err error) *bridge.Error {
	return bridge.New(bridge.KindUsage, "BadProxySetting", "proxy setting %s (%s): %v", name, source, err)
}
