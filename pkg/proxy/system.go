package proxy

import (
	"fmt"
	"net/url"
	"strings"
)

// staticSetting is a proxy list as Windows stores it (the ProxyServer
// value of the Internet Options, the WinHTTP default) with its bypass
// list.
type staticSetting struct {
	ProxyServer string
	Bypass      string
}

// decideStatic applies a static Windows setting to u. ok is false when the
// setting names no proxy for u's scheme, so the next source decides.
func decideStatic(u *url.URL, s staticSetting, source Source) (d Decision, ok bool, err error) {
	server, err := ProxyServerFor(s.ProxyServer, u.Scheme)
	if err != nil {
		return Decision{}, false, err
	}
	if server == nil {
		return Decision{}, false, nil
	}
	d = Decision{Source: source}
	if rule, bypass := ParseBypassList(s.Bypass).Match(u); bypass {
		d.BypassRule = rule
		return d, true, nil
	}
	d.Proxies = []*url.URL{server}
	return d, true, nil
}

// ProxyServerFor picks the proxy for a URL scheme from a Windows proxy
// list: either one "host:port" for every scheme, or per-scheme entries
// such as "http=proxy:8080;https=proxy:8443;ftp=other:21". A list of
// per-scheme entries without one for the scheme means direct (nil), as
// Windows reads it. Entries may carry "http://".
func ProxyServerFor(list, scheme string) (*url.URL, error) {
	scheme = strings.ToLower(scheme)
	var fallback string
	for _, entry := range strings.FieldsFunc(list, func(r rune) bool { return r == ';' || r == ' ' }) {
		key, value, perScheme := strings.Cut(entry, "=")
		if !perScheme {
			if fallback == "" {
				fallback = entry
			}
			continue
		}
		if strings.EqualFold(key, scheme) && value != "" {
			return windowsProxyURL(value)
		}
	}
	if fallback == "" {
		return nil, nil
	}
	return windowsProxyURL(fallback)
}

func windowsProxyURL(value string) (*url.URL, error) {
	if i := strings.Index(value, "://"); i >= 0 {
		if !strings.EqualFold(value[:i], "http") {
			return nil, fmt.Errorf("proxy %q: only http:// proxies are supported", redactSetting(value))
		}
		value = value[i+3:]
	}
	return hostPortURL("http", strings.TrimSuffix(value, "/"))
}

// redactSetting drops anything that looks like user info ("user:pass@")
// from a proxy list before it is shown: Windows settings have no place for
// credentials, but a person may have typed them there.
func redactSetting(list string) string {
	var b strings.Builder
	for i, entry := range strings.Split(list, ";") {
		if i > 0 {
			b.WriteByte(';')
		}
		if at := strings.LastIndexByte(entry, '@'); at >= 0 {
			prefix := ""
			if eq := strings.IndexByte(entry, '='); eq >= 0 && eq < at {
				prefix = entry[:eq+1]
			}
			if scheme := strings.Index(entry, "://"); scheme >= 0 && scheme < at {
				prefix = entry[:scheme+3]
			}
			entry = prefix + "(credentials removed)@" + entry[at+1:]
		}
		b.WriteString(entry)
	}
	return b.String()
}
