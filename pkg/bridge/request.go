package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxRequestBytes bounds a request read from standard input. Bodies large
// enough to matter travel as InFile, not inline.
const maxRequestBytes = 64 << 20

// Credential is a user name and password from a request. Credentials have
// no flag: a command line is visible to every user of the machine.
type Credential struct {
	UserName string `json:"UserName"`
	Password string `json:"Password"`
}

// MarshalJSON leaves the password out, so a credential can never reach a
// record or a log.
func (c Credential) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ UserName string }{c.UserName})
}

// String names the user only.
func (c Credential) String() string { return c.UserName }

// DecodeRequest reads one JSON object keyed by PowerShell parameter names
// from r into opts, a pointer to a command's options. Keys match field names
// case-insensitively, as PowerShell parameter names do; an unknown key is a
// usage error, so a misspelt parameter is not silently dropped.
func DecodeRequest(r io.Reader, opts any) error {
	data, err := io.ReadAll(io.LimitReader(r, maxRequestBytes+1))
	if err != nil {
		return Wrap(KindUsage, "RequestUnreadable", err, "read the request from standard input")
	}
	if len(data) > maxRequestBytes {
		return Usagef("RequestTooLarge", "the request on standard input is larger than %d MiB; pass large bodies as InFile", maxRequestBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Windows PowerShell may add a BOM
	if len(bytes.TrimSpace(data)) == 0 {
		return Usagef("RequestEmpty", "--request - was given but standard input held no JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(opts); err != nil {
		return Usagef("RequestInvalid", "the request on standard input is not valid: %s", describeJSONError(err))
	}
	if dec.More() {
		return Usagef("RequestInvalid", "the request on standard input holds more than one JSON value")
	}
	return nil
}

func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("%v (at byte %d)", syntax, syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be %s, not %s", typ.Field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown parameter " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return err.Error()
}
