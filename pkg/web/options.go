// Package web is the engine behind Invoke-WebRequest and Invoke-RestMethod:
// one HTTP request, its answer as a SysUpdate.WebResponse record or a file.
package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// Options are the parameters of the web command, named after those of
// Invoke-WebRequest.
type Options struct {
	ClientOptions
	ProxyOptions

	Uri                string  `json:"Uri" help:"the URL to request (http or https)"`
	Method             string  `json:"Method" help:"HTTP method (default GET)"`
	Headers            Headers `json:"Headers" help:"request header 'Name: value'; repeat for more"`
	Body               string  `json:"Body" help:"request body, sent as given"`
	InFile             string  `json:"InFile" help:"file whose content is the request body"`
	ContentType        string  `json:"ContentType" help:"Content-Type of the request body"`
	OutFile            string  `json:"OutFile" help:"save the response body to this file instead of returning it"`
	PassThru           bool    `json:"PassThru" help:"with --out-file, return the response record as well"`
	Resume             bool    `json:"Resume" help:"with --out-file, continue an interrupted download (kept as <OutFile>.partial)"`
	SkipHttpErrorCheck bool    `json:"SkipHttpErrorCheck" help:"return an error status's response instead of failing with exit 4"`
}

// NewOptions returns the options a request starts from, with the
// PowerShell cmdlets' defaults.
func NewOptions() *Options {
	return &Options{ClientOptions: netclient.Defaults()}
}

// ClientOptions and ProxyOptions name the embedded option sets, which are
// both called Options in their packages.
type (
	ClientOptions = netclient.Options
	ProxyOptions  = proxy.Options
)

// Headers are request headers as "Name: value" lines, in the order given.
// In a JSON request they may also be an object of name to value or array
// of values, as PowerShell's -Headers hashtable serializes.
type Headers []string

// UnmarshalJSON accepts a list of "Name: value" strings or an object.
func (h *Headers) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*h = nil
		return nil
	}
	if len(data) > 0 && data[0] == '[' {
		var list []string
		if err := json.Unmarshal(data, &list); err != nil {
			return fmt.Errorf("Headers must be a list of \"Name: value\" strings or an object")
		}
		*h = list
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return fmt.Errorf("Headers must be a list of \"Name: value\" strings or an object")
	}
	// Tokens rather than a map keep the order the caller gave.
	var out Headers
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		values, err := headerValues(raw)
		if err != nil {
			return fmt.Errorf("header %q: %v", name, err)
		}
		for _, v := range values {
			out = append(out, name+": "+v)
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	*h = out
	return nil
}

// headerValues reads one header's value: a string, a number or boolean
// (as PowerShell would print it), or an array of those.
func headerValues(raw json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	var values []string
	for _, item := range list {
		var v any
		if err := json.Unmarshal(item, &v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case string:
			values = append(values, x)
		case float64, bool:
			values = append(values, strings.TrimSpace(string(item)))
		default:
			return nil, fmt.Errorf("a header value must be a string, a number or a list of them")
		}
	}
	return values, nil
}

// ParseHeader splits a "Name: value" line and checks both parts are valid
// in HTTP, so a header can never smuggle a line break into the request.
func ParseHeader(line string) (name, value string, err error) {
	name, value, found := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	switch {
	case !found:
		return "", "", bridge.Usagef("BadHeader", "header %q is not of the form 'Name: value'", line)
	case !httpguts.ValidHeaderFieldName(name):
		return "", "", bridge.Usagef("BadHeader", "header name %q is not a valid HTTP header name", name)
	case !httpguts.ValidHeaderFieldValue(value):
		return "", "", bridge.Usagef("BadHeader", "the value of header %s holds characters HTTP does not allow (such as a line break)", name)
	}
	return http.CanonicalHeaderKey(name), value, nil
}

// header builds the request headers from the options.
func (o *Options) header() (http.Header, error) {
	h := http.Header{}
	for _, line := range o.Headers {
		name, value, err := ParseHeader(line)
		if err != nil {
			return nil, err
		}
		h.Add(name, value)
	}
	if o.ContentType != "" {
		if !httpguts.ValidHeaderFieldValue(o.ContentType) {
			return nil, bridge.Usagef("BadHeader", "--content-type %q holds characters HTTP does not allow", o.ContentType)
		}
		h.Set("Content-Type", o.ContentType)
	}
	if o.UserAgent != "" {
		h.Set("User-Agent", o.UserAgent)
	}
	return h, nil
}
