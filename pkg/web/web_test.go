package web_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/web"
)

type record struct {
	Stream string
	Type   string
	Data   json.RawMessage
}

// run runs the web command against url with the options edit sets, and
// returns its records and error.
func run(t *testing.T, ca *testenv.CA, url string, edit func(*web.Options)) ([]record, error) {
	t.Helper()
	opts := web.NewOptions()
	opts.Uri = url
	if ca != nil {
		opts.CAFile = ca.CertFile
	}
	if edit != nil {
		edit(opts)
	}
	var out bytes.Buffer
	err := web.Run(context.Background(), bridge.NewWriter(&out, true), opts)
	var recs []record
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 8<<20), 8<<20)
	for sc.Scan() {
		var r record
		if jerr := json.Unmarshal(sc.Bytes(), &r); jerr != nil {
			t.Fatalf("not a record: %q", sc.Text())
		}
		recs = append(recs, r)
	}
	return recs, err
}

// response returns the single WebResponse record.
func response(t *testing.T, recs []record) web.Response {
	t.Helper()
	var found []web.Response
	for _, r := range recs {
		if r.Stream == "Output" && r.Type == web.ResponseType {
			var resp web.Response
			if err := json.Unmarshal(r.Data, &resp); err != nil {
				t.Fatal(err)
			}
			found = append(found, resp)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s record, got %d", web.ResponseType, len(found))
	}
	return found[0]
}

// serve starts an HTTPS server answering every request with body under
// the given headers.
func serve(t *testing.T, ca *testenv.CA, body []byte, header ...string) string {
	t.Helper()
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.Write(body)
		}))
	return srv.URL
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContentIsDecodedByCharset(t *testing.T) {
	ca := testenv.NewCA(t)
	cases := []struct {
		name        string
		body        []byte
		contentType string
		want        string
		charset     string
	}{
		{"UTF-8 by default", []byte("héllo ✓"), "text/plain", "héllo ✓", "utf-8"},
		{"UTF-8 declared", []byte("héllo ✓"), "text/plain; charset=utf-8", "héllo ✓", "utf-8"},
		{"Shift_JIS", encode(t, japanese.ShiftJIS, "こんにちは、世界"), "text/plain; charset=Shift_JIS", "こんにちは、世界", "shift_jis"},
		{"ISO-8859-1", []byte("caf\xe9 \xa3"), "text/plain; charset=ISO-8859-1", "café £", "windows-1252"},
		{"windows-1252", encode(t, charmap.Windows1252, "“quoted” €"), "text/plain; charset=windows-1252", "“quoted” €", "windows-1252"},
		{"JSON is UTF-8", []byte(`{"name":"Zoë"}`), "application/json", `{"name":"Zoë"}`, "utf-8"},
		{"HTML meta charset", append([]byte(`<html><head><meta charset="shift_jis"></head><body>`),
			append(encode(t, japanese.ShiftJIS, "日本語"), "</body></html>"...)...),
			"text/html", `<html><head><meta charset="shift_jis"></head><body>日本語</body></html>`, "shift_jis"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, ca, tc.body, "Content-Type", tc.contentType)
			recs, err := run(t, ca, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := response(t, recs)
			if r.Content == nil || *r.Content != tc.want {
				t.Fatalf("Content %v, want %q", r.Content, tc.want)
			}
			if r.Charset != tc.charset || r.RawContentLength != int64(len(tc.body)) {
				t.Errorf("Charset %q RawContentLength %d, want %q %d", r.Charset, r.RawContentLength, tc.charset, len(tc.body))
			}
		})
	}
}

func TestHTMLLinksImagesAndInputFields(t *testing.T) {
	ca := testenv.NewCA(t)
	page := `<html><body>
<a href="/one" id="first">One <b>bold</b></a>
<A HREF='two.html'>Two</A>
<img src="logo.png" alt="Logo" width=10>
<form><input type="text" name="q" value="search me"><input type=hidden name=token value=abc></form>
</body></html>`
	url := serve(t, ca, []byte(page), "Content-Type", "text/html; charset=utf-8")
	recs, err := run(t, ca, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := response(t, recs)
	wantLinks := []web.Element{
		{"tagName": "A", "href": "/one", "id": "first", "outerHTML": `<a href="/one" id="first">One <b>bold</b></a>`},
		{"tagName": "A", "href": "two.html", "outerHTML": `<A HREF='two.html'>Two</A>`},
	}
	assertElements(t, "Links", r.Links, wantLinks)
	assertElements(t, "Images", r.Images, []web.Element{
		{"tagName": "IMG", "src": "logo.png", "alt": "Logo", "width": "10", "outerHTML": `<img src="logo.png" alt="Logo" width=10>`},
	})
	assertElements(t, "InputFields", r.InputFields, []web.Element{
		{"tagName": "INPUT", "type": "text", "name": "q", "value": "search me", "outerHTML": `<input type="text" name="q" value="search me">`},
		{"tagName": "INPUT", "type": "hidden", "name": "token", "value": "abc", "outerHTML": `<input type=hidden name=token value=abc>`},
	})
}

func assertElements(t *testing.T, what string, got, want []web.Element) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func TestCompressedBodiesAreDecoded(t *testing.T) {
	ca := testenv.NewCA(t)
	text := strings.Repeat("compressible text ", 1000)
	compress := func(w func(io.Writer) io.WriteCloser) []byte {
		var b bytes.Buffer
		z := w(&b)
		io.WriteString(z, text)
		z.Close()
		return b.Bytes()
	}
	cases := []struct {
		name, encoding string
		body           []byte
	}{
		{"gzip", "gzip", compress(func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) })},
		{"deflate as zlib", "deflate", compress(func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })},
		{"raw deflate", "deflate", compress(func(w io.Writer) io.WriteCloser {
			z, _ := flate.NewWriter(w, flate.DefaultCompression)
			return z
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var acceptEncoding string
			srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
				func(w http.ResponseWriter, r *http.Request) {
					acceptEncoding = r.Header.Get("Accept-Encoding")
					w.Header().Set("Content-Type", "text/plain")
					w.Header().Set("Content-Encoding", tc.encoding)
					w.Write(tc.body)
				}))
			recs, err := run(t, ca, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := response(t, recs)
			if r.Content == nil || *r.Content != text || r.RawContentLength != int64(len(text)) {
				t.Fatalf("Content not decoded (RawContentLength %d)", r.RawContentLength)
			}
			if acceptEncoding != "gzip, deflate" {
				t.Errorf("Accept-Encoding %q", acceptEncoding)
			}
		})
	}
}

func TestLargeOrBinaryBodiesGoToAFile(t *testing.T) {
	ca := testenv.NewCA(t)
	large := strings.Repeat("0123456789abcdef", (web.InlineLimit/16)+100)
	cases := []struct {
		name, contentType string
		body              []byte
		want              []byte
		encoding          string
	}{
		{"text over 1 MiB", "text/plain; charset=utf-8", []byte(large), []byte(large), "utf-8"},
		{"Latin-1 text over 1 MiB is stored as UTF-8", "text/plain; charset=iso-8859-1",
			[]byte(large + "\xe9"), []byte(large + "é"), "utf-8"},
		{"small binary", "application/octet-stream", []byte{0, 1, 2, 255}, []byte{0, 1, 2, 255}, "binary"},
		{"sniffed binary", "", []byte("\x89PNG\r\n\x1a\n\x00\x00"), []byte("\x89PNG\r\n\x1a\n\x00\x00"), "binary"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
				func(w http.ResponseWriter, r *http.Request) {
					w.Header()["Content-Type"] = []string{tc.contentType}
					w.Write(tc.body)
				}))
			recs, err := run(t, ca, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := response(t, recs)
			if r.Content != nil || r.ContentFile == "" {
				t.Fatalf("want a ContentFile and no Content")
			}
			defer os.Remove(r.ContentFile)
			got, _ := os.ReadFile(r.ContentFile)
			if !bytes.Equal(got, tc.want) || r.ContentFileEncoding != tc.encoding {
				t.Errorf("ContentFile holds %d bytes (%s), want %d (%s)", len(got), r.ContentFileEncoding, len(tc.want), tc.encoding)
			}
			if r.RawContentLength != int64(len(tc.body)) {
				t.Errorf("RawContentLength %d, want %d", r.RawContentLength, len(tc.body))
			}
		})
	}
}

func TestOutFileWithoutPassThruWritesOnlyTheFile(t *testing.T) {
	ca := testenv.NewCA(t)
	url := serve(t, ca, []byte("file body"), "Content-Type", "text/plain")
	out := filepath.Join(t.TempDir(), "saved.txt")
	recs, err := run(t, ca, url, func(o *web.Options) { o.OutFile = out })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Stream == "Output" {
			t.Errorf("unexpected output record %s", r.Data)
		}
	}
	if got, _ := os.ReadFile(out); string(got) != "file body" {
		t.Errorf("file holds %q", got)
	}
	recs, err = run(t, ca, url, func(o *web.Options) { o.OutFile = out; o.PassThru = true })
	if err != nil {
		t.Fatal(err)
	}
	if r := response(t, recs); r.OutFile != out || r.StatusCode != 200 || r.RawContentLength != 9 {
		t.Errorf("pass-thru record %+v", r)
	}
}

func TestErrorStatus(t *testing.T) {
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"no such thing"}`)
		}))
	_, err := run(t, ca, srv.URL, nil)
	rec := bridge.Record(err)
	if rec.ExitCode != 4 || rec.ErrorID != "HttpError" || rec.Details["StatusCode"] != 404 ||
		rec.Details["Content"] != `{"error":"no such thing"}` || rec.Category != "ObjectNotFound" {
		t.Fatalf("record %+v", rec)
	}
	recs, err := run(t, ca, srv.URL, func(o *web.Options) { o.SkipHttpErrorCheck = true })
	if err != nil {
		t.Fatal(err)
	}
	if r := response(t, recs); r.StatusCode != 404 || r.StatusDescription != "Not Found" || *r.Content != `{"error":"no such thing"}` {
		t.Errorf("record %+v", r)
	}
}

func TestRequestHeadersBodyAndVerboseRecords(t *testing.T) {
	ca := testenv.NewCA(t)
	var got *http.Request
	var gotBody string
	srv := testenv.TLSServer(t, ca, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			got = r.Clone(context.Background())
			b, _ := io.ReadAll(r.Body)
			gotBody = string(b)
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "ok")
		}))
	recs, err := run(t, ca, srv.URL+"/api", func(o *web.Options) {
		o.Method = "post"
		o.Body = `{"a":1}`
		o.ContentType = "application/json"
		o.UserAgent = "TestAgent/1"
		o.Headers = web.Headers{"X-One: 1", "X-Many: a", "X-Many: b"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "POST" || gotBody != `{"a":1}` || got.Header.Get("Content-Type") != "application/json" ||
		got.UserAgent() != "TestAgent/1" || got.Header.Get("X-One") != "1" ||
		strings.Join(got.Header.Values("X-Many"), ",") != "a,b" {
		t.Errorf("server saw %s %q %v", got.Method, gotBody, got.Header)
	}
	var verbose []string
	for _, r := range recs {
		if r.Stream == "Verbose" {
			var m struct{ Message string }
			json.Unmarshal(r.Data, &m)
			verbose = append(verbose, m.Message)
		}
	}
	all := strings.Join(verbose, "\n")
	for _, want := range []string{"POST " + srv.URL + "/api with 7-byte payload", "TLS 1.3 with TLS_",
		"received 2-byte response of content type text/plain"} {
		if !strings.Contains(all, want) {
			t.Errorf("verbose records lack %q:\n%s", want, all)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*web.Options)
		wantID string
	}{
		{"unsupported scheme", func(o *web.Options) { o.Uri = "ftp://127.0.0.1/file" }, "UnsupportedScheme"},
		{"file scheme", func(o *web.Options) { o.Uri = "file:///etc/passwd" }, "UnsupportedScheme"},
		{"no scheme", func(o *web.Options) { o.Uri = "127.0.0.1/x" }, "UnsupportedScheme"},
		{"malformed URL", func(o *web.Options) { o.Uri = "https://[::1/x" }, "InvalidUri"},
		{"no host", func(o *web.Options) { o.Uri = "https:///path" }, "InvalidUri"},
		{"missing URI", func(o *web.Options) { o.Uri = "" }, "UriMissing"},
		{"credentials in the URI", func(o *web.Options) { o.Uri = "https://u:p@127.0.0.1/" }, "CredentialInUri"},
		{"bad header", func(o *web.Options) { o.Headers = web.Headers{"no colon"} }, "BadHeader"},
		{"header with a line break", func(o *web.Options) { o.Headers = web.Headers{"X: a\r\nY: b"} }, "BadHeader"},
		{"body and in-file", func(o *web.Options) { o.Body = "x"; o.InFile = "y" }, "BodyConflict"},
		{"pass-thru alone", func(o *web.Options) { o.PassThru = true }, "PassThruWithoutOutFile"},
		{"negative timeout", func(o *web.Options) { o.TimeoutSec = -1 }, "NegativeValue"},
		{"old TLS", func(o *web.Options) { o.SslProtocol = "Tls11" }, "SslProtocolRefused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, nil, "https://127.0.0.1:1/", tc.edit)
			rec := bridge.Record(err)
			if rec.ErrorID != tc.wantID || rec.ExitCode != 2 {
				t.Fatalf("got %s exit %d (%v), want %s exit 2", rec.ErrorID, rec.ExitCode, err, tc.wantID)
			}
		})
	}
}

func TestHeadersDecodeFromAnObjectOrAList(t *testing.T) {
	cases := []struct {
		name, json string
		want       web.Headers
	}{
		{"object of strings", `{"Headers": {"Accept": "text/plain", "X-Id": "7"}}`, web.Headers{"Accept: text/plain", "X-Id: 7"}},
		{"object with a list and a number", `{"Headers": {"X-Many": ["a", "b"], "X-Num": 42}}`, web.Headers{"X-Many: a", "X-Many: b", "X-Num: 42"}},
		{"list of lines", `{"Headers": ["Accept: */*"]}`, web.Headers{"Accept: */*"}},
		{"null", `{"Headers": null}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := web.NewOptions()
			if err := bridge.DecodeRequest(strings.NewReader(tc.json), opts); err != nil {
				t.Fatal(err)
			}
			if strings.Join(opts.Headers, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", opts.Headers, tc.want)
			}
		})
	}
	opts := web.NewOptions()
	if err := bridge.DecodeRequest(strings.NewReader(`{"Headers": {"X": {"nested": 1}}}`), opts); err == nil {
		t.Error("a nested object was accepted as a header value")
	}
}

func TestRequestKeepsDefaultsForWhatItOmits(t *testing.T) {
	opts := web.NewOptions()
	err := bridge.DecodeRequest(strings.NewReader(
		`{"Uri": "https://x/", "Credential": {"UserName": "u", "Password": "p"}, "MaximumRetryCount": 2}`), opts)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaximumRedirection != 5 || opts.RetryIntervalSec != 5 || opts.MaximumRetryCount != 2 ||
		opts.Credential == nil || opts.Credential.Password != "p" {
		t.Errorf("options %+v", opts)
	}
}

// plainServer is an http:// server, for the checks that depend on it.
func plainServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCredentialIsNotSentUnencrypted(t *testing.T) {
	url := plainServer(t, http.NotFoundHandler())
	_, err := run(t, nil, url, func(o *web.Options) {
		o.Credential = &bridge.Credential{UserName: "u", Password: "p"}
	})
	if rec := bridge.Record(err); rec.ErrorID != "UnencryptedAuthentication" || rec.ExitCode != 2 {
		t.Fatalf("got %+v", rec)
	}
}
