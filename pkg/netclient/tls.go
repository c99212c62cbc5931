package netclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// TODO: no fallback root bundle is embedded yet, so a Windows 7 host whose
// root store never updated fails with CertificateUntrusted where a bundled
// Mozilla root would have worked; --ca-file is the way round it today.

// rootPool returns the system roots plus the certificates of caFile. On
// Windows and macOS the pool from SystemCertPool verifies through the
// platform first and falls back to the appended certificates.
func rootPool(caFile string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, bridge.Wrap(bridge.KindUsage, "CAFileUnreadable", err, "read --ca-file").
			WithTarget(caFile).WithCategory("ReadError")
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, bridge.Usagef("CAFileInvalid",
			"--ca-file %s holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)", caFile).
			WithTarget(caFile)
	}
	return pool, nil
}

// tlsConfig builds the TLS policy of a client.
func tlsConfig(opts Options) (*tls.Config, error) {
	minVersion, maxVersion, err := versionRange(opts.SslProtocol)
	if err != nil {
		return nil, err
	}
	roots, err := rootPool(opts.CAFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:         minVersion,
		MaxVersion:         maxVersion,
		RootCAs:            roots,
		InsecureSkipVerify: opts.SkipCertificateCheck,
		// HTTP/1.1 only, as the PowerShell cmdlets speak it: one large
		// download over Go's HTTP/2 runs about a third slower on loopback,
		// held back by stream flow control, and parallel transfers are
		// served as well by parallel connections.
		NextProtos: []string{"http/1.1"},
	}, nil
}

// dialTLS connects to addr over the route, then runs the TLS handshake with
// the client's policy itself, so the policy is the same whether the
// connection is direct or a proxy tunnel.
func (c *Client) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	raw, err := c.dialRoute(ctx, addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	cfg := c.tls.Clone()
	cfg.ServerName = host
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, c.handshakeError(ctx, err, addr)
	}
	state := conn.ConnectionState()
	c.out.Verbosef("%s with %s to %s (%s)", versionName(state.Version),
		tls.CipherSuiteName(state.CipherSuite), addr, protocolName(state.NegotiatedProtocol))
	return conn, nil
}

// dialRoute opens the connection a TLS session or plain request runs over.
func (c *Client) dialRoute(ctx context.Context, addr string) (net.Conn, error) {
	if c.opts.Router != nil {
		return c.opts.Router.DialTunnel(ctx, addr)
	}
	d := net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

func protocolName(alpn string) string {
	if alpn == "h2" {
		return "HTTP/2"
	}
	return "HTTP/1.1"
}

// handshakeError turns a failed handshake into an error a person can act
// on. A refusal that looks like a version mismatch is confirmed by probing
// the old versions, so the message names only what the server really took.
func (c *Client) handshakeError(ctx context.Context, err error, addr string) error {
	host, _, _ := net.SplitHostPort(addr)
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = unknown.Cert.Issuer.CommonName
		}
		return tlsFailure("CertificateUntrusted", err,
			"the certificate of %s is issued by %q, an authority this machine does not trust: "+
				"if the server is right, add its root certificate with --ca-file", host, issuer)
	case errors.As(err, &hostErr):
		names := certNames(hostErr.Certificate)
		return tlsFailure("CertificateNameMismatch", err,
			"the certificate %s presented is not for that name (it is for %s): "+
				"check the address, or the server is misconfigured", host, names)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		when := ""
		if invalid.Cert != nil {
			if time.Now().Before(invalid.Cert.NotBefore) {
				when = "is not valid before " + invalid.Cert.NotBefore.UTC().Format(time.RFC3339)
			} else {
				when = "expired on " + invalid.Cert.NotAfter.UTC().Format(time.RFC3339)
			}
		}
		return tlsFailure("CertificateExpired", err,
			"the certificate of %s %s (check this machine's clock if that looks wrong)", host, when)
	case errors.As(err, &invalid):
		return tlsFailure("CertificateInvalid", err, "the certificate of %s is not valid", host)
	case ctx.Err() == context.DeadlineExceeded:
		return tlsFailure("Timeout", err, "the TLS handshake with %s took longer than %s", host, c.timeout).
			WithCategory("OperationTimeout")
	case versionRefusal(err):
		return c.versionRefused(addr, err)
	}
	return tlsFailure("TlsHandshakeFailed", err, "the TLS handshake with %s failed", host)
}

func tlsFailure(id string, err error, format string, args ...any) *bridge.Error {
	return bridge.Wrap(bridge.KindNetwork, id, err, format, args...).WithCategory("SecurityError")
}

func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "no name"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		names = append(names, cert.Subject.CommonName)
	}
	return strings.Join(names, ", ")
}

// versionRefusal reports whether a handshake error is what a server that
// speaks only older protocols answers: the protocol_version or
// handshake_failure alert, or a ServerHello for a version below the
// floor. crypto/tls exports no alert type before Go 1.21, so the
// recognisable messages are matched.
func versionRefusal(err error) bool {
	msg := err.Error()
	for _, s := range []string{
		"protocol version not supported",
		"server selected unsupported protocol version",
		"handshake failure",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// versionRefused probes which older versions the server accepts and words
// the error accordingly. The probe only completes a handshake and sends no
// request, so nothing travels over the weak protocol.
func (c *Client) versionRefused(addr string, cause error) error {
	host, _, _ := net.SplitHostPort(addr)
	minVersion, _, _ := versionRange(c.opts.SslProtocol)
	floor := versionName(minVersion)
	accepted := c.probeOldVersion(addr, minVersion-1)
	e := tlsFailure("TlsVersionRefused", cause, "%s offers nothing at %s or above", host, floor)
	switch {
	case accepted >= tls.VersionTLS12:
		e.Message = fmt.Sprintf("%s offers nothing at %s or above (it accepts %s, which --ssl-protocol excludes)",
			host, floor, versionName(accepted))
		e.WithDetail("ServerVersion", versionName(accepted))
	case accepted != 0:
		e.Message = fmt.Sprintf("%s offers nothing at %s or above (it accepts %s, which sysupdate never uses): "+
			"the server must enable TLS 1.2", host, floor, versionName(accepted))
		e.WithDetail("ServerVersion", versionName(accepted))
	default:
		e.Message += ", or refused the handshake for another reason (" + cause.Error() + ")"
	}
	return e.WithDetail("MinimumVersion", floor)
}

// probeOldVersion returns the best version from TLS 1.0 to maxVersion the
// server completes a handshake with, or 0.
func (c *Client) probeOldVersion(addr string, maxVersion uint16) uint16 {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	raw, err := c.dialRoute(ctx, addr)
	if err != nil {
		return 0
	}
	defer raw.Close()
	host, _, _ := net.SplitHostPort(addr)
	conn := tls.Client(raw, &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         maxVersion,
		InsecureSkipVerify: true, // only the version is wanted; no data is sent
	})
	if conn.HandshakeContext(ctx) != nil {
		return 0
	}
	return conn.ConnectionState().Version
}
