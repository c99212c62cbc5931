package netclient

import (
	"crypto/tls"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Options are the connection parameters of every command that goes online,
// named after the parameters of the PowerShell web cmdlets.
type Options struct {
	TimeoutSec            int64  `json:"TimeoutSec" help:"seconds allowed for connecting, for the TLS handshake, for the response headers and for any single stall while reading the body, never for the whole transfer; 0 means the default"`
	SslProtocol           string `json:"SslProtocol" help:"TLS versions to allow: Tls12, Tls13 or Tls12,Tls13 (default: both; older versions are never used)"`
	SkipCertificateCheck  bool   `json:"SkipCertificateCheck" help:"accept any server certificate (unsafe: anyone on the path can read and change the transfer)"`
	CAFile                string `json:"CAFile" help:"PEM file of further root certificates to trust, added to the system's"`
	MaximumRedirection    int64  `json:"MaximumRedirection" help:"redirects to follow before failing; 0 follows none"`
	AllowInsecureRedirect bool   `json:"AllowInsecureRedirect" help:"follow a redirect from https to http"`
	MaximumRetryCount     int64  `json:"MaximumRetryCount" help:"retries after a 429 or 5xx status or a failed connection"`
	RetryIntervalSec      int64  `json:"RetryIntervalSec" help:"seconds between retries when the server sends no Retry-After"`
	UserAgent             string `json:"UserAgent" help:"User-Agent header (default: a SysUpdate agent string)"`
	SessionFile           string `json:"SessionFile" help:"JSON cookie jar: loaded before the request and saved after it, so cookies last across runs"`

	// AllowUnencryptedAuthentication lets Credential travel over plain
	// http://, where anyone on the path can read it.
	AllowUnencryptedAuthentication bool `json:"AllowUnencryptedAuthentication" help:"send credentials over plain http"`

	// Credential answers an authentication challenge (Basic, NTLM,
	// Negotiate) from the requested host. It has no flag: it comes from the
	// request only.
	Credential *bridge.Credential `json:"Credential"`

	// UseDefaultCredentials answers a challenge as the logged-on Windows
	// user, through SSPI.
	UseDefaultCredentials bool `json:"UseDefaultCredentials" help:"authenticate to the server as the logged-on Windows user (Negotiate, NTLM; Windows only)"`

	// Router decides how connections reach their hosts; nil connects
	// directly.
	Router Router `json:"-"`
}

// Defaults returns the options a request starts from before its own
// parameters apply, matching the PowerShell cmdlets' defaults.
func Defaults() Options {
	return Options{TimeoutSec: DefaultTimeoutSec, MaximumRedirection: 5, RetryIntervalSec: 5}
}

// DefaultTimeoutSec bounds each phase of a request when TimeoutSec is 0,
// as Windows PowerShell's 100-second default does.
const DefaultTimeoutSec = 100

// DefaultUserAgent is sent when no UserAgent is given.
const DefaultUserAgent = "Mozilla/5.0 (compatible; SysUpdate)"

// versionRange turns an SslProtocol value into the TLS versions to allow.
// TLS 1.0 and 1.1 are refused outright rather than silently dropped, so a
// script that asks for them learns that it will not get them.
func versionRange(spec string) (minVersion, maxVersion uint16, err error) {
	minVersion, maxVersion = tls.VersionTLS12, tls.VersionTLS13
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return minVersion, maxVersion, nil
	}
	var allow12, allow13 bool
	for _, part := range strings.Split(spec, ",") {
		switch name := strings.TrimSpace(part); strings.ToLower(name) {
		case "default", "none", "":
			allow12, allow13 = true, true
		case "tls12":
			allow12 = true
		case "tls13":
			allow13 = true
		case "tls", "tls10", "tls11", "ssl3", "ssl2":
			return 0, 0, bridge.Usagef("SslProtocolRefused",
				"--ssl-protocol %s asks for a protocol older than TLS 1.2, which sysupdate never uses: "+
					"SSL 3.0, TLS 1.0 and TLS 1.1 are broken and turned off by current servers; "+
					"use Tls12 or Tls13, or leave --ssl-protocol out to get the best the server offers", name)
		default:
			return 0, 0, bridge.Usagef("SslProtocolUnknown",
				"--ssl-protocol takes Tls12, Tls13 or a comma-separated list of them, not %q", name)
		}
	}
	if !allow12 {
		minVersion = tls.VersionTLS13
	}
	if !allow13 {
		maxVersion = tls.VersionTLS12
	}
	return minVersion, maxVersion, nil
}

// versionName names a TLS version as people and the Windows settings do.
func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS 1.0"
	case tls.VersionTLS11:
		return "TLS 1.1"
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	}
	return "SSL 3.0 or older"
}
