package proxy

import (
	"net"
	"net/url"
	"strings"
)

// A NoProxyList is the NO_PROXY environment variable, read as Go's
// net/http and curl read it: entries separated by commas (or spaces), each
// "*" (everything), an IP address, a CIDR range ("10.0.0.0/8"), or a host
// name with an optional port. A name matches itself and its subdomains
// ("corp.example" matches "a.corp.example"); with a leading "." or "*."
// it matches subdomains only.
type NoProxyList struct {
	all     bool
	entries []noProxyEntry
}

type noProxyEntry struct {
	text       string
	network    *net.IPNet // a CIDR range or a single address
	domain     string     // lower case, without a leading dot
	subdomains bool       // only names below domain, not domain itself
	port       string
}

// ParseNoProxy reads a NO_PROXY value. Entries it cannot read are ignored,
// as other programs ignore them.
func ParseNoProxy(list string) NoProxyList {
	var np NoProxyList
	fields := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	for _, f := range fields {
		if f == "*" {
			np.all = true
			continue
		}
		e := noProxyEntry{text: f}
		if _, network, err := net.ParseCIDR(f); err == nil {
			e.network = network
			np.entries = append(np.entries, e)
			continue
		}
		host := f
		if h, p, err := net.SplitHostPort(f); err == nil {
			host, e.port = h, p
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		if ip := net.ParseIP(host); ip != nil {
			bits := 8 * len(ip.To16())
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			e.network = &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
			np.entries = append(np.entries, e)
			continue
		}
		switch {
		case strings.HasPrefix(host, "*."):
			e.domain, e.subdomains = host[2:], true
		case strings.HasPrefix(host, "."):
			e.domain, e.subdomains = host[1:], true
		default:
			e.domain = host
		}
		if e.domain == "" {
			continue
		}
		np.entries = append(np.entries, e)
	}
	return np
}

// Match reports whether u goes directly, and the entry that says so.
func (np NoProxyList) Match(u *url.URL) (rule string, ok bool) {
	if np.all {
		return "*", true
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := portOf(u)
	ip := net.ParseIP(host)
	for _, e := range np.entries {
		if e.port != "" && e.port != port {
			continue
		}
		if e.network != nil {
			if ip != nil && e.network.Contains(ip) {
				return e.text, true
			}
			continue
		}
		if ip != nil {
			continue
		}
		if strings.HasSuffix(host, "."+e.domain) || (!e.subdomains && host == e.domain) {
			return e.text, true
		}
	}
	return "", false
}
