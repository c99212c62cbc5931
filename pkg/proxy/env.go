package proxy

import (
	"net/url"
	"strings"
)

// fromEnvironment applies HTTPS_PROXY, HTTP_PROXY and NO_PROXY (upper case
// first, then lower case), as Go's net/http and curl do. ok is false when
// no variable speaks for u's scheme.
//
// Loopback hosts (localhost, 127.0.0.0/8, ::1) are never sent to a proxy
// from the environment, as Go's own programs never send them: a variable
// set for the whole session must not reroute local services. An explicit
// --proxy has no such exception.
func fromEnvironment(u *url.URL, getenv func(string) string) (d Decision, ok bool, err error) {
	name, value := "", ""
	switch strings.ToLower(u.Scheme) {
	case "https":
		name, value = envAny(getenv, "HTTPS_PROXY", "https_proxy")
	case "http":
		name, value = envAny(getenv, "HTTP_PROXY", "http_proxy")
	}
	if value == "" {
		return Decision{}, false, nil
	}
	p, err := parseProxyURL(value)
	if err != nil {
		return Decision{}, false, badSetting(SourceEnvironment, name, err)
	}
	d = Decision{Source: SourceEnvironment}
	if isLoopback(strings.ToLower(u.Hostname())) {
		d.BypassRule = ruleLoopback
		return d, true, nil
	}
	_, noProxy := envAny(getenv, "NO_PROXY", "no_proxy")
	if rule, bypass := ParseNoProxy(noProxy).Match(u); bypass {
		d.BypassRule = rule
		return d, true, nil
	}
	d.Proxies = []*url.URL{p}
	return d, true, nil
}

// envAny returns the first variable of names that is set.
func envAny(getenv func(string) string, names ...string) (name, value string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return n, v
		}
	}
	return "", ""
}
