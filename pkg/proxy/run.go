package proxy

import (
	"net/url"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// RunOptions are the parameters of the proxy command.
type RunOptions struct {
	Options
	URI string `json:"Uri" help:"the address whose route to explain (https://host/path)"`
}

// DecisionRecord is the payload of the SysUpdate.ProxyDecision record. It
// never holds credentials.
type DecisionRecord struct {
	URI string `json:"Uri"`
	// Proxy is the first proxy to try; empty when the request goes direct.
	Proxy string `json:"Proxy"`
	// Proxies lists every route in order; "DIRECT" means a direct
	// connection.
	Proxies    []string `json:"Proxies"`
	Direct     bool     `json:"Direct"`
	Source     Source   `json:"Source"`
	BypassRule string   `json:"BypassRule"`
	PacURL     string   `json:"PacUrl"`
	PacResult  string   `json:"PacResult"`
	// Authentication says which credentials would answer a proxy's
	// challenge: None, Credential, UserInfo or DefaultCredentials.
	Authentication string `json:"Authentication"`
}

// Run explains how a request to opts.URI would travel.
func Run(out *bridge.Writer, getenv func(string) string, opts *RunOptions) error {
	if opts.URI == "" {
		return bridge.Usagef("MissingUri", "--uri is required: the address whose route to explain")
	}
	u, err := url.Parse(opts.URI)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return bridge.Usagef("BadUri", "--uri must be an absolute http:// or https:// address").WithTarget(redactURI(opts.URI))
	}
	r, err := NewRouter(opts.Options, getenv, out)
	if err != nil {
		return err
	}
	d, err := r.Decide(u)
	if err != nil {
		return err
	}
	out.Output("SysUpdate.ProxyDecision", r.record(u, d))
	return nil
}

func (r *Router) record(u *url.URL, d Decision) DecisionRecord {
	rec := DecisionRecord{
		URI:            redactURI(u.String()),
		Proxies:        []string{},
		Direct:         d.Direct(),
		Source:         d.Source,
		BypassRule:     d.BypassRule,
		PacURL:         d.PACURL,
		PacResult:      d.PACResult,
		Authentication: "None",
	}
	for _, p := range d.Proxies {
		rec.Proxies = append(rec.Proxies, Redact(p))
		if p != nil && rec.Proxy == "" {
			rec.Proxy = Redact(p)
			rec.Authentication = r.authentication(p)
		}
	}
	return rec
}

func (r *Router) authentication(p *url.URL) string {
	switch {
	case r.opts.ProxyCredential != nil && (r.opts.ProxyCredential.UserName != "" || r.opts.ProxyCredential.Password != ""):
		return "Credential"
	case p.User != nil:
		return "UserInfo"
	case r.opts.ProxyUseDefaultCredentials:
		return "DefaultCredentials"
	}
	return "None"
}

// redactURI drops user info from an address before it is shown.
func redactURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable address)"
	}
	u.User = nil
	return u.String()
}
