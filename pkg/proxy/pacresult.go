package proxy

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ParsePACResult reads the answer of a proxy auto-config script, the string
// FindProxyForURL returns ("PROXY a:8080; PROXY b:8080; DIRECT"), or the
// list WinHTTP makes of it ("a:8080;b:8080"). The result lists the routes
// in the order to try them; a nil entry means connect directly. An empty
// answer means direct, as the PAC convention has it.
//
// SOCKS entries are skipped, since sysupdate speaks only HTTP to proxies;
// an answer that offers nothing else is an error rather than a silent
// direct connection the script did not allow.
func ParsePACResult(answer string) ([]*url.URL, error) {
	var routes []*url.URL
	var skipped []string
	for _, entry := range strings.Split(answer, ";") {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		keyword := strings.ToUpper(fields[0])
		switch {
		case keyword == "DIRECT" && len(fields) == 1:
			routes = append(routes, nil)
		case (keyword == "PROXY" || keyword == "HTTP") && len(fields) == 2:
			u, err := hostPortURL("http", fields[1])
			if err != nil {
				return nil, err
			}
			routes = append(routes, u)
		case keyword == "HTTPS" && len(fields) == 2:
			// TODO: TLS to the proxy itself is not implemented; such
			// entries are tried as plain HTTP proxies, which a proxy that
			// only listens for TLS refuses, so the next entry is tried.
			u, err := hostPortURL("http", fields[1])
			if err != nil {
				return nil, err
			}
			routes = append(routes, u)
		case strings.HasPrefix(keyword, "SOCKS") && len(fields) == 2:
			skipped = append(skipped, strings.TrimSpace(entry))
		case len(fields) == 1 && !strings.Contains(fields[0], "="):
			// WinHTTP's form: a bare host:port.
			u, err := hostPortURL("http", fields[0])
			if err != nil {
				return nil, err
			}
			routes = append(routes, u)
		default:
			return nil, fmt.Errorf("proxy auto-config answer %q: cannot read entry %q", answer, strings.TrimSpace(entry))
		}
	}
	if len(routes) == 0 && len(skipped) > 0 {
		return nil, fmt.Errorf("proxy auto-config answer %q offers only SOCKS proxies, which sysupdate does not support", answer)
	}
	if len(routes) == 0 {
		routes = append(routes, nil)
	}
	return routes, nil
}

// hostPortURL makes a proxy URL of host:port; a missing port is 80, as for
// a PROXY entry without one.
func hostPortURL(scheme, hostport string) (*url.URL, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), "80"
	}
	if port == "" {
		port = "80"
	}
	if !validHost(host) {
		return nil, fmt.Errorf("proxy address %q is not host:port", redactSetting(hostport))
	}
	if len(port) > 5 || strings.Trim(port, "0123456789") != "" {
		return nil, fmt.Errorf("proxy address %q has a bad port", redactSetting(hostport))
	}
	return &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port)}, nil
}

// validHost accepts an IP address or a DNS name (letters, digits, "-",
// "_" and dots).
func validHost(host string) bool {
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
