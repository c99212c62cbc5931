//go:build windows

package httpauth

import (
	"encoding/base64"
	"fmt"

	"github.com/alexbrainman/sspi"
	"github.com/alexbrainman/sspi/negotiate"
	"github.com/alexbrainman/sspi/ntlm"
)

// DefaultCredentialsSupported reports whether the logged-on user's
// credentials can be used on this system.
func DefaultCredentialsSupported() bool { return true }

// startDefault opens an SSPI session as the logged-on user.
func startDefault(scheme, host string) (Session, error) {
	switch scheme {
	case SchemeNegotiate:
		cred, err := negotiate.AcquireCurrentUserCredentials()
		if err != nil {
			return nil, fmt.Errorf("acquire the logged-on user's Negotiate credentials: %w", err)
		}
		return &negotiateSession{cred: cred, target: "HTTP/" + host}, nil
	case SchemeNTLM:
		cred, err := ntlm.AcquireCurrentUserCredentials()
		if err != nil {
			return nil, fmt.Errorf("acquire the logged-on user's NTLM credentials: %w", err)
		}
		return &sspiNTLMSession{cred: cred}, nil
	}
	return nil, nil // Basic cannot borrow the logged-on user's password
}

// startExplicitNegotiate speaks Negotiate with a user name and password
// through SSPI, which picks Kerberos or NTLM.
func startExplicitNegotiate(creds Credentials, host string) (Session, error) {
	user, domain := splitUser(creds.UserName)
	cred, err := negotiate.AcquireUserCredentials(domain, user, creds.Password)
	if err != nil {
		return nil, fmt.Errorf("acquire Negotiate credentials: %w", err)
	}
	return &negotiateSession{cred: cred, target: "HTTP/" + host}, nil
}

// splitUser splits DOMAIN\user; user@domain is passed whole, as SSPI
// accepts a user principal name with an empty domain.
func splitUser(name string) (user, domain string) {
	for i := 0; i < len(name); i++ {
		if name[i] == '\\' {
			return name[i+1:], name[:i]
		}
	}
	return name, ""
}

// negotiateSession is an SSPI Negotiate (SPNEGO) exchange.
type negotiateSession struct {
	cred   *sspi.Credentials
	ctx    *negotiate.ClientContext
	target string
	done   bool
}

func (s *negotiateSession) Scheme() string        { return SchemeNegotiate }
func (s *negotiateSession) ConnectionBound() bool { return true }

func (s *negotiateSession) Step(token []byte) (string, error) {
	var out []byte
	switch {
	case s.ctx == nil:
		ctx, first, err := negotiate.NewClientContext(s.cred, s.target)
		if err != nil {
			return "", fmt.Errorf("start Negotiate: %w", err)
		}
		s.ctx, out = ctx, first
	case s.done || len(token) == 0:
		return "", errRejected
	default:
		done, next, err := s.ctx.Update(token)
		if err != nil {
			return "", fmt.Errorf("continue Negotiate: %w", err)
		}
		s.done, out = done, next
	}
	return SchemeNegotiate + " " + base64.StdEncoding.EncodeToString(out), nil
}

func (s *negotiateSession) Close() {
	if s.ctx != nil {
		s.ctx.Release()
	}
	s.cred.Release()
}

// sspiNTLMSession is NTLM as the logged-on user through SSPI.
type sspiNTLMSession struct {
	cred *sspi.Credentials
	ctx  *ntlm.ClientContext
	step int
}

func (s *sspiNTLMSession) Scheme() string        { return SchemeNTLM }
func (s *sspiNTLMSession) ConnectionBound() bool { return true }

func (s *sspiNTLMSession) Step(token []byte) (string, error) {
	s.step++
	var out []byte
	switch s.step {
	case 1:
		ctx, first, err := ntlm.NewClientContext(s.cred)
		if err != nil {
			return "", fmt.Errorf("start NTLM: %w", err)
		}
		s.ctx, out = ctx, first
	case 2:
		if len(token) == 0 {
			return "", errRejected
		}
		next, err := s.ctx.Update(token)
		if err != nil {
			return "", fmt.Errorf("answer the NTLM challenge: %w", err)
		}
		out = next
	default:
		return "", errRejected
	}
	return SchemeNTLM + " " + base64.StdEncoding.EncodeToString(out), nil
}

func (s *sspiNTLMSession) Close() {
	if s.ctx != nil {
		s.ctx.Release()
	}
	s.cred.Release()
}
