package httpauth

import (
	"encoding/base64"
	"fmt"

	"github.com/Azure/go-ntlmssp"
)

// ntlmSession speaks NTLMv2 with an explicit user name and password: a
// NEGOTIATE message, then an AUTHENTICATE message that answers the
// server's CHALLENGE.
type ntlmSession struct {
	user, domain string
	domainNeeded bool
	password     string
	step         int
}

func newNTLMSession(creds Credentials) *ntlmSession {
	user, domain, domainNeeded := ntlmssp.GetDomain(creds.UserName)
	return &ntlmSession{user: user, domain: domain, domainNeeded: domainNeeded, password: creds.Password}
}

func (s *ntlmSession) Scheme() string        { return SchemeNTLM }
func (s *ntlmSession) ConnectionBound() bool { return true }
func (s *ntlmSession) Close()                {}

func (s *ntlmSession) Step(token []byte) (string, error) {
	s.step++
	switch s.step {
	case 1:
		msg, err := ntlmssp.NewNegotiateMessage(s.domain, "")
		if err != nil {
			return "", fmt.Errorf("ntlm negotiate message: %w", err)
		}
		return SchemeNTLM + " " + base64.StdEncoding.EncodeToString(msg), nil
	case 2:
		if len(token) == 0 {
			return "", errRejected
		}
		msg, err := ntlmssp.ProcessChallenge(token, s.user, s.password, s.domainNeeded)
		if err != nil {
			// The library's messages name no secret; they describe the
			// challenge it cannot answer.
			return "", fmt.Errorf("ntlm challenge: %v", err)
		}
		return SchemeNTLM + " " + base64.StdEncoding.EncodeToString(msg), nil
	}
	return "", errRejected
}
