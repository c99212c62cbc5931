package e2e

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// The values tls enable may touch, as reg.exe names them, with the view
// switch reg.exe takes (/reg:64 is the native view, /reg:32 Wow6432Node).
var tlsRegValues = []struct{ key, name, view string }{
	{`HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`, "SchUseStrongCrypto", "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`, "SystemDefaultTlsVersions", "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`, "SchUseStrongCrypto", "/reg:32"},
	{`HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`, "SystemDefaultTlsVersions", "/reg:32"},
	{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`, "DefaultSecureProtocols", "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`, "DefaultSecureProtocols", "/reg:32"},
	{`HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client`, "Enabled", "/reg:64"},
	{`HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client`, "DisabledByDefault", "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`, "Release", "/reg:64"},
}

// tlsRegKeys are keys enable may create and restore must remove again.
var tlsRegKeys = []struct{ key, view string }{
	{`HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2`, "/reg:64"},
	{`HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client`, "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`, "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`, "/reg:32"},
	{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`, "/reg:64"},
	{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`, "/reg:32"},
}

var regDWORD = regexp.MustCompile(`REG_DWORD\s+0x([0-9a-fA-F]+)`)

// regSnapshot reads every value with Wine's own reg.exe: "absent" or the
// number, keyed by view, key and name.
func regSnapshot(t *testing.T) map[string]string {
	t.Helper()
	snap := map[string]string{}
	for _, v := range tlsRegValues {
		res, found := regQuery(t, v.key, "/v", v.name, v.view)
		data := "absent"
		if found {
			m := regDWORD.FindSubmatch(res.Stdout)
			if m == nil {
				t.Fatalf("reg query %s %s: %s", v.key, v.name, res.Stdout)
			}
			n, _ := strconv.ParseUint(string(m[1]), 16, 32)
			data = strconv.FormatUint(n, 10)
		}
		snap[v.view+" "+v.key+`\`+v.name] = data
	}
	for _, k := range tlsRegKeys {
		_, exists := regQuery(t, k.key, k.view)
		snap[k.view+" "+k.key] = map[bool]string{true: "key", false: "absent"}[exists]
	}
	return snap
}

// regQuery runs reg query and tells a missing key or value (exit 1 with
// reg's own message) from a Wine process that failed for another reason,
// which is tried again rather than read as "absent".
func regQuery(t *testing.T, args ...string) (testenv.Result, bool) {
	t.Helper()
	var res testenv.Result
	for attempt := 0; attempt < 3; attempt++ {
		res = testenv.Reg(t, append([]string{"query"}, args...)...)
		switch {
		case res.ExitCode == 0:
			return res, true
		case res.ExitCode == 1 && bytes.Contains(append(res.Stdout, res.Stderr...), []byte("Unable to find")):
			return res, false
		}
	}
	t.Fatalf("reg query %v: exit %d: %s%s", args, res.ExitCode, res.Stdout, res.Stderr)
	return res, false
}

// snapshotDiff lists the entries two snapshots disagree on.
func snapshotDiff(a, b map[string]string) []string {
	var diff []string
	for k, v := range a {
		if b[k] != v {
			diff = append(diff, fmt.Sprintf("%s: %s -> %s", k, v, b[k]))
		}
	}
	sort.Strings(diff)
	return diff
}

// regRestore writes a snapshot back with reg.exe, so a failed test leaves
// the shared Wine prefix as it found it.
func regRestore(t *testing.T, snap map[string]string) {
	for _, v := range tlsRegValues {
		data := snap[v.view+" "+v.key+`\`+v.name]
		if data == "absent" {
			testenv.Reg(t, "delete", v.key, "/v", v.name, "/f", v.view)
		} else {
			testenv.Reg(t, "add", v.key, "/v", v.name, "/t", "REG_DWORD", "/d", data, "/f", v.view)
		}
	}
	for i := len(tlsRegKeys) - 1; i >= 0; i-- {
		if k := tlsRegKeys[i]; snap[k.view+" "+k.key] == "absent" {
			testenv.Reg(t, "delete", k.key, "/f", k.view)
		}
	}
}

func regSet(t *testing.T, key, name, view, data string) {
	t.Helper()
	if res := testenv.Reg(t, "add", key, "/v", name, "/t", "REG_DWORD", "/d", data, "/f", view); res.ExitCode != 0 {
		t.Fatalf("reg add %s %s: %s%s", key, name, res.Stdout, res.Stderr)
	}
}

// wineAs copies the legacy build under a name of its own and tells Wine to
// report the given Windows version to that program only (AppDefaults), so
// other tests in the prefix keep Wine's default version.
func wineAs(t *testing.T, version string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "sysupdate-tls-"+version+".exe")
	src, err := os.Open(testenv.WindowsLegacyBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(exe)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	appKey := `HKCU\Software\Wine\AppDefaults\` + filepath.Base(exe)
	if res := testenv.Reg(t, "add", appKey, "/v", "Version", "/d", version, "/f"); res.ExitCode != 0 {
		t.Fatalf("set the Wine version: %s", res.Stdout)
	}
	t.Cleanup(func() { testenv.Reg(t, "delete", appKey, "/f") })
	return exe
}

// runTLS runs the program under Wine and returns its one Output record,
// failing on any other exit code than want.
func runTLS(t *testing.T, exe string, want int, args ...string) map[string]any {
	t.Helper()
	res := testenv.RunWine(t, "", "", nil, exe, args...)
	if res.ExitCode != want {
		t.Fatalf("%v: exit %d, want %d: %s%s", args, res.ExitCode, want, res.Stdout, res.Stderr)
	}
	recs := only(parseRecords(t, res.Stdout), "Output")
	if want != 0 {
		return lastError(t, res)
	}
	if len(recs) != 1 {
		t.Fatalf("%v: want one Output record, got %s", args, res.Stdout)
	}
	return recs[0].Data
}

func consumer(t *testing.T, rec map[string]any, name string) map[string]any {
	t.Helper()
	for _, c := range rec["Consumers"].([]any) {
		if c := c.(map[string]any); c["Consumer"] == name {
			return c
		}
	}
	t.Fatalf("no verdict for %s in %v", name, rec)
	return nil
}

func TestTlsSettingsUnderWine(t *testing.T) {
	testenv.WineEnv(t)
	original := regSnapshot(t)
	t.Cleanup(func() { regRestore(t, original) })

	// .NET Framework 4.8 as installed, and one value already set by hand
	// that restore must bring back rather than delete.
	regSet(t, `HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`, "Release", "/reg:64", "528040")

	const netKey = `HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`
	const winHTTPKey = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`
	const tls12Key = `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client`
	cases := []struct {
		wine      string // Wine's name of the Windows version
		name      string
		build     float64
		psVerdict string
		changes   int // with --include-winhttp
		want      map[string]string
	}{
		{"win7", "Windows 7 SP1 or Windows Server 2008 R2 SP1", 7601, "NeedsChanges", 8, map[string]string{
			"/reg:64 " + netKey + `\SchUseStrongCrypto`:                                    "1",
			"/reg:32 " + netKey + `\SchUseStrongCrypto`:                                    "1",
			"/reg:64 " + netKey + `\SystemDefaultTlsVersions`:                              "1",
			"/reg:32 " + netKey + `\SystemDefaultTlsVersions`:                              "1",
			"/reg:64 " + winHTTPKey + `\DefaultSecureProtocols`:                            "2560",
			"/reg:32 " + winHTTPKey + `\DefaultSecureProtocols`:                            "2560",
			"/reg:64 " + tls12Key + `\Enabled`:                                             "1",
			"/reg:64 " + tls12Key + `\DisabledByDefault`:                                   "0",
			"/reg:64 " + tls12Key:                                                          "key",
			"/reg:32 " + winHTTPKey:                                                        "key",
			"/reg:64 " + `HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full\Release`: "528040",
		}},
		{"win81", "Windows 8.1 or Windows Server 2012 R2", 9600, "NeedsChanges", 4, map[string]string{
			"/reg:64 " + netKey + `\SchUseStrongCrypto`:       "1",
			"/reg:32 " + netKey + `\SchUseStrongCrypto`:       "1",
			"/reg:64 " + netKey + `\SystemDefaultTlsVersions`: "1",
			"/reg:32 " + netKey + `\SystemDefaultTlsVersions`: "1",
		}},
		{"win10", "Windows 10 1903 or Windows Server 1903", 18362, "Ready", 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.wine, func(t *testing.T) {
			exe := wineAs(t, tc.wine)
			regSet(t, netKey, "SchUseStrongCrypto", "/reg:32", "0")
			before := regSnapshot(t)
			if tc.wine == "win7" && before["/reg:64 "+tls12Key] != "absent" {
				t.Fatalf("a fresh Wine prefix has no TLS 1.2 client key, so that restore removes it is tested: %v", before)
			}
			t.Cleanup(func() { regRestore(t, before) })

			status := runTLS(t, exe, 0, "tls", "status")
			// Wine reports the workstation or the server edition depending
			// on its version; only the build decides the rules.
			if !strings.Contains(tc.name, status["Windows"].(string)) || status["Build"] != tc.build ||
				status["Is64BitOperatingSystem"] != true {
				t.Errorf("status under Wine %s: %v %v 64-bit %v", tc.wine, status["Windows"], status["Build"],
					status["Is64BitOperatingSystem"])
			}
			if v := consumer(t, status, "WindowsPowerShell"); v["Verdict"] != tc.psVerdict {
				t.Errorf("PowerShell verdict %v, want %s: %v", v["Verdict"], tc.psVerdict, v["Reason"])
			}

			whatIf := runTLS(t, exe, 0, "tls", "enable", "--what-if", "--include-winhttp")
			if whatIf["WhatIf"] != true || whatIf["Changed"] != false || len(whatIf["Changes"].([]any)) != tc.changes {
				t.Errorf("what-if record: %v", whatIf)
			}
			if got := regSnapshot(t); !reflect.DeepEqual(got, before) {
				t.Fatalf("--what-if changed the registry:\nbefore %v\n after %v", before, got)
			}

			if tc.changes > 0 {
				taken := filepath.Join(testenv.WinePrefix(t), "drive_c", "users", "Public", "tls-earlier-backup.json")
				if err := os.WriteFile(taken, []byte("earlier"), 0o644); err != nil {
					t.Fatal(err)
				}
				defer os.Remove(taken)
				exists := runTLS(t, exe, 6, "tls", "enable", "--backup", `C:\users\Public\tls-earlier-backup.json`)
				if exists["ErrorId"] != "BackupExists" {
					t.Errorf("enable over an earlier backup: %v", exists)
				}
				if data, _ := os.ReadFile(taken); string(data) != "earlier" {
					t.Errorf("an earlier backup was overwritten: %q", data)
				}
				if got := regSnapshot(t); !reflect.DeepEqual(got, before) {
					t.Fatalf("enable changed the registry although its backup failed")
				}
			}

			enable := runTLS(t, exe, 0, "tls", "enable", "--include-winhttp")
			if len(enable["Changes"].([]any)) != tc.changes {
				t.Errorf("enable made %d changes, want %d: %v", len(enable["Changes"].([]any)), tc.changes, enable["Message"])
			}
			after := regSnapshot(t)
			for k, want := range tc.want {
				if after[k] != want {
					t.Errorf("after enable %s = %s, want %s", k, after[k], want)
				}
			}
			for _, v := range []string{"WindowsPowerShell", "WinHttp"} {
				if c := consumer(t, enable, v); c["Verdict"] != "Ready" {
					t.Errorf("after enable %s is %v: %v", v, c["Verdict"], c["Reason"])
				}
			}
			if tc.changes == 0 {
				if enable["Changed"] != false || enable["BackupFile"] != "" ||
					!strings.HasPrefix(enable["Message"].(string), "nothing to change") {
					t.Errorf("enable with nothing to do: %v", enable)
				}
				if !reflect.DeepEqual(after, before) {
					t.Errorf("enable with nothing to do changed the registry")
				}
				return
			}
			backup, _ := enable["BackupFile"].(string)
			if enable["Changed"] != true || !strings.HasPrefix(backup, `C:\ProgramData\SysUpdate\tls-backup-`) {
				t.Fatalf("enable record: changed %v, backup %q", enable["Changed"], backup)
			}
			hostBackup := filepath.Join(testenv.WinePrefix(t), "drive_c", "ProgramData", "SysUpdate", filepath.Base(strings.ReplaceAll(backup, `\`, "/")))
			if _, err := os.Stat(hostBackup); err != nil {
				t.Errorf("backup file not written: %v", err)
			}

			again := runTLS(t, exe, 0, "tls", "enable", "--include-winhttp")
			if again["Changed"] != false || len(again["Changes"].([]any)) != 0 ||
				!strings.HasPrefix(again["Message"].(string), "nothing to change") {
				t.Errorf("second enable: %v", again)
			}
			if got := regSnapshot(t); !reflect.DeepEqual(got, after) {
				t.Errorf("second enable changed the registry: %v", snapshotDiff(after, got))
			}

			restore := runTLS(t, exe, 0, "tls", "restore", "--backup", backup)
			if restore["Changed"] != true || len(restore["Changes"].([]any)) != tc.changes {
				t.Errorf("restore record: %v", restore)
			}
			if got := regSnapshot(t); !reflect.DeepEqual(got, before) {
				t.Errorf("restore did not bring the registry back:\nbefore %v\n after %v", before, got)
			}
		})
	}
}
