//go:build windows

package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// A PAC script is evaluated with jsproxy.dll, the engine WinINet and
// WinHTTP use themselves, because it returns the script's answer whole
// ("PROXY a:8080; PROXY b:8080; DIRECT"), where WinHttpGetProxyForUrl may
// shorten it. The script is downloaded by sysupdate, directly and within
// the lookup timeout. Where jsproxy.dll is missing or fails, WinHTTP
// evaluates the script instead.

var (
	jsproxy                            = windows.NewLazySystemDLL("jsproxy.dll")
	procInternetInitializeAutoProxyDll = jsproxy.NewProc("InternetInitializeAutoProxyDll")
	procInternetDeInitializeAutoProxy  = jsproxy.NewProc("InternetDeInitializeAutoProxyDll")
	procInternetGetProxyInfo           = jsproxy.NewProc("InternetGetProxyInfo")

	procWinHttpDetectAutoProxyConfigUrl = winhttp.NewProc("WinHttpDetectAutoProxyConfigUrl")
)

// jsproxyMu serializes jsproxy.dll, whose loaded script is global state.
var jsproxyMu sync.Mutex

type autoProxyScriptBuffer struct {
	dwStructSize       uint32
	lpszScriptBuffer   *byte
	dwScriptBufferSize uint32
}

// pacScripts keeps each downloaded script for the run.
type pacScripts struct {
	mu      sync.Mutex
	scripts map[string][]byte
}

var downloaded = pacScripts{scripts: map[string][]byte{}}

// evaluatePAC returns the answer of the script at scriptURL for u, and the
// script's URL; an empty scriptURL means find it by WPAD first.
func evaluatePAC(u *url.URL, scriptURL string, timeout time.Duration) (answer, usedURL string, err error) {
	if scriptURL == "" {
		if scriptURL, err = detectScriptURL(); err != nil {
			return "", "", err
		}
	}
	script, err := downloadScript(scriptURL, timeout)
	if err == nil {
		answer, err = runJSProxy(script, u)
		if err == nil {
			return answer, scriptURL, nil
		}
	}
	// WinHTTP downloads and runs the script its own way.
	proxy, werr := getProxyForURL(u.String(), scriptURL, timeout)
	if werr != nil {
		return "", scriptURL, fmt.Errorf("%v; WinHTTP: %w", err, werr)
	}
	if proxy == "" {
		proxy = "DIRECT"
	}
	return proxy, scriptURL, nil
}

// detected keeps the WPAD answer for the run: detection can take seconds.
var detected struct {
	mu   sync.Mutex
	done bool
	url  string
	err  error
}

// detectScriptURL finds the script by WPAD (DHCP, then DNS), once per run.
func detectScriptURL() (string, error) {
	detected.mu.Lock()
	defer detected.mu.Unlock()
	if !detected.done {
		detected.url, detected.err = detectScriptURLOnce()
		detected.done = true
	}
	return detected.url, detected.err
}

func detectScriptURLOnce() (string, error) {
	if err := procWinHttpDetectAutoProxyConfigUrl.Find(); err != nil {
		return "", err
	}
	var p *uint16
	ok, _, err := procWinHttpDetectAutoProxyConfigUrl.Call(winhttpAutoDetectTypeDHCP|winhttpAutoDetectTypeDNSA,
		uintptr(unsafe.Pointer(&p)))
	if ok == 0 {
		return "", fmt.Errorf("WinHttpDetectAutoProxyConfigUrl: %w", err)
	}
	return takeString(p), nil
}

// downloadScript fetches a PAC script directly (never through a proxy),
// once per run.
func downloadScript(scriptURL string, timeout time.Duration) ([]byte, error) {
	downloaded.mu.Lock()
	defer downloaded.mu.Unlock()
	if s, ok := downloaded.scripts[scriptURL]; ok {
		return s, nil
	}
	var script []byte
	u, err := url.Parse(scriptURL)
	switch {
	case err != nil:
		return nil, err
	case strings.EqualFold(u.Scheme, "file"):
		path := u.Path
		if u.Host != "" {
			path = `\\` + u.Host + u.Path
		}
		script, err = os.ReadFile(strings.TrimPrefix(path, "/"))
	default:
		script, err = fetchScript(scriptURL, timeout)
	}
	if err != nil {
		return nil, err
	}
	downloaded.scripts[scriptURL] = script
	return script, nil
}

func fetchScript(scriptURL string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scriptURL, nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", scriptURL, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 4<<20))
}

// runJSProxy evaluates FindProxyForURL(u, host) with jsproxy.dll.
func runJSProxy(script []byte, u *url.URL) (string, error) {
	if err := procInternetGetProxyInfo.Find(); err != nil {
		return "", err
	}
	jsproxyMu.Lock()
	defer jsproxyMu.Unlock()

	buf := append(append([]byte(nil), script...), 0)
	sb := autoProxyScriptBuffer{lpszScriptBuffer: &buf[0], dwScriptBufferSize: uint32(len(buf))}
	sb.dwStructSize = uint32(unsafe.Sizeof(sb))
	if ok, _, err := procInternetInitializeAutoProxyDll.Call(0, 0, 0, 0, uintptr(unsafe.Pointer(&sb))); ok == 0 {
		return "", fmt.Errorf("InternetInitializeAutoProxyDll: %w", err)
	}
	defer procInternetDeInitializeAutoProxy.Call(0, 0)

	target := []byte(u.String() + "\x00")
	host := []byte(u.Hostname() + "\x00")
	var answer *byte
	var answerLen uint32
	ok, _, err := procInternetGetProxyInfo.Call(
		uintptr(unsafe.Pointer(&target[0])), uintptr(len(target)-1),
		uintptr(unsafe.Pointer(&host[0])), uintptr(len(host)-1),
		uintptr(unsafe.Pointer(&answer)), uintptr(unsafe.Pointer(&answerLen)))
	if ok == 0 {
		return "", fmt.Errorf("InternetGetProxyInfo: %w", err)
	}
	if answer == nil {
		return "", nil
	}
	s := windows.BytePtrToString(answer)
	procGlobalFree.Call(uintptr(unsafe.Pointer(answer)))
	return s, nil
}
