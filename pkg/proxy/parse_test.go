package proxy_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/pkg/proxy"
)

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBypassListTranslation(t *testing.T) {
	cases := []struct {
		name   string
		list   string
		target string
		rule   string // "" when the target goes through the proxy
	}{
		{"<local> bypasses a dotless intranet name", "<local>", "https://intranet/", "<local>"},
		{"<local> keeps dotted names on the proxy", "<local>", "https://intranet.corp.example/", ""},
		{"<local> keeps IPv4 addresses on the proxy", "<local>", "https://10.1.2.3/", ""},
		{"leading wildcard matches a subdomain", "*.corp.example", "https://build.corp.example/", "*.corp.example"},
		{"leading wildcard matches nested subdomains", "*.corp.example", "https://a.b.corp.example/", "*.corp.example"},
		{"leading wildcard does not match the bare domain", "*.corp.example", "https://corp.example/", ""},
		{"trailing wildcard matches an address range", "10.*", "https://10.20.30.40/", "10.*"},
		{"trailing wildcard is not a substring match", "10.*", "https://110.2.3.4/", ""},
		{"address with middle wildcard", "192.168.*.1", "http://192.168.7.1/", "192.168.*.1"},
		{"infix wildcard", "*corp*", "https://mycorporate.example/", "*corp*"},
		{"matching ignores case", "*.CORP.Example", "https://Build.corp.EXAMPLE/", "*.CORP.Example"},
		{"an exact name", "updates.example.com", "https://updates.example.com/x", "updates.example.com"},
		{"an exact name does not match subdomains", "example.com", "https://www.example.com/", ""},
		{"semicolons separate entries", "a.example;*.corp.example; 10.*", "https://x.corp.example/", "*.corp.example"},
		{"the first matching entry is reported", "*.example;www.example", "https://www.example/", "*.example"},
		{"scheme-qualified entry matches its scheme", "https://*.corp.example", "https://a.corp.example/", "https://*.corp.example"},
		{"scheme-qualified entry ignores other schemes", "https://*.corp.example", "http://a.corp.example/", ""},
		{"port-qualified entry matches its port", "intranet.example:8443", "https://intranet.example:8443/", "intranet.example:8443"},
		{"port-qualified entry ignores other ports", "intranet.example:8443", "https://intranet.example/", ""},
		{"loopback is always bypassed", "", "https://127.0.0.1:8443/", "<loopback>"},
		{"localhost is always bypassed", "*.corp", "http://localhost/", "<loopback>"},
		{"IPv6 loopback is bypassed", "", "https://[::1]:443/", "<loopback>"},
		{"<-loopback> sends loopback to the proxy", "<-loopback>", "https://127.0.0.1/", ""},
		{"empty entries are ignored", ";;", "https://a.example/", ""},
		{"IPv6 entry", "[fe80::1]", "https://[fe80::1]/", "[fe80::1]"},
		{"pattern characters are literal", "a[b].example", "https://ab.example/", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rule, ok := proxy.ParseBypassList(tc.list).Match(mustURL(t, tc.target))
			if rule != tc.rule || ok != (tc.rule != "") {
				t.Errorf("ParseBypassList(%q).Match(%s) = %q, %v; want %q", tc.list, tc.target, rule, ok, tc.rule)
			}
		})
	}
}

func TestNoProxyMatching(t *testing.T) {
	cases := []struct {
		name    string
		noProxy string
		target  string
		rule    string
	}{
		{"a domain matches itself", "corp.example", "https://corp.example/", "corp.example"},
		{"a domain matches its subdomains", "corp.example", "https://a.corp.example/", "corp.example"},
		{"a domain does not match a longer name", "corp.example", "https://notcorp.example/", ""},
		{"a leading dot matches subdomains only", ".corp.example", "https://corp.example/", ""},
		{"a leading dot matches a subdomain", ".corp.example", "https://a.corp.example/", ".corp.example"},
		{"a leading star-dot matches a subdomain", "*.corp.example", "https://a.corp.example/", "*.corp.example"},
		{"star matches everything", "*", "https://anything.example/", "*"},
		{"CIDR range", "10.0.0.0/8", "https://10.9.8.7/", "10.0.0.0/8"},
		{"CIDR range excludes others", "10.0.0.0/8", "https://11.0.0.1/", ""},
		{"single address", "192.0.2.5", "http://192.0.2.5:8080/", "192.0.2.5"},
		{"port-qualified name", "corp.example:8443", "https://corp.example:8443/", "corp.example:8443"},
		{"port-qualified name ignores the default port", "corp.example:8443", "https://corp.example/", ""},
		{"spaces and commas separate", "a.example, b.example  c.example", "https://c.example/", "c.example"},
		{"case is ignored", "CORP.example", "https://A.Corp.Example/", "CORP.example"},
		{"a trailing dot on the host is ignored", "corp.example", "https://a.corp.example./", "corp.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rule, ok := proxy.ParseNoProxy(tc.noProxy).Match(mustURL(t, tc.target))
			if rule != tc.rule || ok != (tc.rule != "") {
				t.Errorf("ParseNoProxy(%q).Match(%s) = %q, %v; want %q", tc.noProxy, tc.target, rule, ok, tc.rule)
			}
		})
	}
}

func TestPACResultParsing(t *testing.T) {
	cases := []struct {
		name   string
		answer string
		want   string // routes joined by " | ", DIRECT for a direct route
		err    string
	}{
		{"several entries in order", "PROXY a.corp:8080; PROXY b.corp:8080; DIRECT", "http://a.corp:8080 | http://b.corp:8080 | DIRECT", ""},
		{"DIRECT alone", "DIRECT", "DIRECT", ""},
		{"empty means direct", "", "DIRECT", ""},
		{"keywords ignore case and extra space", "  proxy   p:3128 ;direct ", "http://p:3128 | DIRECT", ""},
		{"a missing port is 80", "PROXY p.corp", "http://p.corp:80", ""},
		{"HTTP keyword", "HTTP p:8080", "http://p:8080", ""},
		{"WinHTTP's bare list", "a:8080;b:3128", "http://a:8080 | http://b:3128", ""},
		{"SOCKS entries are skipped", "SOCKS s:1080; PROXY p:8080", "http://p:8080", ""},
		{"only SOCKS is an error", "SOCKS5 s:1080", "", "only SOCKS"},
		{"IPv6 proxy", "PROXY [2001:db8::1]:8080", "http://[2001:db8::1]:8080", ""},
		{"garbage is an error", "PROXY a b c", "", "cannot read entry"},
		{"a bad port is an error", "PROXY a:80x", "", "bad port"},
		{"a per-scheme list is not a PAC answer", "http=a:80", "", "cannot read entry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			routes, err := proxy.ParsePACResult(tc.answer)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParsePACResult(%q) = %v, %v; want error with %q", tc.answer, routes, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePACResult(%q): %v", tc.answer, err)
			}
			if got := joinRoutes(routes); got != tc.want {
				t.Errorf("ParsePACResult(%q) = %s; want %s", tc.answer, got, tc.want)
			}
		})
	}
}

func joinRoutes(routes []*url.URL) string {
	names := make([]string, len(routes))
	for i, r := range routes {
		names[i] = proxy.Redact(r)
	}
	return strings.Join(names, " | ")
}

func TestProxyServerForScheme(t *testing.T) {
	cases := []struct {
		name, list, scheme, want string
	}{
		{"one proxy for every scheme", "proxy.corp:8080", "https", "http://proxy.corp:8080"},
		{"per-scheme entry", "http=h.corp:80;https=s.corp:8443", "https", "http://s.corp:8443"},
		{"per-scheme entry for http", "http=h.corp:80;https=s.corp:8443", "http", "http://h.corp:80"},
		{"no entry for the scheme means direct", "http=h.corp:80;ftp=f.corp:21", "https", "DIRECT"},
		{"entries may carry http://", "https=http://s.corp:3128", "https", "http://s.corp:3128"},
		{"scheme names ignore case", "HTTPS=s.corp:1", "https", "http://s.corp:1"},
		{"empty list", "", "https", "DIRECT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := proxy.ProxyServerFor(tc.list, tc.scheme)
			if err != nil {
				t.Fatal(err)
			}
			if got := proxy.Redact(u); got != tc.want {
				t.Errorf("ProxyServerFor(%q, %s) = %s; want %s", tc.list, tc.scheme, got, tc.want)
			}
		})
	}
}

// FuzzParseBypassList checks that any list parses, that matching never
// panics, and that a reported rule is an entry of the list or one of the
// special rules.
func FuzzParseBypassList(f *testing.F) {
	for _, seed := range []string{"<local>", "*.corp.example;10.*", "https://*.x:8443;<-loopback>",
		"[::1]:80", "*", "a[b", ";;,, ", "*.*.*.*.*.*.*.*.*.*.*.*.*x", "http://:"} {
		f.Add(seed, "https://build.corp.example:8443/path")
		f.Add(seed, "http://10.0.0.1/")
	}
	f.Fuzz(func(t *testing.T, list, target string) {
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		rule, ok := proxy.ParseBypassList(list).Match(u)
		if ok != (rule != "") {
			t.Fatalf("Match = %q, %v: a match must name its rule", rule, ok)
		}
		if ok && rule != "<local>" && rule != "<loopback>" && !strings.Contains(list, rule) {
			t.Fatalf("rule %q is not an entry of %q", rule, list)
		}
	})
}

// FuzzParsePACResult checks that any answer parses or fails cleanly, and
// that every proxy route is a host:port HTTP proxy.
func FuzzParsePACResult(f *testing.F) {
	for _, seed := range []string{"PROXY a:8080; PROXY b:8080; DIRECT", "DIRECT", "", "SOCKS s:1",
		"a:1;b:2", "PROXY [::1]:3128", "PROXY a b", "HTTPS x:443;;", "proxy\t%zz:1", "PROXY a@b:1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, answer string) {
		routes, err := proxy.ParsePACResult(answer)
		if err != nil {
			if routes != nil {
				t.Fatalf("routes %v with error %v", routes, err)
			}
			return
		}
		if len(routes) == 0 {
			t.Fatalf("ParsePACResult(%q) gave no route and no error", answer)
		}
		for _, r := range routes {
			if r == nil {
				continue
			}
			if r.Scheme != "http" || r.Port() == "" || r.Hostname() == "" || r.User != nil || r.Path != "" {
				t.Fatalf("ParsePACResult(%q): bad route %#v", answer, r)
			}
		}
	})
}

func TestWindowsProxySettingWithCredentialsIsRefusedWithoutShowingThem(t *testing.T) {
	for _, list := range []string{"u:Pw-in-Setting@p.example:80", "https=http://u:Pw-in-Setting@p.example:80", "socks://u:Pw-in-Setting@p:1"} {
		_, err := proxy.ProxyServerFor(list, "https")
		if err == nil {
			t.Errorf("ProxyServerFor(%q) accepted user info, which Windows settings cannot carry", list)
			continue
		}
		if strings.Contains(err.Error(), "Pw-in-Setting") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// FuzzParseNoProxy checks that any NO_PROXY value parses, that matching
// never panics, and that a reported rule is an entry of the value.
func FuzzParseNoProxy(f *testing.F) {
	for _, seed := range []string{"corp.example,.corp.example", "*", "10.0.0.0/8, 192.0.2.5", "[::1]:443 *.x",
		"host:8443", ",,", "::/0", "."} {
		f.Add(seed, "https://a.corp.example:8443/")
		f.Add(seed, "http://10.1.2.3/")
	}
	f.Fuzz(func(t *testing.T, list, target string) {
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		rule, ok := proxy.ParseNoProxy(list).Match(u)
		if ok != (rule != "") || ok && !strings.Contains(list, rule) {
			t.Fatalf("ParseNoProxy(%q).Match(%s) = %q, %v", list, target, rule, ok)
		}
	})
}
