package proxy

import (
	"net"
	"net/url"
	"strings"
)

// A BypassList is the list of hosts that go directly although a proxy is
// configured, in the form the Windows Internet Options dialog writes it
// (the ProxyOverride value, the bypass list of WinHTTP): entries separated
// by semicolons, each a host name or address with "*" wildcards, such as
// "*.corp.example" or "10.*", optionally with a scheme ("https://*.corp")
// or a port ("intranet:8080"), and the special entries "<local>" (any host
// name without a dot) and "<-loopback>" (do proxy loopback addresses, which
// Windows otherwise never sends to a proxy).
type BypassList struct {
	rules        []bypassRule
	local        bool
	keepLoopback bool // <-loopback>: loopback addresses go to the proxy too
}

type bypassRule struct {
	text   string // the entry as written, reported when it matches
	scheme string // "" for any
	host   string // lower-case glob
	port   string // "" for any
}

// Special rule names reported by Match.
const (
	ruleLocal    = "<local>"
	ruleLoopback = "<loopback>"
)

// ParseBypassList reads a bypass list. Windows separates entries with
// semicolons; commas and white space are accepted too, since administrators
// copy lists between Windows and NO_PROXY. Entries it cannot use are kept
// as plain globs, which is also what Windows does with them.
func ParseBypassList(list string) BypassList {
	var bl BypassList
	fields := strings.FieldsFunc(list, func(r rune) bool {
		return r == ';' || r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
	for _, f := range fields {
		switch strings.ToLower(f) {
		case ruleLocal:
			bl.local = true
			continue
		case "<-loopback>":
			bl.keepLoopback = true
			continue
		}
		r := bypassRule{text: f}
		rest := f
		if i := strings.Index(rest, "://"); i >= 0 {
			r.scheme = strings.ToLower(rest[:i])
			rest = rest[i+3:]
		}
		rest = strings.TrimSuffix(rest, "/")
		if h, p, ok := splitGlobPort(rest); ok {
			rest, r.port = h, p
		}
		r.host = strings.ToLower(strings.Trim(rest, "[]"))
		if r.host == "" {
			continue
		}
		bl.rules = append(bl.rules, r)
	}
	return bl
}

// splitGlobPort splits "host:port" where port is all digits; IPv6 addresses
// need brackets to carry a port, as in a URL.
func splitGlobPort(s string) (host, port string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || i == len(s)-1 {
		return "", "", false
	}
	if strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "[") {
		return "", "", false // a bare IPv6 address
	}
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return "", "", false
		}
	}
	return s[:i], s[i+1:], true
}

// Match reports whether u goes directly, and the entry that says so.
func (bl BypassList) Match(u *url.URL) (rule string, ok bool) {
	host := strings.ToLower(u.Hostname())
	if !bl.keepLoopback && isLoopback(host) {
		return ruleLoopback, true
	}
	if bl.local && host != "" && !strings.Contains(host, ".") && !strings.Contains(host, ":") {
		return ruleLocal, true
	}
	port := portOf(u)
	for _, r := range bl.rules {
		if r.scheme != "" && r.scheme != strings.ToLower(u.Scheme) {
			continue
		}
		if r.port != "" && r.port != port {
			continue
		}
		if globMatch(r.host, host) {
			return r.text, true
		}
	}
	return "", false
}

// globMatch matches a host against a pattern where "*" stands for any run
// of characters, dots included, as Windows matches bypass entries; every
// other character matches itself. The single backtracking point keeps it
// linear in practice and quadratic at worst, whatever the pattern.
func globMatch(pattern, host string) bool {
	p, h := 0, 0
	star, mark := -1, 0
	for h < len(host) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, h
			p++
		case p < len(pattern) && pattern[p] == host[h]:
			p++
			h++
		case star >= 0:
			mark++
			p, h = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// isLoopback reports whether host is "localhost" or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// portOf returns the URL's port, or the default port of its scheme.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		return "443"
	case "ftp":
		return "21"
	}
	return "80"
}
