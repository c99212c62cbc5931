package testenv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Windows proxy settings for tests under Wine, written the way Windows
// writes them: the Internet Options dialog stores the per-user settings in
// the binary DefaultConnectionSettings value (which WinHTTP and Wine
// read) and mirrors them in ProxyEnable, ProxyServer, ProxyOverride and
// AutoConfigURL; `netsh winhttp set proxy` stores the machine's WinHTTP
// default in the binary WinHttpSettings value.

const (
	internetSettingsKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	winHTTPSettingsKey  = `HKLM\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
)

// IEProxySettings are the proxy settings of the Internet Options dialog's
// LAN settings page.
type IEProxySettings struct {
	ProxyServer   string // "host:port" or "http=host:port;https=host:port"; empty for none
	Bypass        string // "<local>;*.corp.example;10.*"
	AutoConfigURL string // "Use automatic configuration script"
	AutoDetect    bool   // "Automatically detect settings" (WPAD)
}

// Flags of DefaultConnectionSettings (wininet.h's PROXY_TYPE_*).
const (
	proxyTypeDirect     = 0x1
	proxyTypeProxy      = 0x2
	proxyTypeAutoURL    = 0x4
	proxyTypeAutoDetect = 0x8
)

// DefaultConnectionSettings encodes settings as the dialog stores them: a
// version (0x46), a change counter, the flags, then the proxy server, the
// bypass list and the script URL, each as a length and ANSI text, then
// reserved zeros.
func DefaultConnectionSettings(s IEProxySettings, counter uint32) []byte {
	flags := uint32(proxyTypeDirect)
	if s.ProxyServer != "" {
		flags |= proxyTypeProxy
	}
	if s.AutoConfigURL != "" {
		flags |= proxyTypeAutoURL
	}
	if s.AutoDetect {
		flags |= proxyTypeAutoDetect
	}
	var b bytes.Buffer
	for _, v := range []uint32{0x46, counter, flags} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	for _, text := range []string{s.ProxyServer, s.Bypass, s.AutoConfigURL} {
		binary.Write(&b, binary.LittleEndian, uint32(len(text)))
		b.WriteString(text)
	}
	b.Write(make([]byte, 32))
	return b.Bytes()
}

// winHTTPSettings encodes the WinHTTP default as netsh stores it: a
// version (0x18), a counter, the flags (1 direct, 3 named proxy), the
// proxy and the bypass list.
func winHTTPSettings(proxy, bypass string) []byte {
	flags := uint32(1)
	if proxy != "" {
		flags = 3
	}
	var b bytes.Buffer
	for _, v := range []uint32{0x18, 0, flags} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	for _, text := range []string{proxy, bypass} {
		binary.Write(&b, binary.LittleEndian, uint32(len(text)))
		b.WriteString(text)
	}
	return b.Bytes()
}

// SetIEProxy writes the per-user proxy settings into the Wine prefix env
// names (see PrivateWinePrefix).
func SetIEProxy(t testing.TB, env []string, s IEProxySettings) {
	t.Helper()
	enable := 0
	if s.ProxyServer != "" {
		enable = 1
	}
	var b strings.Builder
	b.WriteString("REGEDIT4\r\n\r\n")
	fmt.Fprintf(&b, "[%s\\Connections]\r\n\"DefaultConnectionSettings\"=hex:%s\r\n\r\n",
		regPath(internetSettingsKey), regHex(DefaultConnectionSettings(s, 1)))
	fmt.Fprintf(&b, "[%s]\r\n\"ProxyEnable\"=dword:%08x\r\n", regPath(internetSettingsKey), enable)
	for _, v := range []struct{ name, value string }{
		{"ProxyServer", s.ProxyServer}, {"ProxyOverride", s.Bypass}, {"AutoConfigURL", s.AutoConfigURL},
	} {
		if v.value == "" {
			fmt.Fprintf(&b, "\"%s\"=-\r\n", v.name)
			continue
		}
		fmt.Fprintf(&b, "\"%s\"=\"%s\"\r\n", v.name, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v.value))
	}
	importReg(t, env, b.String())
}

// SetWinHTTPProxy writes the machine's WinHTTP default proxy (empty for
// direct) into the Wine prefix env names. Wine's netsh does not implement
// `netsh winhttp set proxy`, so the value is written as netsh would.
func SetWinHTTPProxy(t testing.TB, env []string, proxy, bypass string) {
	t.Helper()
	importReg(t, env, fmt.Sprintf("REGEDIT4\r\n\r\n[%s]\r\n\"WinHttpSettings\"=hex:%s\r\n",
		regPath(winHTTPSettingsKey), regHex(winHTTPSettings(proxy, bypass))))
}

// regPath spells a key as .reg files do.
func regPath(key string) string {
	key = strings.Replace(key, `HKCU\`, `HKEY_CURRENT_USER\`, 1)
	return strings.Replace(key, `HKLM\`, `HKEY_LOCAL_MACHINE\`, 1)
}

// regHex spells bytes as a .reg file's hex: value.
func regHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ",")
}

// importReg applies a .reg file with one Wine process, which is much
// faster than a reg add per value.
func importReg(t testing.TB, env []string, content string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "settings.reg")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	winPath := "Z:" + strings.ReplaceAll(file, "/", `\`)
	if res := RunWine(t, "", "", env, "reg", "import", winPath); res.ExitCode != 0 {
		t.Fatalf("reg import: exit %d: %s%s\n%s", res.ExitCode, res.Stdout, res.Stderr, content)
	}
}

// PrivateWinePrefix returns environment entries that run Wine in a copy of
// the test prefix for this test alone, for tests that change machine-wide
// settings such as the proxy: tests of other packages share the main
// prefix and must not see those changes. The system files are hard links
// to the main prefix's; everything else is copied. When the test ends,
// the copy's Wine processes are stopped and the copy removed.
func PrivateWinePrefix(t testing.TB) []string {
	t.Helper()
	src := WinePrefix(t)
	WineServerWait(t)
	dir, err := os.MkdirTemp("", "sysupdate-wine-private-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		kill := exec.Command(filepath.Join(filepath.Dir(wineBinary), "wineserver"), "-k")
		kill.Env = append(os.Environ(), "WINEPREFIX="+dir)
		kill.Run() //nolint:errcheck // no server left is the goal
		os.RemoveAll(dir)
	})
	// Everything but drive_c is copied, the registry and the
	// .update-timestamp included: without the latter Wine would rebuild
	// the prefix at its first start.
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		flag := "-a"
		if e.Name() == "drive_c" {
			flag = "-al"
		}
		if out, err := exec.Command("cp", flag, filepath.Join(src, e.Name()), dir+"/").CombinedOutput(); err != nil {
			t.Fatalf("copy the Wine prefix: %v: %s", err, out)
		}
	}
	return []string{"WINEPREFIX=" + dir}
}
