//go:build windows

package proxy

import (
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The system settings come from WinHTTP, called directly rather than
// through a wrapper library, because the decision must say which setting
// spoke, keep every entry of a PAC answer, and bound the PAC lookup with
// a timeout.

var (
	winhttp                                   = windows.NewLazySystemDLL("winhttp.dll")
	procWinHttpGetIEProxyConfigForCurrentUser = winhttp.NewProc("WinHttpGetIEProxyConfigForCurrentUser")
	procWinHttpGetDefaultProxyConfiguration   = winhttp.NewProc("WinHttpGetDefaultProxyConfiguration")
	procWinHttpOpen                           = winhttp.NewProc("WinHttpOpen")
	procWinHttpCloseHandle                    = winhttp.NewProc("WinHttpCloseHandle")
	procWinHttpSetTimeouts                    = winhttp.NewProc("WinHttpSetTimeouts")
	procWinHttpGetProxyForUrl                 = winhttp.NewProc("WinHttpGetProxyForUrl")

	kernel32       = windows.NewLazySystemDLL("kernel32.dll")
	procGlobalFree = kernel32.NewProc("GlobalFree")
)

// WinHTTP constants (winhttp.h).
const (
	winhttpAccessTypeNoProxy    = 1
	winhttpAccessTypeNamedProxy = 3
	winhttpAutoproxyAutoDetect  = 0x1
	winhttpAutoproxyConfigURL   = 0x2
	winhttpAutoDetectTypeDHCP   = 0x1
	winhttpAutoDetectTypeDNSA   = 0x2
)

type winhttpCurrentUserIEProxyConfig struct {
	fAutoDetect       int32
	lpszAutoConfigURL *uint16
	lpszProxy         *uint16
	lpszProxyBypass   *uint16
}

type winhttpProxyInfo struct {
	dwAccessType    uint32
	lpszProxy       *uint16
	lpszProxyBypass *uint16
}

type winhttpAutoproxyOptions struct {
	dwFlags                uint32
	dwAutoDetectFlags      uint32
	lpszAutoConfigURL      *uint16
	lpvReserved            uintptr
	dwReserved             uint32
	fAutoLogonIfChallenged int32
}

// systemSettings are the user's and the machine's settings, read once.
type systemSettings struct {
	autoDetect    bool
	autoConfigURL string
	ie            staticSetting
	winhttp       staticSetting
	scriptFailed  atomic.Bool // a PAC or WPAD lookup failed; not retried this run
}

// takeString copies and frees a string WinHTTP allocated.
func takeString(p *uint16) string {
	if p == nil {
		return ""
	}
	s := windows.UTF16PtrToString(p)
	procGlobalFree.Call(uintptr(unsafe.Pointer(p)))
	return s
}

// loadSystem reads the per-user IE settings and the WinHTTP default.
func (r *Router) loadSystem() *systemSettings {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.system != nil {
		return r.system
	}
	s := &systemSettings{}
	var ie winhttpCurrentUserIEProxyConfig
	if err := procWinHttpGetIEProxyConfigForCurrentUser.Find(); err == nil {
		ok, _, callErr := procWinHttpGetIEProxyConfigForCurrentUser.Call(uintptr(unsafe.Pointer(&ie)))
		if ok != 0 {
			s.autoDetect = ie.fAutoDetect != 0
			s.autoConfigURL = takeString(ie.lpszAutoConfigURL)
			s.ie.ProxyServer = takeString(ie.lpszProxy)
			s.ie.Bypass = takeString(ie.lpszProxyBypass)
		} else {
			r.out.Verbosef("WinHttpGetIEProxyConfigForCurrentUser failed (%v); reading the Internet Settings values instead", callErr)
			s.readRegistry()
		}
	} else {
		s.readRegistry()
	}
	var def winhttpProxyInfo
	if ok, _, _ := procWinHttpGetDefaultProxyConfiguration.Call(uintptr(unsafe.Pointer(&def))); ok != 0 {
		proxy, bypass := takeString(def.lpszProxy), takeString(def.lpszProxyBypass)
		if def.dwAccessType == winhttpAccessTypeNamedProxy {
			s.winhttp = staticSetting{ProxyServer: proxy, Bypass: bypass}
		}
	}
	r.out.Verbosef("system proxy settings: IE proxy %q, bypass %q, auto-config URL %q, auto-detect %v; WinHTTP default %q, bypass %q",
		redactSetting(s.ie.ProxyServer), s.ie.Bypass, s.autoConfigURL, s.autoDetect,
		redactSetting(s.winhttp.ProxyServer), s.winhttp.Bypass)
	r.system = s
	return s
}

// readRegistry reads the Internet Settings values the Internet Options
// dialog writes, for systems where WinHTTP cannot report them.
func (s *systemSettings) readRegistry() {
	k, err := registry.OpenKey(registry.CURRENT_USER,
		`Software\Microsoft\Windows\CurrentVersion\Internet Settings`, registry.QUERY_VALUE)
	if err != nil {
		return
	}
	defer k.Close()
	if enabled, _, err := k.GetIntegerValue("ProxyEnable"); err == nil && enabled != 0 {
		s.ie.ProxyServer, _, _ = k.GetStringValue("ProxyServer")
		s.ie.Bypass, _, _ = k.GetStringValue("ProxyOverride")
	}
	s.autoConfigURL, _, _ = k.GetStringValue("AutoConfigURL")
}

// fromSystem applies the Windows settings in the order Windows does: a
// configured auto-config script, automatic detection, the static IE proxy,
// then the WinHTTP default.
func (r *Router) fromSystem(u *url.URL) (Decision, bool) {
	s := r.loadSystem()
	if !s.scriptFailed.Load() && s.autoConfigURL != "" {
		if d, err := r.runScript(u, s.autoConfigURL); err == nil {
			return d, true
		} else {
			s.scriptFailed.Store(true)
			r.out.Warningf("the proxy auto-config script %s gave no answer for %s (%v); using the static proxy settings",
				s.autoConfigURL, u.Host, err)
		}
	}
	if !s.scriptFailed.Load() && s.autoDetect {
		if d, err := r.runScript(u, ""); err == nil {
			return d, true
		} else {
			s.scriptFailed.Store(true)
			if errors.Is(err, errLookupTimeout) {
				r.out.Warningf("automatic proxy detection (WPAD) did not answer within %v; using the static proxy settings", r.LookupTimeout)
			} else {
				r.out.Verbosef("automatic proxy detection (WPAD) found no script: %v", err)
			}
		}
	}
	for _, st := range []struct {
		setting staticSetting
		source  Source
	}{{s.ie, SourceIE}, {s.winhttp, SourceWinHTTP}} {
		d, ok, err := decideStatic(u, st.setting, st.source)
		if err != nil {
			r.out.Warningf("the %s proxy setting %q cannot be used: %v", st.source, redactSetting(st.setting.ProxyServer), err)
			continue
		}
		if ok {
			return d, true
		}
	}
	return Decision{}, false
}

var errLookupTimeout = errors.New("timed out")

// runScript asks WinHTTP to run the auto-config script at scriptURL (or to
// find one by WPAD when scriptURL is empty) for u, within the lookup
// timeout. A lookup that does not return in time is abandoned: its thread
// finishes or hangs on its own, and the run goes on without it.
func (r *Router) runScript(u *url.URL, scriptURL string) (Decision, error) {
	type answer struct {
		proxy, url string
		err        error
	}
	done := make(chan answer, 1)
	go func() {
		p, used, err := evaluatePAC(u, scriptURL, r.LookupTimeout)
		done <- answer{p, used, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-time.After(r.LookupTimeout):
		return Decision{}, errLookupTimeout
	}
	if a.err != nil {
		return Decision{}, a.err
	}
	routes, err := ParsePACResult(a.proxy)
	if err != nil {
		return Decision{}, err
	}
	source := SourcePAC
	if scriptURL == "" {
		source = SourceWPAD
	}
	d := Decision{Source: source, PACURL: a.url, PACResult: a.proxy}
	if len(routes) == 1 && routes[0] == nil {
		return d, nil
	}
	d.Proxies = routes
	return d, nil
}

// getProxyForURL calls WinHttpGetProxyForUrl and returns WinHTTP's proxy
// list; an answer of DIRECT comes back as "".
func getProxyForURL(target, scriptURL string, timeout time.Duration) (string, error) {
	if err := procWinHttpGetProxyForUrl.Find(); err != nil {
		return "", err
	}
	session, _, err := procWinHttpOpen.Call(0, winhttpAccessTypeNoProxy, 0, 0, 0)
	if session == 0 {
		return "", fmt.Errorf("WinHttpOpen: %w", err)
	}
	defer procWinHttpCloseHandle.Call(session)
	ms := uintptr(timeout / time.Millisecond)
	procWinHttpSetTimeouts.Call(session, ms, ms, ms, ms)

	targetPtr, err := windows.UTF16PtrFromString(target)
	if err != nil {
		return "", err
	}
	opts := winhttpAutoproxyOptions{fAutoLogonIfChallenged: 1}
	if scriptURL != "" {
		opts.dwFlags = winhttpAutoproxyConfigURL
		if opts.lpszAutoConfigURL, err = windows.UTF16PtrFromString(scriptURL); err != nil {
			return "", err
		}
	} else {
		opts.dwFlags = winhttpAutoproxyAutoDetect
		opts.dwAutoDetectFlags = winhttpAutoDetectTypeDHCP | winhttpAutoDetectTypeDNSA
	}
	var info winhttpProxyInfo
	ok, _, callErr := procWinHttpGetProxyForUrl.Call(session, uintptr(unsafe.Pointer(targetPtr)),
		uintptr(unsafe.Pointer(&opts)), uintptr(unsafe.Pointer(&info)))
	proxy, _ := takeString(info.lpszProxy), takeString(info.lpszProxyBypass)
	if ok == 0 {
		return "", fmt.Errorf("WinHttpGetProxyForUrl: %w", callErr)
	}
	if info.dwAccessType != winhttpAccessTypeNamedProxy {
		return "", nil
	}
	return proxy, nil
}
