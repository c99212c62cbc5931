package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/httpauth"
)

// handshakeTimeout bounds a CONNECT exchange when the caller's context
// sets no deadline.
const handshakeTimeout = 60 * time.Second

// maxAuthRounds bounds the 407 exchanges on one tunnel: NTLM needs two,
// Negotiate rarely more than three.
const maxAuthRounds = 4

// ProxyForHTTP returns the proxy for a plain-HTTP request, or nil to go
// directly: the first route whose proxy can be reached. Basic credentials
// travel as the URL's user info, which Go's transport sends as a
// Proxy-Authorization header; NTLM and Negotiate need the transport
// wrapped by WrapHTTP as well.
func (r *Router) ProxyForHTTP(req *http.Request) (*url.URL, error) {
	if !strings.EqualFold(req.URL.Scheme, "http") {
		return nil, nil // HTTPS travels through DialTunnel
	}
	d, err := r.Decide(req.URL)
	if err != nil {
		return nil, err
	}
	var last *url.URL
	for _, p := range d.Proxies {
		if p == nil {
			return nil, nil
		}
		if last = p; !r.reachable(req.Context(), p) {
			continue
		}
		if creds := r.credentials(p); creds.UserName != "" && !creds.UseDefault {
			c := *p
			c.User = url.UserPassword(creds.UserName, creds.Password)
			return &c, nil
		}
		return p, nil
	}
	if last == nil {
		return nil, nil
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return nil, unreachableError(last, d, r.deadError(last))
}

// reachable reports whether a TCP connection to the proxy opens. The
// answer is kept for the run: a dead proxy costs one timeout, a live one
// one extra connection.
func (r *Router) reachable(ctx context.Context, p *url.URL) bool {
	if r.deadError(p) != nil {
		return false
	}
	r.mu.Lock()
	alive := r.alive[p.Host]
	r.mu.Unlock()
	if alive {
		return true
	}
	conn, err := r.Dial(ctx, "tcp", p.Host)
	if err != nil {
		if ctx.Err() == nil {
			r.markDead(p, err)
		}
		return false
	}
	conn.Close()
	r.mu.Lock()
	r.alive[p.Host] = true
	r.mu.Unlock()
	return true
}

func (r *Router) deadError(p *url.URL) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dead[p.Host]
}

func (r *Router) markDead(p *url.URL, err error) {
	r.mu.Lock()
	r.dead[p.Host] = err
	r.mu.Unlock()
	r.out.Verbosef("proxy %s cannot be reached: %v", Redact(p), err)
}

// DialTunnel returns a connection to addr (host:port) for a TLS session:
// direct, or a CONNECT tunnel through the first proxy of the decision that
// can be reached, authenticated as the proxy demands.
func (r *Router) DialTunnel(ctx context.Context, addr string) (net.Conn, error) {
	conn, _, err := r.dialTunnel(ctx, addr)
	return conn, err
}

// dialTunnel is DialTunnel that also says which proxy carries the tunnel
// (nil when direct).
func (r *Router) dialTunnel(ctx context.Context, addr string) (net.Conn, *url.URL, error) {
	target := &url.URL{Scheme: "https", Host: addr}
	d, err := r.Decide(target)
	if err != nil {
		return nil, nil, err
	}
	if len(d.Proxies) == 0 {
		conn, err := r.dialDirect(ctx, addr)
		return conn, nil, err
	}
	var lastErr error
	var lastProxy *url.URL
	for _, p := range d.Proxies {
		if p == nil {
			conn, err := r.dialDirect(ctx, addr)
			return conn, nil, err
		}
		if err := r.deadError(p); err != nil {
			lastErr, lastProxy = err, p
			continue
		}
		conn, err := r.Dial(ctx, "tcp", p.Host)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			r.markDead(p, err)
			lastErr, lastProxy = err, p
			continue
		}
		tunnel, err := r.connect(ctx, conn, p, d, addr)
		return tunnel, p, err
	}
	return nil, nil, unreachableError(lastProxy, d, lastErr)
}

func (r *Router) dialDirect(ctx context.Context, addr string) (net.Conn, error) {
	conn, err := r.Dial(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, bridge.Wrap(bridge.KindNetwork, "ConnectFailed", err, "connect to %s", addr).
			WithTarget(addr)
	}
	return conn, nil
}

func unreachableError(p *url.URL, d Decision, cause error) *bridge.Error {
	msg := fmt.Sprintf("cannot reach proxy %s (%s)", Redact(p), d.Source)
	if len(d.Proxies) > 1 {
		msg = fmt.Sprintf("cannot reach any proxy of %s (%s)", describeList(d.Proxies), d.Source)
	}
	return bridge.Wrap(bridge.KindNetwork, "ProxyUnreachable", cause, "%s", msg).
		WithTarget(Redact(p)).WithDetail("Proxy", Redact(p))
}

func describeList(ps []*url.URL) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = Redact(p)
	}
	return strings.Join(names, ", ")
}

// credentials returns what the Router may answer the proxy's challenge
// with: the request's ProxyCredential, else the proxy URL's user info,
// else the logged-on user when asked for.
func (r *Router) credentials(p *url.URL) httpauth.Credentials {
	if c := r.opts.ProxyCredential; c != nil && (c.UserName != "" || c.Password != "") {
		return httpauth.Credentials{UserName: c.UserName, Password: c.Password}
	}
	if p.User != nil {
		pw, _ := p.User.Password()
		return httpauth.Credentials{UserName: p.User.Username(), Password: pw}
	}
	if r.opts.ProxyUseDefaultCredentials {
		return httpauth.Credentials{UseDefault: true}
	}
	return httpauth.Credentials{}
}

// connect runs the CONNECT exchange on conn, answering 407 challenges on
// the same connection for the schemes that need it, and returns the
// tunnel. conn is closed on failure.
func (r *Router) connect(ctx context.Context, conn net.Conn, p *url.URL, d Decision, addr string) (net.Conn, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(handshakeTimeout)
	}
	h := &handshake{r: r, proxy: p, addr: addr, decision: d}
	tunnel, err := h.run(ctx, conn, deadline)
	if err != nil {
		if h.conn != nil {
			h.conn.Close()
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return tunnel, nil
}

// handshake is one CONNECT exchange, which may take several connections
// when a proxy closes the connection after a 407.
type handshake struct {
	r        *Router
	proxy    *url.URL
	addr     string
	decision Decision
	br       *bufio.Reader

	mu   sync.Mutex // guards conn, which a cancellation closes
	conn net.Conn
}

func (h *handshake) run(ctx context.Context, conn net.Conn, deadline time.Time) (net.Conn, error) {
	h.use(conn, deadline)
	stop := closeOnCancel(ctx, func() {
		h.mu.Lock()
		h.conn.Close()
		h.mu.Unlock()
	})
	defer stop()

	resp, err := h.send(ctx, "")
	if err != nil {
		return nil, err
	}
	var session httpauth.Session
	defer func() {
		if session != nil {
			session.Close()
		}
	}()
	var token []byte
	for round := 0; resp.StatusCode == http.StatusProxyAuthRequired; round++ {
		offered := httpauth.ParseChallenges(resp.Header.Values("Proxy-Authenticate"))
		if session == nil {
			session, err = httpauth.Start(offered, h.r.credentials(h.proxy), h.proxy.Hostname())
			if err != nil {
				return nil, h.authRequired(offered, err)
			}
		} else {
			c, ok := httpauth.Find(offered, session.Scheme())
			if !ok || len(c.Token) == 0 || round >= maxAuthRounds {
				return nil, h.authFailed(session.Scheme(), offered)
			}
			token = c.Token
		}
		if closing(resp) {
			if session.ConnectionBound() && token != nil {
				return nil, h.authFailed(session.Scheme(), offered)
			}
			if err := h.redial(ctx, deadline); err != nil {
				return nil, err
			}
		}
		header, err := session.Step(token)
		if httpauth.IsRejected(err) {
			return nil, h.authFailed(session.Scheme(), offered)
		}
		if err != nil {
			return nil, bridge.Wrap(bridge.KindNetwork, "ProxyAuthenticationFailed", err,
				"authenticate to proxy %s with %s", Redact(h.proxy), session.Scheme()).
				WithTarget(Redact(h.proxy))
		}
		if resp, err = h.send(ctx, header); err != nil {
			return nil, err
		}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, bridge.New(bridge.KindNetwork, "ProxyRefused",
			"proxy %s refused the tunnel to %s: %s", Redact(h.proxy), h.addr, resp.Status).
			WithTarget(Redact(h.proxy)).WithDetail("StatusCode", resp.StatusCode)
	}
	h.conn.SetDeadline(time.Time{})
	if n := h.br.Buffered(); n > 0 {
		early, _ := h.br.Peek(n)
		return &prefixedConn{Conn: h.conn, pending: append([]byte(nil), early...)}, nil
	}
	return h.conn, nil
}

func (h *handshake) use(conn net.Conn, deadline time.Time) {
	h.mu.Lock()
	h.conn = conn
	h.mu.Unlock()
	h.br = bufio.NewReader(conn)
	conn.SetDeadline(deadline)
}

func (h *handshake) redial(ctx context.Context, deadline time.Time) error {
	h.conn.Close()
	conn, err := h.r.Dial(ctx, "tcp", h.proxy.Host)
	if err != nil {
		return unreachableError(h.proxy, h.decision, err)
	}
	h.use(conn, deadline)
	return nil
}

// send writes one CONNECT request and reads the answer, draining its body
// so the connection can carry the next round.
func (h *handshake) send(ctx context.Context, authorization string) (*http.Response, error) {
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: h.addr},
		Host:   h.addr,
		Header: http.Header{},
	}
	if authorization != "" {
		req.Header.Set("Proxy-Authorization", authorization)
	}
	req.Header.Set("Proxy-Connection", "Keep-Alive")
	req.Header.Set("User-Agent", "sysupdate")
	if err := req.Write(h.conn); err != nil {
		return nil, h.ioError(ctx, "send CONNECT", err)
	}
	resp, err := http.ReadResponse(h.br, req)
	if err != nil {
		return nil, h.ioError(ctx, "read the answer to CONNECT", err)
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) //nolint:errcheck // a short body only costs the connection
		resp.Body.Close()
	}
	return resp, nil
}

func (h *handshake) ioError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return bridge.Wrap(bridge.KindNetwork, "ProxyProtocolError", err, "proxy %s: %s", Redact(h.proxy), what).
		WithTarget(Redact(h.proxy))
}

// authRequired is the error for a 407 the Router has no answer to. It
// names the proxy and the schemes it offered, so an administrator can tell
// which credentials it wants.
func (h *handshake) authRequired(offered []httpauth.Challenge, cause error) error {
	schemes := strings.Join(httpauth.Schemes(offered), ", ")
	if schemes == "" {
		schemes = "no scheme"
	}
	creds := h.r.credentials(h.proxy)
	var msg string
	switch {
	case !creds.Usable():
		msg = fmt.Sprintf("proxy %s requires authentication (it offers %s) and no credentials were given: "+
			"pass ProxyCredential in the request, user info in --proxy, or ProxyUseDefaultCredentials on Windows",
			Redact(h.proxy), schemes)
	case errors.Is(cause, httpauth.ErrNoUsableScheme):
		msg = fmt.Sprintf("proxy %s requires authentication with %s, which the given credentials cannot answer here",
			Redact(h.proxy), schemes)
	default:
		msg = fmt.Sprintf("proxy %s requires authentication (it offers %s): %v", Redact(h.proxy), schemes, cause)
	}
	return bridge.New(bridge.KindNetwork, "ProxyAuthenticationRequired", "%s", msg).
		WithCategory("AuthenticationError").WithTarget(Redact(h.proxy)).
		WithDetail("Proxy", Redact(h.proxy)).WithDetail("Schemes", httpauth.Schemes(offered))
}

func (h *handshake) authFailed(scheme string, offered []httpauth.Challenge) error {
	return bridge.New(bridge.KindNetwork, "ProxyAuthenticationFailed",
		"proxy %s refused the credentials (%s)", Redact(h.proxy), scheme).
		WithCategory("AuthenticationError").WithTarget(Redact(h.proxy)).
		WithDetail("Proxy", Redact(h.proxy)).WithDetail("Schemes", httpauth.Schemes(offered))
}

// closing reports whether the proxy will close the connection after resp.
func closing(resp *http.Response) bool {
	if resp.Close {
		return true
	}
	for _, v := range resp.Header.Values("Proxy-Connection") {
		if strings.EqualFold(strings.TrimSpace(v), "close") {
			return true
		}
	}
	return false
}

// closeOnCancel runs cancel when ctx ends before the returned stop is
// called, so a blocked read gives up.
func closeOnCancel(ctx context.Context, cancel func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			cancel()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// prefixedConn returns bytes the handshake read past the proxy's answer
// before reading from the connection again.
type prefixedConn struct {
	net.Conn
	pending []byte
}

func (c *prefixedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// WrapHTTP wraps the transport of plain-HTTP requests so that a proxy's
// 407 is answered with NTLM, Negotiate or Basic on the kept-alive
// connection to the proxy, and a 407 that cannot be answered becomes the
// same error a tunnel gives (exit 3, naming the proxy and its schemes)
// rather than an HTTP status.
func (r *Router) WrapHTTP(base http.RoundTripper) http.RoundTripper {
	return &proxyAuthTransport{r: r, base: base}
}

type proxyAuthTransport struct {
	r    *Router
	base http.RoundTripper
}

func (t *proxyAuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p, err := t.r.ProxyForHTTP(req)
	if err != nil || p == nil {
		if err != nil {
			return nil, err
		}
		return t.base.RoundTrip(req)
	}
	auth := &httpauth.Transport{Base: t.base, Credentials: t.r.credentials(p), Proxy: true}
	resp, err := auth.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusProxyAuthRequired {
		return resp, err
	}
	offered := httpauth.ParseChallenges(resp.Header.Values("Proxy-Authenticate"))
	resp.Body.Close()
	h := &handshake{r: t.r, proxy: p, addr: req.URL.Host}
	session, err := httpauth.Start(offered, auth.Credentials, p.Hostname())
	if err != nil {
		return nil, h.authRequired(offered, err)
	}
	session.Close()
	return nil, h.authFailed(session.Scheme(), offered)
}
