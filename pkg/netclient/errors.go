package netclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// classify turns a failed exchange into a *bridge.Error with a stable
// ErrorId. Errors already classified (TLS, redirects) pass through with
// the target added.
func (c *Client) classify(ctx context.Context, err error, u *url.URL) error {
	target := Redact(u)
	var e *bridge.Error
	if errors.As(err, &e) {
		if e.Target == "" {
			e.Target = target
		}
		return e
	}
	if ctx.Err() == context.Canceled {
		return ctx.Err() // interrupted: the caller reports it
	}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		e = bridge.Wrap(bridge.KindNetwork, "NameResolutionFailure", err,
			"the name %s could not be resolved", u.Hostname()).WithCategory("ResourceUnavailable")
	case isRefused(err):
		e = bridge.Wrap(bridge.KindNetwork, "ConnectionRefused", err,
			"%s refused the connection (nothing listens on port %s, or a firewall rejects it)",
			u.Hostname(), portOf(u))
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e = bridge.Wrap(bridge.KindNetwork, "Timeout", err,
			"no answer from %s within %s (raise --timeout-sec if the server is slow)", u.Host, c.timeout).
			WithCategory("OperationTimeout")
	case isClosed(err):
		e = bridge.Wrap(bridge.KindNetwork, "ConnectionClosed", err,
			"%s closed the connection before answering", u.Host)
	default:
		e = bridge.Wrap(bridge.KindNetwork, "ConnectionFailure", err, "request to %s failed", u.Host)
	}
	return e.WithTarget(target)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// StatusError returns nil for a successful response, or the error that an
// error status or an unfollowed redirect stands for (exit 4), with the
// status in its details. A redirect is unfollowed only when the limit of
// --maximum-redirection stopped it: the server keeps sending the client
// elsewhere, so the answer it gave is what failed.
func StatusError(resp *http.Response) error {
	code := resp.StatusCode
	target := Redact(resp.Request.URL)
	switch {
	case isRedirect(code) && resp.Header.Get("Location") != "":
		return bridge.New(bridge.KindHTTPStatus, "MaximumRedirectExceeded",
			"%s still redirects (%s to %s) after the number of redirects --maximum-redirection allows",
			target, resp.Status, resp.Header.Get("Location")).
			WithTarget(target).WithCategory("InvalidOperation").
			WithDetail("StatusCode", code).WithDetail("Location", resp.Header.Get("Location"))
	case code >= 400:
		return bridge.New(bridge.KindHTTPStatus, "HttpError",
			"the server answered %s", statusLine(resp)).
			WithTarget(target).WithCategory(statusCategory(code)).
			WithDetail("StatusCode", code).WithDetail("StatusDescription", StatusDescription(resp))
	}
	return nil
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func statusLine(resp *http.Response) string {
	return fmt.Sprintf("%d (%s)", resp.StatusCode, StatusDescription(resp))
}

// StatusDescription is the reason phrase of a response, as the server sent
// it on HTTP/1 and as the standard names it on HTTP/2, which has none.
func StatusDescription(resp *http.Response) string {
	code := fmt.Sprint(resp.StatusCode)
	if len(resp.Status) > len(code)+1 && resp.Status[:len(code)] == code {
		return resp.Status[len(code)+1:]
	}
	return http.StatusText(resp.StatusCode)
}

// statusCategory maps a status to the ErrorCategory PowerShell users expect.
func statusCategory(code int) string {
	switch {
	case code == 401 || code == 403:
		return "PermissionDenied"
	case code == 404 || code == 410:
		return "ObjectNotFound"
	case code == 408 || code == 504:
		return "OperationTimeout"
	case code >= 500:
		return "ResourceUnavailable"
	}
	return "InvalidOperation"
}

// idleBody bounds each read of a response body by the client's timeout,
// not the transfer as a whole: a large download may take hours, but a
// connection silent for the timeout is dead.
type idleBody struct {
	body    io.ReadCloser
	timeout time.Duration
	timer   *time.Timer
	fired   int32
	cancel  context.CancelFunc
	target  string
}

func newIdleBody(body io.ReadCloser, timeout time.Duration, cancel context.CancelFunc, target string) *idleBody {
	b := &idleBody{body: body, timeout: timeout, cancel: cancel, target: target}
	b.timer = time.AfterFunc(timeout, func() {
		atomic.StoreInt32(&b.fired, 1)
		cancel()
	})
	b.timer.Stop()
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.timeout)
	n, err := b.body.Read(p)
	b.timer.Stop()
	if err == nil || err == io.EOF {
		return n, err
	}
	if atomic.LoadInt32(&b.fired) == 1 {
		return n, bridge.Wrap(bridge.KindNetwork, "Timeout", err,
			"no data from the server for %s while reading the response (raise --timeout-sec if it is slow)",
			b.timeout).WithTarget(b.target).WithCategory("OperationTimeout")
	}
	var e *bridge.Error
	if errors.As(err, &e) || errors.Is(err, context.Canceled) {
		return n, err
	}
	return n, bridge.Wrap(bridge.KindNetwork, "ConnectionClosed", err,
		"the connection broke before the whole response arrived").WithTarget(b.target)
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.body.Close()
	b.cancel()
	return err
}
