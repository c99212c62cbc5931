package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/text/transform"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/fetch"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

// errorContentLimit bounds the part of an error response's body that
// travels in the error record's details, as the cmdlets' ErrorDetails.
const errorContentLimit = 16 << 10

// Run sends the request opts describe and writes its answer: a
// SysUpdate.WebResponse record, or with OutFile the body saved to a file
// (and the record too with PassThru).
func Run(ctx context.Context, out *bridge.Writer, opts *Options) (err error) {
	target, err := parseURI(opts.Uri)
	if err != nil {
		return err
	}
	method, err := requestMethod(opts.Method)
	if err != nil {
		return err
	}
	header, err := opts.header()
	if err != nil {
		return err
	}
	payload, err := opts.payload()
	if err != nil {
		return err
	}
	switch {
	case opts.PassThru && opts.OutFile == "":
		return bridge.Usagef("PassThruWithoutOutFile", "--pass-thru only makes sense with --out-file")
	case opts.Resume && opts.OutFile == "":
		return bridge.Usagef("ResumeWithoutOutFile", "--resume needs --out-file: only a file can be resumed")
	}

	copts := opts.ClientOptions
	if copts.Router, err = router(opts.ProxyOptions, out); err != nil {
		return err
	}
	client, err := netclient.New(copts, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := client.Close(); err == nil {
			err = cerr
		}
	}()

	size := int64(0)
	if payload != nil {
		size = payload.Length
	}
	out.Verbosef("%s %s with %d-byte payload", method, netclient.Redact(target), size)
	if opts.OutFile != "" {
		return download(ctx, out, client, opts, target, method, header, payload)
	}
	return respond(ctx, out, client, opts, target, method, header, payload)
}

// parseURI checks that a URI is an absolute http or https URL.
func parseURI(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, bridge.Usagef("UriMissing", "no URI: give --uri https://host/path")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bridge.Usagef("InvalidUri", "%q is not a valid URI: %v", raw, unwrapURLError(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, bridge.Usagef("UnsupportedScheme", "%q has no scheme: write https:// (or http://) in front", raw)
	default:
		return nil, bridge.Usagef("UnsupportedScheme",
			"%q uses the scheme %s: only http and https are supported", raw, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, bridge.Usagef("InvalidUri", "%q names no host", raw)
	}
	if u.User != nil {
		return nil, bridge.Usagef("CredentialInUri",
			"%s carries credentials in the URI, where logs and process lists show them: pass them as the request's Credential",
			netclient.Redact(u))
	}
	return u, nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func requestMethod(m string) (string, error) {
	m = strings.ToUpper(strings.TrimSpace(m))
	if m == "" || m == "DEFAULT" {
		return http.MethodGet, nil
	}
	if !httpguts.ValidHeaderFieldName(m) {
		return "", bridge.Usagef("InvalidMethod", "%q is not an HTTP method", m)
	}
	return m, nil
}

// payload returns the request body, from Body or InFile.
func (o *Options) payload() (*netclient.Payload, error) {
	switch {
	case o.Body != "" && o.InFile != "":
		return nil, bridge.Usagef("BodyConflict", "give the body either as --body or as --in-file, not both")
	case o.InFile != "":
		return netclient.FilePayload(o.InFile)
	case o.Body != "":
		return netclient.BytesPayload([]byte(o.Body)), nil
	}
	return nil, nil
}

// download saves the body to OutFile, as Invoke-WebRequest -OutFile does.
func download(ctx context.Context, out *bridge.Writer, client *netclient.Client, opts *Options,
	target *url.URL, method string, header http.Header, payload *netclient.Payload) error {
	meter := out.NewMeter("Web request", netclient.Redact(target), -1)
	res, err := fetch.Download(ctx, client, fetch.Request{
		URL:                target.String(),
		Method:             method,
		Header:             header,
		OutFile:            opts.OutFile,
		Resume:             opts.Resume,
		ExpectedSize:       -1,
		Body:               payload,
		SkipHttpErrorCheck: opts.SkipHttpErrorCheck,
		NoSHA256:           true, // the record has no place for it
	}, meter)
	if err != nil {
		return err
	}
	out.Verbosef("received %d-byte response of content type %s into %s", res.Bytes,
		res.Header.Get("Content-Type"), opts.OutFile)
	if !opts.PassThru {
		return nil
	}
	abs, _ := filepath.Abs(opts.OutFile)
	r := &Response{
		StatusCode:        res.StatusCode,
		StatusDescription: http.StatusText(res.StatusCode),
		Headers:           headerMap(res.Header),
		ContentType:       res.Header.Get("Content-Type"),
		RawContentLength:  res.Size,
		OutFile:           abs,
	}
	out.Output(ResponseType, r)
	return nil
}

// respond reads the body into the response record.
func respond(ctx context.Context, out *bridge.Writer, client *netclient.Client, opts *Options,
	target *url.URL, method string, header http.Header, payload *netclient.Payload) error {
	req, err := netclient.NewRequest(ctx, method, target.String(), payload)
	if err != nil {
		return err
	}
	for name, values := range header {
		req.Header[name] = values
	}
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "gzip, deflate")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	if serr := netclient.StatusError(resp); serr != nil && !opts.SkipHttpErrorCheck {
		return withErrorContent(serr, resp, out)
	}
	meter := out.NewMeter("Web request", netclient.Redact(resp.Request.URL), resp.ContentLength)
	r, err := readResponse(resp, out, meter)
	if err != nil {
		return err
	}
	meter.Done()
	out.Verbosef("received %d-byte response of content type %s", r.RawContentLength, r.ContentType)
	out.Output(ResponseType, r)
	return nil
}

// readResponse builds the record: text inline when it fits, else a file.
func readResponse(resp *http.Response, out *bridge.Writer, meter *bridge.Meter) (*Response, error) {
	r := newResponse(resp)
	body, err := decodeContent(resp, io.TeeReader(resp.Body, meter), out)
	if err != nil {
		return nil, err
	}
	counted := &countingReader{r: body}

	// The first part decides: text or not, which charset, inline or not.
	var head bytes.Buffer
	if _, err := io.Copy(&head, io.LimitReader(counted, InlineLimit+1)); err != nil {
		return nil, err
	}
	mt, params := mediaType(r.ContentType)
	if mt == "" && head.Len() > 0 {
		mt, params = mediaType(http.DetectContentType(head.Bytes()))
	}
	if !isText(mt) {
		return r, toFile(r, io.MultiReader(&head, counted), counted, "binary")
	}
	enc, name := textEncoding(mt, params, head.Bytes(), out)
	r.Charset = name
	if head.Len() <= InlineLimit {
		text, _, err := transform.Bytes(enc.NewDecoder(), head.Bytes())
		if err != nil {
			return nil, badEncoding(resp, name, err)
		}
		content := validUTF8(string(bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))))
		if jsonSize(content) <= InlineLimit {
			r.RawContentLength = counted.n
			r.Content = &content
			if mt == "text/html" || mt == "application/xhtml+xml" {
				r.Links, r.Images, r.InputFields = parseHTML(content)
			}
			return r, nil
		}
	}
	// TODO: Links, Images and InputFields are not extracted from HTML too
	// large to travel inline; a caller needing them must parse ContentFile.
	decoded := transform.NewReader(io.MultiReader(&head, counted), enc.NewDecoder())
	return r, toFile(r, decoded, counted, "utf-8")
}

// toFile streams what is left of a body to a temporary content file.
func toFile(r *Response, src io.Reader, counted *countingReader, encoding string) error {
	f, err := tempContentFile()
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(f, src, make([]byte, 256<<10))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = bridge.Wrap(bridge.KindLocal, "ContentFileUnwritable", cerr, "write %s", f.Name())
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	r.ContentFile = f.Name()
	r.ContentFileEncoding = encoding
	r.RawContentLength = counted.n
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// withErrorContent adds the start of an error response's text to the
// error's details, where the module shows it as ErrorDetails: an API's
// explanation of what went wrong is usually there.
func withErrorContent(err error, resp *http.Response, out *bridge.Writer) error {
	e := bridge.AsError(err)
	mt, params := mediaType(resp.Header.Get("Content-Type"))
	if !isText(mt) {
		return e
	}
	body, derr := decodeContent(resp, resp.Body, out)
	if derr != nil {
		return e
	}
	raw, _ := io.ReadAll(io.LimitReader(body, errorContentLimit))
	if len(raw) == 0 {
		return e
	}
	enc, _ := textEncoding(mt, params, raw, bridge.NewWriter(io.Discard, false))
	text, _, terr := transform.Bytes(enc.NewDecoder(), raw)
	if terr != nil {
		return e
	}
	return e.WithDetail("Content", validUTF8(string(text)))
}
