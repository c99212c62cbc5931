package httpauth

import (
	"encoding/base64"
	"encoding/binary"
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
		msg, err := ntlmssp.ProcessChallenge(normalizeChallenge(token), s.user, s.password, s.domainNeeded)
		if err != nil {
			// The library's messages name no secret; they describe the
			// challenge it cannot answer.
			return "", fmt.Errorf("ntlm challenge: %v", err)
		}
		return SchemeNTLM + " " + base64.StdEncoding.EncodeToString(msg), nil
	}
	return "", errRejected
}

// The CHALLENGE message's layout: the target name's field at 12, the
// target information's field at 40, each a length, a maximum length and a
// payload offset; payloads start after the 48-byte header at the earliest.
const (
	challengeTargetName = 12
	challengeTargetInfo = 40
	challengeHeaderLen  = 48
)

// normalizeChallenge makes a CHALLENGE message the NTLM library can read.
// Older servers send the short form without the target information field
// (a 40-byte header, or 32 bytes with nothing after), and some helpers
// leave a field's offset pointing outside the message; the library
// refuses both. The short form gets an empty target information field,
// and a field that points outside the message is emptied: it carries
// nothing the answer can use.
func normalizeChallenge(msg []byte) []byte {
	if len(msg) < challengeTargetName+8 {
		return msg // not a challenge; the library says why
	}
	nameLen, nameOff := varField(msg, challengeTargetName)
	shortForm := len(msg) < challengeHeaderLen ||
		nameLen > 0 && nameOff >= challengeTargetInfo && nameOff < challengeHeaderLen
	var out []byte
	if shortForm {
		head := make([]byte, challengeTargetInfo)
		copy(head, msg)
		out = append(head, make([]byte, challengeHeaderLen-challengeTargetInfo)...)
		if len(msg) > challengeTargetInfo {
			out = append(out, msg[challengeTargetInfo:]...)
		}
		if nameLen > 0 && nameOff >= challengeTargetInfo {
			binary.LittleEndian.PutUint32(out[challengeTargetName+4:], uint32(nameOff+challengeHeaderLen-challengeTargetInfo))
		}
	} else {
		out = append([]byte(nil), msg...)
	}
	for _, at := range []int{challengeTargetName, challengeTargetInfo} {
		length, offset := varField(out, at)
		if length > 0 && (offset < challengeHeaderLen || offset+length > len(out)) {
			copy(out[at:at+8], make([]byte, 8))
		}
	}
	return out
}

// varField reads the length and offset of a message field at.
func varField(msg []byte, at int) (length, offset int) {
	return int(binary.LittleEndian.Uint16(msg[at:])), int(binary.LittleEndian.Uint32(msg[at+4:]))
}
