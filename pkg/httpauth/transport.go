package httpauth

import (
	"io"
	"net/http"
	"strings"
)

// maxServerRounds bounds the 401 exchanges of one request.
const maxServerRounds = 4

// Transport answers a server's 401 challenges with Basic, NTLM or
// Negotiate, as the web cmdlets do with -Credential and
// -UseDefaultCredentials. It wraps the transport that carries the
// requests.
//
// NTLM and Negotiate authenticate a connection, not a request: the
// exchange relies on Base reusing the kept-alive connection for the next
// round, which an http.Transport does when the previous answer was read to
// its end, as RoundTrip does. A Base without keep-alive cannot finish such
// an exchange and the 401 is returned.
type Transport struct {
	Base        http.RoundTripper
	Credentials Credentials
	// Host restricts the answers to one host (the host of the request
	// the user asked for), so a redirect cannot collect the credentials
	// for another. Empty answers every host.
	Host string
	// AllowUnencryptedBasic sends a Basic password over plain HTTP; by
	// default only HTTPS carries it.
	AllowUnencryptedBasic bool
	// Proxy answers a proxy's 407 (Proxy-Authenticate, Proxy-Authorization)
	// on plain-HTTP requests sent through it, instead of a server's 401.
	Proxy bool
}

// headers names the status and the headers of the exchange.
func (t *Transport) headers() (status int, challenge, authorization string) {
	if t.Proxy {
		return http.StatusProxyAuthRequired, "Proxy-Authenticate", "Proxy-Authorization"
	}
	return http.StatusUnauthorized, "WWW-Authenticate", "Authorization"
}

// RoundTrip sends req, and answers a 401 when the credentials can. A 401
// that cannot be answered, or whose answer is refused, is returned as it
// came, for the caller to report.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	status, challenge, authorization := t.headers()
	resp, err := t.Base.RoundTrip(req)
	if err != nil || resp.StatusCode != status || !t.answers(req) {
		return resp, err
	}
	offered := ParseChallenges(resp.Header.Values(challenge))
	if !t.Proxy && !t.AllowUnencryptedBasic && !strings.EqualFold(req.URL.Scheme, "https") {
		offered = without(offered, SchemeBasic)
	}
	session, err := Start(offered, t.Credentials, req.URL.Hostname())
	if err != nil {
		return resp, nil
	}
	defer session.Close()

	var token []byte
	for round := 0; round < maxServerRounds; round++ {
		header, err := session.Step(token)
		if err != nil {
			return resp, nil
		}
		next, ok := replay(req)
		if !ok {
			return resp, nil
		}
		discard(resp)
		next.Header.Set(authorization, header)
		if resp, err = t.Base.RoundTrip(next); err != nil {
			return nil, err
		}
		if resp.StatusCode != status {
			return resp, nil
		}
		c, found := Find(ParseChallenges(resp.Header.Values(challenge)), session.Scheme())
		if !found || len(c.Token) == 0 {
			return resp, nil // the credentials were refused
		}
		token = c.Token
	}
	return resp, nil
}

func (t *Transport) answers(req *http.Request) bool {
	if !t.Credentials.Usable() {
		return false
	}
	return t.Proxy || t.Host == "" || strings.EqualFold(t.Host, req.URL.Hostname())
}

// replay copies req for another round, with a fresh body.
func replay(req *http.Request) (*http.Request, bool) {
	next := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, false
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, false
		}
		next.Body = body
	}
	return next, true
}

// discard reads an answer to its end (up to a bound) and closes it, so the
// transport keeps the connection for the next round.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) //nolint:errcheck // a long body only costs the connection
	resp.Body.Close()
}

func without(cs []Challenge, scheme string) []Challenge {
	var out []Challenge
	for _, c := range cs {
		if c.Scheme != scheme {
			out = append(out, c)
		}
	}
	return out
}
