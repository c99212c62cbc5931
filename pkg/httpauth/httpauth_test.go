package httpauth

import (
	"encoding/base64"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/go-ntlmssp"
)

func TestParseChallenges(t *testing.T) {
	token := base64.StdEncoding.EncodeToString([]byte("NTLMSSP\x00\x02"))
	cases := []struct {
		name    string
		headers []string
		schemes []string
		token   bool
	}{
		{"one value per scheme", []string{`Basic realm="corp"`, "NTLM", "Negotiate"}, []string{"Basic", "NTLM", "Negotiate"}, false},
		{"schemes in one value", []string{`Basic realm="a, b", NTLM`}, []string{"Basic", "NTLM"}, false},
		{"parameters stay with their scheme", []string{`Digest realm="x", qop="auth", nonce="1", Basic realm="y"`}, []string{"Basic", "Digest"}, false},
		{"scheme names ignore case", []string{"ntlm", "NEGOTIATE"}, []string{"NTLM", "Negotiate"}, false},
		{"an NTLM challenge carries its token", []string{"NTLM " + token}, []string{"NTLM"}, true},
		{"empty values are ignored", []string{"", " , "}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := ParseChallenges(tc.headers)
			if got := Schemes(cs); !reflect.DeepEqual(got, tc.schemes) {
				t.Errorf("schemes %v, want %v", got, tc.schemes)
			}
			c, _ := Find(cs, SchemeNTLM)
			if (len(c.Token) > 0) != tc.token {
				t.Errorf("token %q, want present=%v", c.Token, tc.token)
			}
		})
	}
}

func TestStartPicksTheStrongestAnswerableScheme(t *testing.T) {
	offered := ParseChallenges([]string{`Basic realm="corp"`, "NTLM"})
	cases := []struct {
		name  string
		creds Credentials
		want  string
	}{
		{"NTLM over Basic with a password", Credentials{UserName: `CORP\a`, Password: "p"}, SchemeNTLM},
		{"nothing without credentials", Credentials{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(offered, tc.creds, "proxy.corp")
			got := ""
			if err == nil {
				got = s.Scheme()
			}
			if got != tc.want {
				t.Errorf("Start = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	s, err := Start(ParseChallenges([]string{`Basic realm="x"`}), Credentials{UserName: "a", Password: "p"}, "h")
	if err != nil || s.Scheme() != SchemeBasic {
		t.Fatalf("Basic only: %v, %v", s, err)
	}
	if h, _ := s.Step(nil); h != "Basic "+base64.StdEncoding.EncodeToString([]byte("a:p")) {
		t.Errorf("Basic header %q", h)
	}
	if _, err := s.Step(nil); !IsRejected(err) {
		t.Errorf("a second Basic challenge means the password was refused, got %v", err)
	}
}

// challenge builds a CHALLENGE message: a 48-byte header and a target
// name, or the short 40-byte header form when short is set.
func challenge(name string, short bool, badOffset bool) []byte {
	header := 48
	if short {
		header = 40
	}
	msg := make([]byte, header)
	copy(msg, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(msg[8:], 2)
	binary.LittleEndian.PutUint16(msg[12:], uint16(len(name)))
	binary.LittleEndian.PutUint16(msg[14:], uint16(len(name)))
	offset := uint32(header)
	if badOffset {
		offset = 0xaaaaaaae
	}
	binary.LittleEndian.PutUint32(msg[16:], offset)
	binary.LittleEndian.PutUint32(msg[20:], 0x00088201) // unicode off, OEM, NTLM, extended session security
	copy(msg[24:], "12345678")
	return append(msg, name...)
}

func TestNormalizedChallengesCanBeAnswered(t *testing.T) {
	cases := []struct {
		name string
		msg  []byte
	}{
		{"the full form", challenge("CORP", false, false)},
		{"the short form without target information", challenge("CORP", true, false)},
		{"a target name pointing outside the message", challenge("WORKGROUP", true, true)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ntlmssp.ProcessChallenge(normalizeChallenge(tc.msg), "alice", "pw", true)
			if err != nil || len(out) == 0 {
				t.Fatalf("ProcessChallenge: %v", err)
			}
		})
	}
}

// FuzzChallengeHandling checks that no peer's challenge header, however
// malformed, makes parsing or the NTLM answer panic.
func FuzzChallengeHandling(f *testing.F) {
	for _, seed := range [][]byte{challenge("CORP", false, false), challenge("X", true, true), []byte("NTLMSSP\x00"), nil} {
		f.Add("NTLM " + base64.StdEncoding.EncodeToString(seed))
	}
	f.Add(`Basic realm="a,b", Negotiate abc=, NTLM`)
	f.Fuzz(func(t *testing.T, header string) {
		cs := ParseChallenges(strings.Split(header, "\n"))
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatalf("a challenge without a scheme from %q", header)
			}
			s := newNTLMSession(Credentials{UserName: `D\u`, Password: "p"})
			s.Step(nil)
			s.Step(c.Token) //nolint:errcheck // only panics matter here
		}
	})
}
