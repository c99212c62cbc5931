// Package httpauth answers HTTP authentication challenges (a 407 from a
// proxy, a 401 from a server) with Basic, NTLM or Negotiate: with a user
// name and password on every system, and as the logged-on user through SSPI
// on Windows.
//
// A Session is one exchange. NTLM and Negotiate are bound to the connection
// they start on: the challenge the peer sends answers the message the
// client sent on that connection, so the caller must keep it open between
// steps.
package httpauth

import (
	"encoding/base64"
	"errors"
	"sort"
	"strings"
)

// The schemes this package speaks, as they appear in challenge headers.
const (
	SchemeBasic     = "Basic"
	SchemeNTLM      = "NTLM"
	SchemeNegotiate = "Negotiate"
)

// Credentials are what a Session may authenticate with: a user name
// ("DOMAIN\user", "user@domain" or "user") and password, or the logged-on
// Windows user when UseDefault is set.
type Credentials struct {
	UserName   string
	Password   string
	UseDefault bool
}

// Usable reports whether there is anything to authenticate with.
func (c Credentials) Usable() bool {
	return c.UseDefault || c.UserName != "" || c.Password != ""
}

// A Challenge is one scheme a peer offers in a WWW-Authenticate or
// Proxy-Authenticate header, with the token it carries, decoded (NTLM and
// Negotiate after the first round), or its parameters (Basic's realm).
type Challenge struct {
	Scheme string
	Token  []byte
	Params string
}

// ParseChallenges reads the values of WWW-Authenticate or
// Proxy-Authenticate headers. Each value is taken as one challenge, which is
// how proxies and servers send NTLM and Negotiate; a value that lists
// several schemes separated by commas is split where a new scheme name
// starts.
func ParseChallenges(values []string) []Challenge {
	var out []Challenge
	for _, v := range values {
		for _, part := range splitSchemes(v) {
			scheme, rest, _ := strings.Cut(strings.Trim(part, " \t,"), " ")
			if scheme == "" || strings.ContainsAny(scheme, ",=\"") {
				continue
			}
			c := Challenge{Scheme: canonicalScheme(scheme), Params: strings.TrimSpace(rest)}
			if c.Scheme == SchemeNTLM || c.Scheme == SchemeNegotiate {
				if tok, err := base64.StdEncoding.DecodeString(c.Params); err == nil && len(tok) > 0 {
					c.Token = tok
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// splitSchemes splits `Basic realm="a, b", NTLM` into its challenges: a
// comma starts a new challenge when the next word is a bare token not
// followed by "=" (a scheme name rather than a parameter).
func splitSchemes(v string) []string {
	var parts []string
	start, inQuote := 0, false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if inQuote {
				continue
			}
			next := strings.TrimSpace(v[i+1:])
			word := next
			if j := strings.IndexAny(next, " ,="); j >= 0 {
				word = next[:j]
			}
			if word != "" && !strings.HasPrefix(next[len(word):], "=") {
				parts = append(parts, v[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, v[start:])
}

func canonicalScheme(s string) string {
	for _, known := range []string{SchemeBasic, SchemeNTLM, SchemeNegotiate} {
		if strings.EqualFold(s, known) {
			return known
		}
	}
	return s
}

// Schemes lists the scheme names offered, sorted and without repeats, for
// messages that say what a peer asked for.
func Schemes(cs []Challenge) []string {
	seen := map[string]bool{}
	var names []string
	for _, c := range cs {
		if !seen[c.Scheme] {
			seen[c.Scheme] = true
			names = append(names, c.Scheme)
		}
	}
	sort.Strings(names)
	return names
}

// Find returns the challenge of one scheme, if offered.
func Find(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if c.Scheme == scheme {
			return c, true
		}
	}
	return Challenge{}, false
}

// A Session is one authentication exchange with one peer.
type Session interface {
	// Scheme is the scheme the session speaks.
	Scheme() string
	// Step returns the next Authorization (or Proxy-Authorization) header
	// value. token is what the peer's last challenge carried for this
	// scheme, nil for the first step.
	Step(token []byte) (string, error)
	// ConnectionBound reports whether the exchange must continue on the
	// connection it started on.
	ConnectionBound() bool
	// Close releases what the session holds (SSPI handles).
	Close()
}

// ErrNoUsableScheme means the peer offered no scheme the credentials can
// answer.
var ErrNoUsableScheme = errors.New("httpauth: no offered scheme can be answered with the credentials at hand")

// Start opens a session with the strongest offered scheme the credentials
// can answer: Negotiate, then NTLM, then Basic (which sends the password
// itself, so it comes last). host names the peer, for Kerberos.
func Start(offered []Challenge, creds Credentials, host string) (Session, error) {
	if !creds.Usable() {
		return nil, ErrNoUsableScheme
	}
	for _, scheme := range []string{SchemeNegotiate, SchemeNTLM, SchemeBasic} {
		if _, ok := Find(offered, scheme); !ok {
			continue
		}
		s, err := startScheme(scheme, creds, host)
		if err != nil {
			return nil, err
		}
		if s != nil {
			return s, nil
		}
	}
	return nil, ErrNoUsableScheme
}

// startScheme returns nil, nil when the scheme cannot be answered with
// these credentials on this system.
func startScheme(scheme string, creds Credentials, host string) (Session, error) {
	if creds.UseDefault {
		return startDefault(scheme, host)
	}
	switch scheme {
	case SchemeBasic:
		return &basicSession{creds: creds}, nil
	case SchemeNTLM:
		return newNTLMSession(creds), nil
	case SchemeNegotiate:
		return startExplicitNegotiate(creds, host)
	}
	return nil, nil
}

// basicSession sends the user name and password, once.
type basicSession struct {
	creds Credentials
	sent  bool
}

func (s *basicSession) Scheme() string        { return SchemeBasic }
func (s *basicSession) ConnectionBound() bool { return false }
func (s *basicSession) Close()                {}

func (s *basicSession) Step(token []byte) (string, error) {
	if s.sent {
		return "", errRejected
	}
	s.sent = true
	raw := s.creds.UserName + ":" + s.creds.Password
	return SchemeBasic + " " + base64.StdEncoding.EncodeToString([]byte(raw)), nil
}

// errRejected means the peer asked again after the last step: it did not
// accept the credentials.
var errRejected = errors.New("httpauth: the credentials were rejected")

// IsRejected reports whether err means the peer refused the credentials.
func IsRejected(err error) bool { return errors.Is(err, errRejected) }
