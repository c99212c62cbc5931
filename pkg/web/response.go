package web

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

// ResponseType is the PowerShell type name of the response record.
const ResponseType = "SysUpdate.WebResponse"

// InlineLimit bounds the Content that travels inside a record, measured as
// the record encodes it: Windows PowerShell 3.0's ConvertFrom-Json fails on
// lines of about 2 MB.
const InlineLimit = 1 << 20

// Response is the payload of a SysUpdate.WebResponse record.
type Response struct {
	StatusCode        int                 `json:"StatusCode"`
	StatusDescription string              `json:"StatusDescription"`
	ProtocolVersion   string              `json:"ProtocolVersion,omitempty"` // HTTP/1.1, HTTP/2.0
	Headers           map[string][]string `json:"Headers"`
	ContentType       string              `json:"ContentType"`
	Charset           string              `json:"Charset,omitempty"` // the encoding text was decoded from
	RawContentLength  int64               `json:"RawContentLength"`  // body bytes after gzip/deflate decoding

	// Content is the body as text, when it is text and small enough.
	Content *string `json:"Content,omitempty"`
	// ContentFile is a temporary file holding the body otherwise; the
	// caller deletes it after reading.
	ContentFile string `json:"ContentFile,omitempty"`
	// ContentFileEncoding says how to read ContentFile: "utf-8" for text
	// (already decoded from Charset) or "binary" for bytes as received.
	ContentFileEncoding string `json:"ContentFileEncoding,omitempty"`
	// OutFile is the file the body was saved to, with --out-file --pass-thru.
	OutFile string `json:"OutFile,omitempty"`

	// For HTML with inline Content, as the cmdlets' basic parser gives them.
	Links       []Element `json:"Links,omitempty"`
	Images      []Element `json:"Images,omitempty"`
	InputFields []Element `json:"InputFields,omitempty"`
}

// newResponse fills the fields every response record has.
func newResponse(resp *http.Response) *Response {
	return &Response{
		StatusCode:        resp.StatusCode,
		StatusDescription: netclient.StatusDescription(resp),
		ProtocolVersion:   protocolVersion(resp),
		Headers:           headerMap(resp.Header),
		ContentType:       resp.Header.Get("Content-Type"),
	}
}

// headerMap is the Headers of a record: every name with all its values.
func headerMap(h http.Header) map[string][]string {
	m := make(map[string][]string, len(h))
	for name, values := range h {
		m[name] = values
	}
	return m
}

func protocolVersion(resp *http.Response) string {
	return fmt.Sprintf("HTTP/%d.%d", resp.ProtoMajor, resp.ProtoMinor)
}

// decodeContent undoes the Content-Encoding of a body: gzip and deflate
// (as a zlib stream, or raw as some servers send it). Other encodings pass
// through undecoded, with a warning.
func decodeContent(resp *http.Response, body io.Reader, out *bridge.Writer) (io.Reader, error) {
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, badEncoding(resp, enc, err)
		}
		return &decodeErrors{r: zr, resp: resp, enc: enc}, nil
	case "deflate":
		br := bufio.NewReader(body)
		head, err := br.Peek(2)
		if err != nil && len(head) < 2 {
			if err == io.EOF {
				return br, nil
			}
			return nil, err
		}
		if head[0]&0x0f == 8 && (uint(head[0])<<8|uint(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, badEncoding(resp, enc, err)
			}
			return &decodeErrors{r: zr, resp: resp, enc: enc}, nil
		}
		return &decodeErrors{r: flate.NewReader(br), resp: resp, enc: enc}, nil
	}
	out.Warningf("the response is encoded as %q, which sysupdate does not decode; Content holds it as received", enc)
	return body, nil
}

// decodeErrors turns a corrupt compressed stream into a classified error.
type decodeErrors struct {
	r    io.Reader
	resp *http.Response
	enc  string
}

func (d *decodeErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		var e *bridge.Error
		if !errors.As(err, &e) {
			err = badEncoding(d.resp, d.enc, err)
		}
	}
	return n, err
}

func badEncoding(resp *http.Response, enc string, err error) error {
	return bridge.Wrap(bridge.KindNetwork, "ContentDecodingFailed", err,
		"the %s-encoded response could not be decoded", enc).
		WithTarget(netclient.Redact(resp.Request.URL)).WithCategory("InvalidData")
}

// mediaType splits a Content-Type header.
func mediaType(contentType string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	}
	return mt, params
}

// isText reports whether a media type is text a person or a script reads.
func isText(mt string) bool {
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"),
		mt == "application/json", mt == "application/xml", mt == "application/javascript",
		mt == "application/x-javascript", mt == "application/ecmascript",
		mt == "application/x-www-form-urlencoded", mt == "application/xhtml+xml":
		return true
	}
	return false
}

// textEncoding chooses how to decode a text body: a byte-order mark, the
// charset of the Content-Type, the <meta> of an HTML document, else UTF-8.
func textEncoding(mt string, params map[string]string, head []byte, out *bridge.Writer) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		return unicode.UTF8BOM, "utf-8"
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	}
	label := params["charset"]
	if label == "" && (mt == "text/html" || mt == "application/xhtml+xml") {
		label = metaCharset(head)
	}
	if label == "" {
		return unicode.UTF8, "utf-8"
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		out.Warningf("unknown charset %q; the content is read as UTF-8", label)
		return unicode.UTF8, "utf-8"
	}
	name, _ := htmlindex.Name(enc)
	return enc, name
}

// jsonSize is the length of s as a JSON string in a record.
func jsonSize(s string) int {
	b, _ := json.Marshal(s)
	return len(b)
}

// tempContentFile makes the file a large or binary body goes to.
func tempContentFile() (*os.File, error) {
	f, err := os.CreateTemp("", "sysupdate-web-*")
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "ContentFileUnwritable", err,
			"create a temporary file for the response body")
	}
	return f, nil
}

// validUTF8 replaces what is not UTF-8 after decoding with U+FFFD, as the
// record's encoding would.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
