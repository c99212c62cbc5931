package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/web"
)

// FuzzDecodeRequest feeds arbitrary requests to the decoder the web
// command reads standard input with: it must never panic, and what it
// accepts must hold only headers that parse or fail cleanly.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"Uri": "https://127.0.0.1/", "Method": "GET"}`,
		`{"Uri": "https://x/", "Headers": {"Accept": "text/html", "X-Many": ["a", "b"], "X-N": 1}}`,
		`{"Headers": ["Accept: */*", "X-Id: 7"]}`,
		`{"Headers": {"X": {"nested": true}}}`,
		`{"Headers": null, "Body": "a=1&b=2", "ContentType": "application/x-www-form-urlencoded"}`,
		`{"Credential": {"UserName": "u", "Password": "p"}, "ProxyCredential": null}`,
		`{"OutFile": "C:\\temp\\x.zip", "Resume": true, "MaximumRetryCount": 3}`,
		`{"TimeoutSec": -1, "SslProtocol": "Tls11"}`,
		"\xef\xbb\xbf{\"Uri\": \"https://bom/\"}",
		`{"uri": "lower case key"}`,
		`{"Bogus": 1}`,
		`[1, 2]`,
		`{"Headers": {"A": "1"}} {"Uri": "second"}`,
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		opts := web.NewOptions()
		err := bridge.DecodeRequest(strings.NewReader(input), opts)
		if err != nil {
			if rec := bridge.Record(err); rec.ExitCode != 2 {
				t.Fatalf("a bad request must be a usage error, got %+v", rec)
			}
			return
		}
		for _, line := range opts.Headers {
			name, value, err := web.ParseHeader(line)
			if err == nil && (!httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value)) {
				t.Fatalf("ParseHeader(%q) accepted %q: %q", line, name, value)
			}
		}
		if _, err := json.Marshal(opts); err != nil {
			t.Fatalf("decoded options do not encode: %v", err)
		}
	})
}

// FuzzParseHeader checks that a header line either fails as a usage error
// or yields a name and value that HTTP allows, so no input can inject a
// line into a request.
func FuzzParseHeader(f *testing.F) {
	for _, seed := range []string{
		"Accept: text/html",
		"X-Empty:",
		"x-lower-case: value with spaces ",
		"Name:value:with:colons",
		"no colon",
		": no name",
		"Bad Name: x",
		"X: a\r\nInjected: yes",
		"X: tab\there",
		"X: \x00",
		"X: ünïcode",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		name, value, err := web.ParseHeader(line)
		if err != nil {
			if rec := bridge.Record(err); rec.ExitCode != 2 || rec.ErrorID != "BadHeader" {
				t.Fatalf("ParseHeader(%q) failed with %+v, want BadHeader exit 2", line, rec)
			}
			return
		}
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			t.Fatalf("ParseHeader(%q) = %q, %q: not valid in HTTP", line, name, value)
		}
		if strings.ContainsAny(name+value, "\r\n") {
			t.Fatalf("ParseHeader(%q) let a line break through", line)
		}
	})
}
