package tlsconfig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// ProbeOptions are the parameters of tls probe.
type ProbeOptions struct {
	Uri        string `json:"Uri" help:"the https:// URL (or host:port) of the server to probe"`
	CAFile     string `json:"CAFile" help:"PEM file of further root certificates to verify the server against, reported apart from the system roots"`
	TimeoutSec int64  `json:"TimeoutSec" help:"seconds allowed for each connection (default 10)"`

	// The route to the server, as for every command that goes online.
	proxy.Options

	// Dial opens the connection each attempt runs over: directly, or a
	// tunnel through the proxy (RunProbe sets it). Nil dials directly.
	Dial func(ctx context.Context, addr string) (net.Conn, error) `json:"-"`
}

// ProbeResult is the payload of the SysUpdate.TlsProbe record. The version
// fields carry PowerShell's SslProtocol names.
type ProbeResult struct {
	Uri                     string            `json:"Uri"`
	Host                    string            `json:"Host"`
	Port                    string            `json:"Port"`
	Tls                     bool              `json:"Tls"`
	Tls11                   bool              `json:"Tls11"`
	Tls12                   bool              `json:"Tls12"`
	Tls13                   bool              `json:"Tls13"`
	BestProtocol            string            `json:"BestProtocol"` // empty when none was accepted
	CipherSuite             string            `json:"CipherSuite"`  // negotiated at BestProtocol, by Go: SChannel's may differ
	Attempts                []ProbeAttempt    `json:"Attempts"`
	Certificates            []CertificateInfo `json:"Certificates"` // as the server sent them, leaf first
	VerifiedWithSystemRoots bool              `json:"VerifiedWithSystemRoots"`
	SystemRootsError        string            `json:"SystemRootsError,omitempty"`
	VerifiedWithCAFile      *bool             `json:"VerifiedWithCAFile,omitempty"` // only with --ca-file: system roots plus that file
	CAFileError             string            `json:"CAFileError,omitempty"`
	PowerShellOffers        []string          `json:"PowerShellOffers"` // null when unknown (not Windows)
	Advice                  string            `json:"Advice"`
}

// ProbeAttempt is one connection offering a single protocol version.
type ProbeAttempt struct {
	Protocol    string `json:"Protocol"`
	Accepted    bool   `json:"Accepted"`
	CipherSuite string `json:"CipherSuite,omitempty"`
	Error       string `json:"Error,omitempty"`
}

// CertificateInfo describes one certificate of the chain.
type CertificateInfo struct {
	Subject  string `json:"Subject"`
	Issuer   string `json:"Issuer"`
	NotAfter string `json:"NotAfter"` // RFC 3339, UTC
}

// LocalOffers is what Windows PowerShell on this machine offers, for the
// probe's advice: from the status on Windows, unknown elsewhere.
type LocalOffers struct {
	Known   bool
	Why     string // when not Known: why not
	Verdict Verdict
}

var protocolVersions = map[string]uint16{
	Tls: tls.VersionTLS10, Tls11: tls.VersionTLS11, Tls12: tls.VersionTLS12, Tls13: tls.VersionTLS13,
}

// probeSuites offers every cipher suite Go knows, the insecure ones too:
// old servers speak TLS 1.0 only with CBC or RSA key exchange, and Go no
// longer offers those by default. The probe exchanges no data, so the
// weak suites cost nothing here; no other connection uses this list.
func probeSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

// parseTarget accepts an https:// URL or a bare host[:port].
func parseTarget(raw string) (host, port string, err error) {
	if raw == "" {
		return "", "", bridge.Usagef("UriRequired", "probe needs --uri, such as https://example.com/")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, perr := url.Parse(raw)
	if perr != nil || u.Host == "" {
		return "", "", bridge.Usagef("UriInvalid", "%q is not a URL such as https://example.com/", raw).WithTarget(raw)
	}
	if u.Scheme != "https" {
		return "", "", bridge.Usagef("UriNotHttps", "%q is not an https:// URL; the probe checks TLS", raw).WithTarget(raw)
	}
	host, port = u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	return host, port, nil
}

// Probe tries each TLS version on its own connection, then describes and
// verifies the certificate chain of the best one.
func Probe(ctx context.Context, opts *ProbeOptions, local LocalOffers) (ProbeResult, error) {
	host, port, err := parseTarget(opts.Uri)
	if err != nil {
		return ProbeResult{}, err
	}
	var extraRoots *x509.CertPool
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return ProbeResult{}, bridge.Wrap(bridge.KindUsage, "CAFileUnreadable", err, "read --ca-file").WithTarget(opts.CAFile)
		}
		extraRoots, _ = x509.SystemCertPool()
		if extraRoots == nil {
			extraRoots = x509.NewCertPool()
		}
		if !extraRoots.AppendCertsFromPEM(pem) {
			return ProbeResult{}, bridge.Usagef("CAFileInvalid", "%s holds no PEM certificate", opts.CAFile).WithTarget(opts.CAFile)
		}
	}
	timeout := time.Duration(opts.TimeoutSec) * time.Second
	if opts.TimeoutSec <= 0 {
		timeout = 10 * time.Second
	}

	res := ProbeResult{Uri: opts.Uri, Host: host, Port: port, Attempts: []ProbeAttempt{}, Certificates: []CertificateInfo{}}
	var best *tls.ConnectionState
	var dialErr error
	reached := false
	for _, p := range Protocols {
		state, dialed, err := handshake(ctx, opts.Dial, host, port, protocolVersions[p], timeout)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		reached = reached || dialed
		a := ProbeAttempt{Protocol: p}
		if err != nil {
			a.Error = err.Error()
			if !dialed {
				dialErr = err
			}
		} else {
			a.Accepted = true
			a.CipherSuite = tls.CipherSuiteName(state.CipherSuite)
			best = state
			res.BestProtocol = p
			res.CipherSuite = a.CipherSuite
		}
		res.Attempts = append(res.Attempts, a)
	}
	res.Tls, res.Tls11, res.Tls12, res.Tls13 = res.Attempts[0].Accepted, res.Attempts[1].Accepted,
		res.Attempts[2].Accepted, res.Attempts[3].Accepted
	if !reached {
		var routeErr *bridge.Error
		if errors.As(dialErr, &routeErr) {
			return res, routeErr // the proxy's own failure, already explained
		}
		return res, bridge.Wrap(bridge.KindNetwork, "ConnectFailed", dialErr, "connect to %s", net.JoinHostPort(host, port)).
			WithTarget(opts.Uri)
	}

	if best != nil {
		for _, c := range best.PeerCertificates {
			res.Certificates = append(res.Certificates, CertificateInfo{
				Subject:  c.Subject.String(),
				Issuer:   c.Issuer.String(),
				NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
			})
		}
		err := verifyChain(best.PeerCertificates, host, nil)
		res.VerifiedWithSystemRoots = err == nil
		if err != nil {
			res.SystemRootsError = err.Error()
		}
		if extraRoots != nil {
			err := verifyChain(best.PeerCertificates, host, extraRoots)
			ok := err == nil
			res.VerifiedWithCAFile = &ok
			if err != nil {
				res.CAFileError = err.Error()
			}
		}
	}
	if local.Known {
		res.PowerShellOffers = local.Verdict.Offers
	}
	res.Advice = Advice(&res, local)
	if best == nil {
		return res, bridge.New(bridge.KindNetwork, "TlsVersionRefused",
			"%s refused every TLS version from 1.0 to 1.3", net.JoinHostPort(host, port)).WithTarget(opts.Uri).
			WithCategory("ProtocolError")
	}
	return res, nil
}

// handshake connects and completes a handshake offering only one version.
// dialed reports whether the TCP connection was made, so a refused version
// is told apart from an unreachable server.
func handshake(ctx context.Context, dial func(context.Context, string) (net.Conn, error),
	host, port string, version uint16, timeout time.Duration) (*tls.ConnectionState, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if dial == nil {
		var d net.Dialer
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	conn, err := dial(ctx, net.JoinHostPort(host, port))
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	cfg := &tls.Config{
		MinVersion: version,
		MaxVersion: version,
		// The chain is verified afterwards, apart, so that a version is
		// reported as accepted even when the certificate is not trusted.
		InsecureSkipVerify: true, //nolint:gosec // verified by verifyChain
		CipherSuites:       probeSuites(),
	}
	if net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, true, err
	}
	state := tc.ConnectionState()
	return &state, true, nil
}

// verifyChain verifies the chain against roots, or the system's roots (on
// Windows, the system verifier) when roots is nil.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool) error {
	if len(chain) == 0 {
		return errors.New("the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Intermediates: inter, Roots: roots})
	return err
}

// describeServer words the set of accepted versions: "only TLS 1.2 and
// later", "TLS 1.0 to TLS 1.2", "only TLS 1.2".
func describeServer(accepted []string) string {
	if len(accepted) == 1 {
		return "only " + protocolTitle[accepted[0]]
	}
	first, last := indexOf(accepted[0]), indexOf(accepted[len(accepted)-1])
	if last-first+1 != len(accepted) {
		return joinTitles(accepted)
	}
	if accepted[len(accepted)-1] == Tls13 && accepted[0] != Tls {
		return "only " + protocolTitle[accepted[0]] + " and later"
	}
	return protocolTitle[accepted[0]] + " to " + protocolTitle[accepted[len(accepted)-1]]
}

func indexOf(p string) int {
	for i, x := range Protocols {
		if x == p {
			return i
		}
	}
	return -1
}

// Advice is one sentence comparing what the server accepts with what
// Windows PowerShell on this machine offers.
func Advice(res *ProbeResult, local LocalOffers) string {
	var accepted []string
	for _, a := range res.Attempts {
		if a.Accepted {
			accepted = append(accepted, a.Protocol)
		}
	}
	if len(accepted) == 0 {
		return "This server accepted none of TLS 1.0 to TLS 1.3 from this machine, so no client here can reach it over TLS."
	}
	server := "This server accepts " + describeServer(accepted)
	if !local.Known {
		return server + "; " + local.Why + "."
	}
	offers := local.Verdict.Offers
	var common []string
	for _, p := range accepted {
		if contains(offers, p) {
			common = append(common, p)
		}
	}
	if len(common) > 0 {
		return fmt.Sprintf("%s; Windows PowerShell here offers %s, so they agree on %s.",
			server, joinTitles(offers), protocolTitle[common[len(common)-1]])
	}
	most := "no TLS version"
	if len(offers) > 0 {
		most = protocolTitle[offers[len(offers)-1]] + " at most"
	}
	switch {
	case local.Verdict.Verdict == Blocked && len(local.Verdict.Blockers) > 0:
		return fmt.Sprintf("%s; Windows PowerShell here offers %s, and %s.", server, most, local.Verdict.Blockers[0])
	case hasChange(local.Verdict.Changes, ValueStrongCrypto):
		return fmt.Sprintf("%s; Windows PowerShell here offers %s until SchUseStrongCrypto is set "+
			"('sysupdate tls enable' sets it).", server, most)
	case len(local.Verdict.Changes) > 0:
		return fmt.Sprintf("%s; Windows PowerShell here offers %s until the changes 'sysupdate tls status' "+
			"lists are made ('sysupdate tls enable' makes them).", server, most)
	}
	return fmt.Sprintf("%s; Windows PowerShell here offers %s, so it cannot connect; use sysupdate for this server.", server, most)
}

func hasChange(changes []Change, name string) bool {
	for _, c := range changes {
		if c.Name == name {
			return true
		}
	}
	return false
}
