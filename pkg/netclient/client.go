// Package netclient is the HTTP client of every command that goes online:
// the TLS policy (never below TLS 1.2) and its roots, the route through a
// proxy or direct, per-phase timeouts, redirects, retries, Basic, NTLM and
// Negotiate authentication, a cookie jar kept in a session file, and errors
// classified for people and exit codes.
package netclient

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/httpauth"
)

// Client sends requests with one set of options. Create it with New and
// Close it when done, which saves the session file.
type Client struct {
	opts    Options
	out     *bridge.Writer
	tls     *tls.Config // the policy; each connection works on a clone
	timeout time.Duration
	http    *http.Client
	jar     *sessionJar
	creds   httpauth.Credentials // answers a server's 401
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
}

// maxRetryAfter caps the wait a server can ask for between retries, so a
// bad Retry-After cannot hang a login script for days.
const maxRetryAfter = time.Hour

// New checks the options and builds a client. Usage errors (exit 2) report
// a bad option; the client itself opens no connection yet.
func New(opts Options, out *bridge.Writer) (*Client, error) {
	for _, n := range []struct {
		name  string
		value int64
	}{
		{"--timeout-sec", opts.TimeoutSec},
		{"--maximum-redirection", opts.MaximumRedirection},
		{"--maximum-retry-count", opts.MaximumRetryCount},
		{"--retry-interval-sec", opts.RetryIntervalSec},
	} {
		if n.value < 0 {
			return nil, bridge.Usagef("NegativeValue", "%s must be 0 or more, not %d", n.name, n.value)
		}
	}
	cfg, err := tlsConfig(opts)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(opts.TimeoutSec) * time.Second
	if timeout == 0 {
		timeout = DefaultTimeoutSec * time.Second
	}
	c := &Client{opts: opts, out: out, tls: cfg, timeout: timeout,
		now: time.Now, sleep: sleepContext}
	if opts.SkipCertificateCheck {
		out.Warningf("certificate checks are off (--skip-certificate-check): " +
			"anyone on the network path can read and change this transfer")
	}
	if opts.SessionFile != "" {
		if c.jar, err = loadSessionJar(opts.SessionFile); err != nil {
			return nil, err
		}
	}

	transport := &http.Transport{
		Proxy:                 c.proxyForHTTP,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		DialTLSContext:        c.dialTLS,
		TLSClientConfig:       cfg.Clone(),
		ResponseHeaderTimeout: timeout,
		TLSHandshakeTimeout:   timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		// Encodings are asked for and decoded by the caller: a download
		// must see the bytes and lengths as sent, a web response both
		// gzip and deflate.
		DisableCompression: true,
		ReadBufferSize:     64 << 10,
		WriteBufferSize:    64 << 10,
	}
	// A plain-HTTP request through a proxy that asks for NTLM or
	// Negotiate is answered by the router, which knows the proxy.
	var rt http.RoundTripper = transport
	if w, ok := opts.Router.(interface {
		WrapHTTP(http.RoundTripper) http.RoundTripper
	}); ok {
		rt = w.WrapHTTP(rt)
	}
	c.http = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	if opts.Credential != nil {
		c.creds = httpauth.Credentials{UserName: opts.Credential.UserName, Password: opts.Credential.Password}
	}
	c.creds.UseDefault = opts.UseDefaultCredentials
	if c.jar != nil {
		c.http.Jar = c.jar
	}
	return c, nil
}

// Close releases idle connections and saves the session file, if any.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	if c.jar != nil {
		return c.jar.save()
	}
	return nil
}

// Timeout is the bound on each phase of a request.
func (c *Client) Timeout() time.Duration { return c.timeout }

func (c *Client) proxyForHTTP(req *http.Request) (*url.URL, error) {
	// HTTPS is tunnelled by dialTLS; only plain HTTP goes to a proxy as a
	// request.
	if c.opts.Router == nil || req.URL.Scheme != "http" {
		return nil, nil
	}
	return c.opts.Router.ProxyForHTTP(req)
}

// Do sends req, following redirects and retrying as the options say, and
// returns the response whatever its status: callers decide with
// StatusError. The response body fails with a Timeout error when no data
// arrives for the client's timeout. A request with a body must set
// GetBody (NewRequest does) to be retried or re-sent with credentials.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		ua := c.opts.UserAgent
		if ua == "" {
			ua = DefaultUserAgent
		}
		req.Header.Set("User-Agent", ua)
	}
	if c.opts.Credential != nil && req.URL.Scheme != "https" && !c.opts.AllowUnencryptedAuthentication {
		return nil, bridge.Usagef("UnencryptedAuthentication",
			"a credential would travel unencrypted to %s: use https, or allow it with --allow-unencrypted-authentication",
			Redact(req.URL)).WithTarget(Redact(req.URL))
	}
	attempts := c.opts.MaximumRetryCount + 1
	for attempt := int64(1); ; attempt++ {
		resp, err := c.sendAuthenticated(req)
		wait, why := c.retryWait(resp, err)
		if why == "" || attempt >= attempts {
			return resp, err
		}
		if resp != nil {
			drain(resp.Body)
		}
		c.out.Verbosef("%s; retrying in %s (retry %d of %d)", why, wait, attempt, attempts-1)
		if err := c.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

// sendAuthenticated sends req once and, when the options hold credentials,
// answers a 401 from the requested host with Basic, NTLM or Negotiate. A
// redirect to another host never receives them, and an Authorization
// header the caller set is left alone.
func (c *Client) sendAuthenticated(req *http.Request) (*http.Response, error) {
	if !c.creds.Usable() || req.Header.Get("Authorization") != "" {
		return c.send(c.http, req)
	}
	withAuth := *c.http
	withAuth.Transport = &httpauth.Transport{
		Base:                  c.http.Transport,
		Credentials:           c.creds,
		Host:                  req.URL.Hostname(),
		AllowUnencryptedBasic: c.opts.AllowUnencryptedAuthentication,
	}
	return c.send(&withAuth, req)
}

// send makes one exchange, redirects included, and arms the idle-read
// deadline on the body.
func (c *Client) send(hc *http.Client, req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, c.classify(req.Context(), err, req.URL)
	}
	resp.Body = newIdleBody(resp.Body, c.timeout, cancel, Redact(resp.Request.URL))
	return resp, nil
}

// checkRedirect enforces the redirect limit, refuses a downgrade from https
// to http, and keeps credentials from reaching another host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if int64(len(via)) > c.opts.MaximumRedirection {
		return http.ErrUseLastResponse // StatusError reports it
	}
	prev := via[len(via)-1]
	if prev.URL.Scheme == "https" && req.URL.Scheme == "http" && !c.opts.AllowInsecureRedirect {
		return bridge.New(bridge.KindNetwork, "InsecureRedirect",
			"%s redirected to %s, which is not encrypted: refused; allow it with --allow-insecure-redirect",
			Redact(prev.URL), Redact(req.URL)).WithCategory("SecurityError").WithTarget(Redact(req.URL))
	}
	// Go drops these for another domain but keeps them for a subdomain or
	// another port; a credential is meant for one server only.
	if origin(req.URL) != origin(via[0].URL) {
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	c.out.Verbosef("redirected to %s", Redact(req.URL))
	return nil
}

// retryWait decides whether an outcome is worth another try, and how long
// to wait first. why is empty when it is not.
func (c *Client) retryWait(resp *http.Response, err error) (wait time.Duration, why string) {
	interval := time.Duration(c.opts.RetryIntervalSec) * time.Second
	if err != nil {
		var e *bridge.Error
		if errors.As(err, &e) && retryableFailure[e.ID] {
			return interval, e.Message
		}
		return 0, ""
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return 0, ""
	}
	why = "the server answered " + resp.Status
	if d, ok := retryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
		if d > maxRetryAfter {
			d = maxRetryAfter
		}
		return d, why + " with Retry-After " + resp.Header.Get("Retry-After")
	}
	return interval, why
}

// retryableFailure lists the failures another attempt may get past.
var retryableFailure = map[string]bool{
	"Timeout":               true,
	"ConnectionRefused":     true,
	"ConnectionClosed":      true,
	"ConnectionFailure":     true,
	"NameResolutionFailure": true,
}

// retryAfter parses a Retry-After value: seconds, or an HTTP date.
func retryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	d := when.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// rewind returns a copy of req whose body starts again from the beginning.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, nil
	}
	if req.GetBody == nil {
		return nil, bridge.New(bridge.KindInternal, "BodyNotReplayable",
			"the request body cannot be sent a second time")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "BodyUnreadable", err, "reopen the request body").
			WithCategory("ReadError")
	}
	r.Body = body
	return r, nil
}

// origin is scheme, host and port: what one server is.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// Redact returns u without its user info, for messages and records.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	return c.String()
}

// drain reads what is left of a body, within reason, so the connection can
// be reused, and closes it.
func drain(body io.ReadCloser) {
	io.CopyN(io.Discard, body, 64<<10) //nolint:errcheck // best effort
	body.Close()
}

// Verbose writes a Verbose record through the client's writer, for the
// packages that build on the client.
func (c *Client) Verbose(format string, args ...any) { c.out.Verbosef(format, args...) }

// RetryPolicy says how many more attempts a caller may make at a transfer
// that broke off after the response began, and how long to wait before
// each: the same budget Do spends on failed exchanges.
func (c *Client) RetryPolicy() (count int64, interval time.Duration) {
	return c.opts.MaximumRetryCount, time.Duration(c.opts.RetryIntervalSec) * time.Second
}

// Retryable reports whether err is a failure another attempt may get past:
// a broken or silent connection, not a refusal by policy or by the server.
func Retryable(err error) bool {
	var e *bridge.Error
	return errors.As(err, &e) && retryableFailure[e.ID]
}

// Sleep waits for d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error { return sleepContext(ctx, d) }
