package proxy_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

func TestPrecedence(t *testing.T) {
	env := map[string]string{
		"HTTPS_PROXY": "http://env-upper.example:3128",
		"https_proxy": "http://env-lower.example:3128",
		"HTTP_PROXY":  "env-http.example:8080",
		"NO_PROXY":    "bypassed.example",
	}
	cases := []struct {
		name   string
		opts   proxy.Options
		env    map[string]string
		target string
		want   string // first route
		source proxy.Source
		rule   string
	}{
		{"explicit proxy beats the environment", proxy.Options{Proxy: "explicit.example:8080"}, env,
			"https://a.example/", "http://explicit.example:8080", proxy.SourceExplicit, ""},
		{"explicit proxy ignores NO_PROXY", proxy.Options{Proxy: "explicit.example:8080"}, env,
			"https://bypassed.example/", "http://explicit.example:8080", proxy.SourceExplicit, ""},
		{"explicit proxy is used for loopback too", proxy.Options{Proxy: "explicit.example:8080"}, env,
			"https://127.0.0.1:8443/", "http://explicit.example:8080", proxy.SourceExplicit, ""},
		{"NoProxy beats the environment", proxy.Options{NoProxy: true}, env,
			"https://a.example/", "DIRECT", proxy.SourceExplicit, ""},
		{"HTTPS_PROXY for https", proxy.Options{}, env,
			"https://a.example/", "http://env-upper.example:3128", proxy.SourceEnvironment, ""},
		{"lower case when upper case is unset", proxy.Options{}, map[string]string{"https_proxy": "http://env-lower.example:3128"},
			"https://a.example/", "http://env-lower.example:3128", proxy.SourceEnvironment, ""},
		{"HTTP_PROXY for http, bare host:port", proxy.Options{}, env,
			"http://a.example/", "http://env-http.example:8080", proxy.SourceEnvironment, ""},
		{"NO_PROXY bypasses the environment proxy", proxy.Options{}, env,
			"https://www.bypassed.example/", "DIRECT", proxy.SourceEnvironment, "bypassed.example"},
		{"the environment never proxies loopback", proxy.Options{}, env,
			"https://127.0.0.1:8443/", "DIRECT", proxy.SourceEnvironment, "<loopback>"},
		{"the environment never proxies localhost", proxy.Options{}, env,
			"http://localhost:8080/", "DIRECT", proxy.SourceEnvironment, "<loopback>"},
		{"nothing set is direct", proxy.Options{}, nil,
			"https://a.example/", "DIRECT", proxy.SourceDirect, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := proxy.NewRouter(tc.opts, func(k string) string { return tc.env[k] }, bridge.NewWriter(io.Discard, false))
			if err != nil {
				t.Fatal(err)
			}
			d, err := r.Decide(mustURL(t, tc.target))
			if err != nil {
				t.Fatal(err)
			}
			first := "DIRECT"
			if len(d.Proxies) > 0 {
				first = proxy.Redact(d.Proxies[0])
			}
			if first != tc.want || d.Source != tc.source || d.BypassRule != tc.rule {
				t.Errorf("Decide(%s) = %s from %s (rule %q); want %s from %s (rule %q)",
					tc.target, first, d.Source, d.BypassRule, tc.want, tc.source, tc.rule)
			}
		})
	}
}

func TestBadSettingsAreUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		opts proxy.Options
		env  map[string]string
		id   string
	}{
		{"explicit SOCKS proxy", proxy.Options{Proxy: "socks5://s:1080"}, nil, "BadProxySetting"},
		{"explicit proxy with a path", proxy.Options{Proxy: "http://p:8080/path"}, nil, "BadProxySetting"},
		{"Proxy and NoProxy together", proxy.Options{Proxy: "p:1", NoProxy: true}, nil, "ProxyConflict"},
		{"environment proxy that is not a URL", proxy.Options{}, map[string]string{"HTTPS_PROXY": "http://a b:1"}, "BadProxySetting"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := proxy.NewRouter(tc.opts, func(k string) string { return tc.env[k] }, bridge.NewWriter(io.Discard, false))
			if err == nil {
				_, err = r.Decide(mustURL(t, "https://a.example/"))
			}
			if e := bridge.AsError(err); err == nil || e.ID != tc.id || bridge.ExitCode(err) != 2 {
				t.Fatalf("got %v, want %s with exit 2", err, tc.id)
			}
		})
	}
}

func TestDecisionIsMadeOncePerHost(t *testing.T) {
	reads := 0
	getenv := func(k string) string {
		reads++
		if k == "HTTPS_PROXY" {
			return "http://p.example:3128"
		}
		return ""
	}
	r, err := proxy.NewRouter(proxy.Options{}, getenv, bridge.NewWriter(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.Decide(mustURL(t, "https://a.example/file"+strings.Repeat("x", i))); err != nil {
			t.Fatal(err)
		}
	}
	first := reads
	if _, err := r.Decide(mustURL(t, "https://b.example/")); err != nil {
		t.Fatal(err)
	}
	if first == 0 || reads != 2*first {
		t.Errorf("three requests to one host read the environment %d times, a second host %d more; want one decision each",
			first, reads-first)
	}
}

func TestCredentialsNeverShown(t *testing.T) {
	const secret = "Top-Secret-Pw"
	var out strings.Builder
	w := bridge.NewWriter(&out, true)
	err := proxy.Run(context.Background(), w, func(string) string { return "" }, &proxy.RunOptions{
		URI:     "https://user:" + secret + "@a.example/",
		Options: proxy.Options{Proxy: "http://puser:" + secret + "@p.example:8080"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = proxy.Run(context.Background(), w, func(string) string { return "http://euser:" + secret + "@e.example:1" }, &proxy.RunOptions{
		URI:     "https://b.example/",
		Options: proxy.Options{ProxyCredential: &bridge.Credential{UserName: "cuser", Password: secret}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) || strings.Contains(out.String(), "puser") || strings.Contains(out.String(), "euser") {
		t.Errorf("records show credentials:\n%s", out.String())
	}
	if !strings.Contains(out.String(), `"Authentication":"UserInfo"`) || !strings.Contains(out.String(), `"Authentication":"Credential"`) {
		t.Errorf("records should say which credentials answer:\n%s", out.String())
	}
}
