//go:build windows

package httpauth

import (
	"encoding/base64"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/alexbrainman/sspi"
)

// SSPI is used through the base sspi package only: its ntlm and negotiate
// packages panic at start-up on a system without those security packages
// (Wine without winbind), which would take every command down with them.

// DefaultCredentialsSupported reports whether the logged-on user's
// credentials can be used on this system.
func DefaultCredentialsSupported() bool { return true }

// startDefault opens an SSPI session as the logged-on user.
func startDefault(scheme, host string) (Session, error) {
	if scheme != SchemeNegotiate && scheme != SchemeNTLM {
		return nil, nil // Basic cannot borrow the logged-on user's password
	}
	return newSSPISession(scheme, host, nil)
}

// startExplicitNegotiate speaks Negotiate with a user name and password
// through SSPI, which picks Kerberos or NTLM.
func startExplicitNegotiate(creds Credentials, host string) (Session, error) {
	user, domain := splitUser(creds.UserName)
	id, err := authIdentity(domain, user, creds.Password)
	if err != nil {
		return nil, err
	}
	return newSSPISession(SchemeNegotiate, host, id)
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

func authIdentity(domain, user, password string) (*sspi.SEC_WINNT_AUTH_IDENTITY, error) {
	d, err := syscall.UTF16FromString(domain)
	if err != nil {
		return nil, err
	}
	u, err := syscall.UTF16FromString(user)
	if err != nil {
		return nil, err
	}
	p, err := syscall.UTF16FromString(password)
	if err != nil {
		return nil, err
	}
	return &sspi.SEC_WINNT_AUTH_IDENTITY{
		User: &u[0], UserLength: uint32(len(u) - 1),
		Domain: &d[0], DomainLength: uint32(len(d) - 1),
		Password: &p[0], PasswordLength: uint32(len(p) - 1),
		Flags: sspi.SEC_WINNT_AUTH_IDENTITY_UNICODE,
	}, nil
}

// sspiSession is an NTLM or Negotiate exchange through SSPI.
type sspiSession struct {
	scheme   string
	target   *uint16 // the service principal, HTTP/host, for Kerberos
	maxToken uint32
	cred     *sspi.Credentials
	ctx      *sspi.Context
	done     bool
}

func newSSPISession(scheme, host string, id *sspi.SEC_WINNT_AUTH_IDENTITY) (*sspiSession, error) {
	info, err := sspi.QueryPackageInfo(scheme)
	if err != nil {
		return nil, fmt.Errorf("the %s security package is not available: %w", scheme, err)
	}
	cred, err := sspi.AcquireCredentials("", scheme, sspi.SECPKG_CRED_OUTBOUND, (*byte)(unsafe.Pointer(id)))
	if err != nil {
		return nil, fmt.Errorf("acquire %s credentials: %w", scheme, err)
	}
	target, err := syscall.UTF16PtrFromString("HTTP/" + host)
	if err != nil {
		cred.Release()
		return nil, err
	}
	s := &sspiSession{scheme: scheme, target: target, maxToken: info.MaxToken, cred: cred}
	s.ctx = sspi.NewClientContext(cred, sspi.ISC_REQ_CONNECTION)
	return s, nil
}

func (s *sspiSession) Scheme() string        { return s.scheme }
func (s *sspiSession) ConnectionBound() bool { return true }

func (s *sspiSession) Step(token []byte) (string, error) {
	first := s.ctx.Handle == nil
	if !first && (s.done || len(token) == 0) {
		return "", errRejected
	}
	out := make([]byte, s.maxToken)
	var outBuf [1]sspi.SecBuffer
	outBuf[0].Set(sspi.SECBUFFER_TOKEN, out)
	outDesc := sspi.NewSecBufferDesc(outBuf[:])
	var inDesc *sspi.SecBufferDesc
	if !first {
		var inBuf [1]sspi.SecBuffer
		inBuf[0].Set(sspi.SECBUFFER_TOKEN, token)
		inDesc = sspi.NewSecBufferDesc(inBuf[:])
	}
	switch ret := s.ctx.Update(s.target, outDesc, inDesc); ret {
	case sspi.SEC_E_OK:
		s.done = true
	case sspi.SEC_I_CONTINUE_NEEDED:
	case sspi.SEC_I_COMPLETE_NEEDED, sspi.SEC_I_COMPLETE_AND_CONTINUE:
		if r := sspi.CompleteAuthToken(s.ctx.Handle, outDesc); r != sspi.SEC_E_OK {
			return "", fmt.Errorf("%s: CompleteAuthToken: %w", s.scheme, r)
		}
		s.done = ret == sspi.SEC_I_COMPLETE_NEEDED
	default:
		return "", fmt.Errorf("%s: InitializeSecurityContext: %w", s.scheme, ret)
	}
	n := outBuf[0].BufferSize
	if n == 0 && !s.done {
		return "", fmt.Errorf("%s: SSPI produced no token", s.scheme)
	}
	return s.scheme + " " + base64.StdEncoding.EncodeToString(out[:n]), nil
}

func (s *sspiSession) Close() {
	s.ctx.Release()
	s.cred.Release()
}
