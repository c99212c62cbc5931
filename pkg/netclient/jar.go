package netclient

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// sessionFormat is the version of the session file layout.
const sessionFormat = 1

// sessionFile is the JSON layout of a session file: the cookies servers
// set, each with the URL that set it, so that loading them back into a
// jar applies the same domain and path rules as when they arrived.
type sessionFile struct {
	Format  int             `json:"Format"`
	Cookies []sessionCookie `json:"Cookies"`
}

type sessionCookie struct {
	URL      string     `json:"Url"`
	Name     string     `json:"Name"`
	Value    string     `json:"Value"`
	Domain   string     `json:"Domain,omitempty"` // empty for a host-only cookie
	Path     string     `json:"Path,omitempty"`
	Expires  *time.Time `json:"Expires,omitempty"` // absent for a session cookie
	Secure   bool       `json:"Secure,omitempty"`
	HttpOnly bool       `json:"HttpOnly,omitempty"`
}

// key identifies a cookie as a jar does: a later one with the same key
// replaces it.
func (c sessionCookie) key() string {
	host := c.URL
	if u, err := url.Parse(c.URL); err == nil {
		host = u.Hostname()
	}
	return host + "\x00" + c.Domain + "\x00" + c.Path + "\x00" + c.Name
}

// sessionJar is a cookie jar that remembers what it was given, so it can
// be written to a session file and loaded by the next run. The standard
// jar does the matching; this one only keeps the record.
type sessionJar struct {
	*cookiejar.Jar
	path string

	mu      sync.Mutex
	cookies []sessionCookie
}

func loadSessionJar(path string) (*sessionJar, error) {
	inner, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	if err != nil {
		return nil, err
	}
	j := &sessionJar{Jar: inner, path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return j, nil // a new session
	}
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "SessionFileUnreadable", err, "read the session file").
			WithTarget(path).WithCategory("ReadError")
	}
	var f sessionFile
	if len(data) > 0 {
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, bridge.Usagef("SessionFileInvalid",
				"the session file %s is not a SysUpdate session (%v); delete it to start a new session", path, err).
				WithTarget(path)
		}
	}
	now := time.Now()
	for _, c := range f.Cookies {
		if c.Expires != nil && c.Expires.Before(now) {
			continue
		}
		u, err := url.Parse(c.URL)
		if err != nil {
			continue
		}
		j.SetCookies(u, []*http.Cookie{c.cookie()})
	}
	return j, nil
}

func (c sessionCookie) cookie() *http.Cookie {
	hc := &http.Cookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
		Secure: c.Secure, HttpOnly: c.HttpOnly}
	if c.Expires != nil {
		hc.Expires = *c.Expires
	}
	return hc
}

// SetCookies stores cookies in the jar and in the record to be saved.
func (j *sessionJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.Jar.SetCookies(u, cookies)
	now := time.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	origin := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	for _, hc := range cookies {
		sc := sessionCookie{URL: origin.String(), Name: hc.Name, Value: hc.Value, Domain: hc.Domain,
			Path: hc.Path, Secure: hc.Secure, HttpOnly: hc.HttpOnly}
		switch {
		case hc.MaxAge > 0:
			t := now.Add(time.Duration(hc.MaxAge) * time.Second).UTC()
			sc.Expires = &t
		case hc.MaxAge < 0:
			t := now.Add(-time.Second).UTC() // deleted
			sc.Expires = &t
		case !hc.Expires.IsZero():
			t := hc.Expires.UTC()
			sc.Expires = &t
		}
		j.replace(sc)
	}
}

// replace records sc in place of an earlier cookie with the same key.
func (j *sessionJar) replace(sc sessionCookie) {
	for i, old := range j.cookies {
		if old.key() == sc.key() {
			j.cookies = append(j.cookies[:i], j.cookies[i+1:]...)
			break
		}
	}
	j.cookies = append(j.cookies, sc)
}

// save writes the live cookies to the session file atomically, readable by
// its owner only: cookies are often credentials.
func (j *sessionJar) save() error {
	j.mu.Lock()
	f := sessionFile{Format: sessionFormat, Cookies: []sessionCookie{}}
	now := time.Now()
	for _, c := range j.cookies {
		if c.Expires == nil || c.Expires.After(now) {
			f.Cookies = append(f.Cookies, c)
		}
	}
	j.mu.Unlock()
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		return bridge.Wrap(bridge.KindLocal, "SessionFileUnwritable", err, "save the session file").
			WithTarget(j.path)
	}
	tmp, err := safefile.Create(filepath.Dir(j.path), filepath.Base(j.path))
	if err != nil {
		return fail(err)
	}
	defer tmp.Abort()
	tmp.Chmod(0o600) //nolint:errcheck // not supported everywhere; the content is what matters
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		return fail(err)
	}
	if err := tmp.Commit(j.path); err != nil {
		return fail(err)
	}
	return nil
}
