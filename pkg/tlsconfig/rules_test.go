package tlsconfig

import (
	"reflect"
	"strings"
	"testing"
)

var (
	win7       = WindowsVersion{Major: 6, Minor: 1, Build: 7601, Is64Bit: true}
	win7x86    = WindowsVersion{Major: 6, Minor: 1, Build: 7601}
	server2008 = WindowsVersion{Major: 6, Minor: 1, Build: 7601, Is64Bit: true, Server: true}
	win8       = WindowsVersion{Major: 6, Minor: 2, Build: 9200, Is64Bit: true}
	server2012 = WindowsVersion{Major: 6, Minor: 2, Build: 9200, Is64Bit: true, Server: true}
	win81      = WindowsVersion{Major: 6, Minor: 3, Build: 9600, Is64Bit: true}
	win81x86   = WindowsVersion{Major: 6, Minor: 3, Build: 9600}
	server12r2 = WindowsVersion{Major: 6, Minor: 3, Build: 9600, Is64Bit: true, Server: true}
	win1607    = WindowsVersion{Major: 10, Build: 14393, Is64Bit: true}
	server2016 = WindowsVersion{Major: 10, Build: 14393, Is64Bit: true, Server: true}
	win1803    = WindowsVersion{Major: 10, Build: 17134, Is64Bit: true}
	win1803x86 = WindowsVersion{Major: 10, Build: 17134}
	win1809    = WindowsVersion{Major: 10, Build: 17763, Is64Bit: true}
	win1809x86 = WindowsVersion{Major: 10, Build: 17763}
	server2019 = WindowsVersion{Major: 10, Build: 17763, Is64Bit: true, Server: true}
	server2022 = WindowsVersion{Major: 10, Build: 20348, Is64Bit: true, Server: true}
	win11      = WindowsVersion{Major: 10, Build: 22631, Is64Bit: true}
)

// withNet48 is a registry with .NET Framework 4.8 installed and nothing
// else set, as on a fresh machine.
func withNet48() Values {
	return Values{{ViewNative, KeyNetSetup, ValueRelease}: 528040}
}

func TestVersionNames(t *testing.T) {
	cases := []struct {
		ver  WindowsVersion
		want string
	}{
		{win7, "Windows 7 SP1"},
		{server2008, "Windows Server 2008 R2 SP1"},
		{win8, "Windows 8"},
		{server2012, "Windows Server 2012"},
		{win81, "Windows 8.1"},
		{server12r2, "Windows Server 2012 R2"},
		{win1607, "Windows 10 1607"},
		{server2016, "Windows Server 2016"},
		{win1803, "Windows 10 1803"},
		{win1809, "Windows 10 1809"},
		{server2019, "Windows Server 2019"},
		{server2022, "Windows Server 2022"},
		{win11, "Windows 11 23H2"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.ver.Name(); got != tc.want {
				t.Errorf("Name() = %q", got)
			}
		})
	}
}

// changeRefs lists changes as "view|key|name=data" for comparison.
func changeRefs(changes []Change) []string {
	var out []string
	for _, c := range changes {
		s := string(c.View) + "|" + c.Key + "|" + c.Name + "="
		if c.New == nil {
			s += "delete"
		} else {
			s += formatDWORD(*c.New)
		}
		out = append(out, s)
	}
	return out
}

func netChanges(views ...View) []string {
	var out []string
	for _, v := range views {
		out = append(out,
			string(v)+"|"+KeyNetFramework+"|SchUseStrongCrypto=0x1",
			string(v)+"|"+KeyNetFramework+"|SystemDefaultTlsVersions=0x1")
	}
	return out
}

var win7Schannel = []string{
	"Native|" + SchannelClientKey(Tls12) + "|Enabled=0x1",
	"Native|" + SchannelClientKey(Tls12) + "|DisabledByDefault=0x0",
}

func winHTTPChanges(views ...View) []string {
	var out []string
	for _, v := range views {
		out = append(out, string(v)+"|"+KeyWinHTTP+"|DefaultSecureProtocols=0xa00")
	}
	return out
}

func TestRulesPerWindowsVersionOnAFreshMachine(t *testing.T) {
	both := []View{ViewNative, View32}
	cases := []struct {
		name       string
		ver        WindowsVersion
		psVerdict  string
		psOffers   []string
		psChanges  []string
		psAfter    []string // offered once the changes are made
		httpChange []string
	}{
		{"Windows 7 SP1", win7, NeedsChanges, []string{Tls}, append(netChanges(both...), win7Schannel...),
			[]string{Tls, Tls12}, winHTTPChanges(both...)},
		{"Windows 7 SP1 32-bit", win7x86, NeedsChanges, []string{Tls}, append(netChanges(ViewNative), win7Schannel...),
			[]string{Tls, Tls12}, winHTTPChanges(ViewNative)},
		{"Server 2008 R2", server2008, NeedsChanges, []string{Tls}, append(netChanges(both...), win7Schannel...),
			[]string{Tls, Tls12}, winHTTPChanges(both...)},
		{"Windows 8", win8, NeedsChanges, []string{Tls}, netChanges(both...),
			[]string{Tls, Tls11, Tls12}, winHTTPChanges(both...)},
		{"Server 2012", server2012, NeedsChanges, []string{Tls}, netChanges(both...),
			[]string{Tls, Tls11, Tls12}, winHTTPChanges(both...)},
		{"Windows 8.1", win81, NeedsChanges, []string{Tls}, netChanges(both...),
			[]string{Tls, Tls11, Tls12}, nil},
		{"Windows 8.1 32-bit", win81x86, NeedsChanges, []string{Tls}, netChanges(ViewNative),
			[]string{Tls, Tls11, Tls12}, nil},
		{"Server 2012 R2", server12r2, NeedsChanges, []string{Tls}, netChanges(both...),
			[]string{Tls, Tls11, Tls12}, nil},
		{"Windows 10 1607", win1607, NeedsChanges, []string{Tls}, netChanges(both...),
			[]string{Tls, Tls11, Tls12}, nil},
		{"Windows 10 1803", win1803, NeedsChanges, []string{Tls}, netChanges(both...),
			[]string{Tls, Tls11, Tls12}, nil},
		{"Windows 10 1803 32-bit", win1803x86, NeedsChanges, []string{Tls}, netChanges(ViewNative),
			[]string{Tls, Tls11, Tls12}, nil},
		{"Windows 10 1809", win1809, Ready, []string{Tls, Tls11, Tls12}, nil,
			[]string{Tls, Tls11, Tls12}, nil},
		{"Windows 10 1809 32-bit", win1809x86, Ready, []string{Tls, Tls11, Tls12}, nil,
			[]string{Tls, Tls11, Tls12}, nil},
		{"Server 2019", server2019, Ready, []string{Tls, Tls11, Tls12}, nil,
			[]string{Tls, Tls11, Tls12}, nil},
		{"Server 2022", server2022, Ready, []string{Tls, Tls11, Tls12, Tls13}, nil,
			[]string{Tls, Tls11, Tls12, Tls13}, nil},
		{"Windows 11", win11, Ready, []string{Tls, Tls11, Tls12, Tls13}, nil,
			[]string{Tls, Tls11, Tls12, Tls13}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals := withNet48()
			verdicts := Evaluate(tc.ver, vals)
			ps, http := verdicts[0], verdicts[1]
			if ps.Verdict != tc.psVerdict || !reflect.DeepEqual(ps.Offers, tc.psOffers) {
				t.Errorf("PowerShell: %s offering %v, want %s offering %v (%s)",
					ps.Verdict, ps.Offers, tc.psVerdict, tc.psOffers, ps.Reason)
			}
			if got := changeRefs(ps.Changes); !reflect.DeepEqual(got, tc.psChanges) {
				t.Errorf("PowerShell changes:\n got %v\nwant %v", got, tc.psChanges)
			}
			if got := changeRefs(http.Changes); !reflect.DeepEqual(got, tc.httpChange) {
				t.Errorf("WinHTTP changes:\n got %v\nwant %v", got, tc.httpChange)
			}
			if (ps.Offers32 != nil) != tc.ver.Is64Bit {
				t.Errorf("Offers32 = %v on a 64-bit OS: %v", ps.Offers32, tc.ver.Is64Bit)
			}

			// Once the changes are made, both consumers are ready and
			// list nothing more: the rules agree with themselves.
			after := applied(vals, append(ps.Changes, http.Changes...))
			again := Evaluate(tc.ver, after)
			for _, v := range again {
				if v.Verdict != Ready || len(v.Changes) != 0 || !contains(v.Offers, Tls12) {
					t.Errorf("after the changes %s is %s offering %v with %d changes: %s",
						v.Consumer, v.Verdict, v.Offers, len(v.Changes), v.Reason)
				}
				if tc.ver.Is64Bit && !contains(v.Offers32, Tls12) {
					t.Errorf("after the changes 32-bit %s offers %v", v.Consumer, v.Offers32)
				}
			}
			if !reflect.DeepEqual(again[0].Offers, tc.psAfter) {
				t.Errorf("PowerShell offers after the changes %v, want %v", again[0].Offers, tc.psAfter)
			}
			wantNote := tc.ver.Build < build81
			if gotNote := len(http.Notes) > 0 && strings.Contains(http.Notes[0], "KB3140245"); gotNote != wantNote {
				t.Errorf("KB3140245 note present = %v, want %v: %v", gotNote, wantNote, http.Notes)
			}
		})
	}
}

func TestRulesForParticularSettings(t *testing.T) {
	tls12 := SchannelClientKey(Tls12)
	cases := []struct {
		name      string
		ver       WindowsVersion
		set       Values
		noRelease bool
		psVerdict string
		psOffers  []string
		reason    string // a part of the PowerShell reason
		changes   int
	}{
		{
			name:      "TLS 1.2 client explicitly disabled on Windows 10 1809 blocks",
			ver:       win1809,
			set:       Values{{ViewNative, tls12, ValueEnabled}: 0},
			psVerdict: Blocked, psOffers: []string{Tls, Tls11},
			reason: "disabled in SCHANNEL",
		},
		{
			name:      "TLS 1.2 client explicitly disabled on Windows 7 blocks and is not touched",
			ver:       win7,
			set:       Values{{ViewNative, tls12, ValueEnabled}: 0},
			psVerdict: Blocked, psOffers: []string{Tls},
			reason:  "Enabled=0",
			changes: 5, // .NET in two views and DisabledByDefault, never Enabled
		},
		{
			name:      "TLS 1.2 client explicitly disabled on Windows 8.1 with strong crypto set blocks",
			ver:       win81,
			set:       merge(strongEverywhere(), Values{{ViewNative, tls12, ValueEnabled}: 0}),
			psVerdict: Blocked, psOffers: []string{Tls, Tls11},
			reason: "disabled in SCHANNEL",
		},
		{
			name: "TLS 1.2 off by default in SCHANNEL blocks once .NET lets Windows choose",
			ver:  win1607,
			set: Values{
				{ViewNative, tls12, ValueDisabledByDefault}: 1,
			},
			psVerdict: Blocked, psOffers: []string{Tls},
			reason:  "off by default",
			changes: 4,
		},
		{
			name:      "strong crypto in the native view only leaves 32-bit programs behind",
			ver:       win81,
			set:       Values{{ViewNative, KeyNetFramework, ValueStrongCrypto}: 1, {ViewNative, KeyNetFramework, ValueSystemDefault}: 1},
			psVerdict: NeedsChanges, psOffers: []string{Tls, Tls11, Tls12},
			reason:  "32-bit programs offer TLS 1.0 at most",
			changes: 2,
		},
		{
			name:      "SchUseStrongCrypto alone makes PowerShell offer TLS 1.2",
			ver:       server12r2,
			set:       Values{{ViewNative, KeyNetFramework, ValueStrongCrypto}: 1, {View32, KeyNetFramework, ValueStrongCrypto}: 1},
			psVerdict: NeedsChanges, psOffers: []string{Tls, Tls11, Tls12},
			reason:  "complete the recommended settings",
			changes: 2,
		},
		{
			name:      "no .NET Framework 4.5 on Windows 7 blocks",
			ver:       win7,
			noRelease: true,
			psVerdict: Blocked, psOffers: []string{Tls},
			reason:  ".NET Framework 4.5 or later is not installed",
			changes: 6,
		},
		{
			name:      "a value of 0 counts as not set",
			ver:       win1803,
			set:       Values{{ViewNative, KeyNetFramework, ValueStrongCrypto}: 0},
			psVerdict: NeedsChanges, psOffers: []string{Tls},
			reason:  "TLS 1.0 at most",
			changes: 4,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals := withNet48()
			if tc.noRelease {
				vals = Values{}
			}
			for k, v := range tc.set {
				vals[k] = v
			}
			ps := Evaluate(tc.ver, vals)[0]
			if ps.Verdict != tc.psVerdict || !reflect.DeepEqual(ps.Offers, tc.psOffers) {
				t.Errorf("%s offering %v, want %s offering %v (%s)", ps.Verdict, ps.Offers, tc.psVerdict, tc.psOffers, ps.Reason)
			}
			if !strings.Contains(ps.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", ps.Reason, tc.reason)
			}
			if len(ps.Changes) != tc.changes {
				t.Errorf("%d changes, want %d: %v", len(ps.Changes), tc.changes, changeRefs(ps.Changes))
			}
			for _, c := range ps.Changes {
				if c.Key == tls12 && c.Name == ValueEnabled && vals.get(ViewNative, tls12, ValueEnabled) != nil {
					t.Errorf("an explicit Enabled value would be overridden: %v", changeRefs(ps.Changes))
				}
			}
		})
	}
}

func merge(a, b Values) Values {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func strongEverywhere() Values {
	v := Values{}
	for _, view := range []View{ViewNative, View32} {
		v[ValueRef{view, KeyNetFramework, ValueStrongCrypto}] = 1
		v[ValueRef{view, KeyNetFramework, ValueSystemDefault}] = 1
	}
	return v
}

func TestWinHTTPKeepsTheProtocolsAlreadyAsked(t *testing.T) {
	vals := withNet48()
	vals[ValueRef{ViewNative, KeyWinHTTP, ValueSecureProtocols}] = 0xA0 // SSL 3.0 and TLS 1.0
	http := Evaluate(server2012, vals)[1]
	got := changeRefs(http.Changes)
	want := []string{
		"Native|" + KeyWinHTTP + "|DefaultSecureProtocols=0xaa0",
		"Wow6432Node|" + KeyWinHTTP + "|DefaultSecureProtocols=0xa00",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if !reflect.DeepEqual(http.Offers, []string{Tls}) {
		t.Errorf("offers %v", http.Offers)
	}
}

func TestRegistryPathSpellsOutWow6432Node(t *testing.T) {
	if got := RegistryPath(View32, KeyNetFramework); got != `HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319` {
		t.Errorf("32-bit view: %s", got)
	}
	if got := RegistryPath(View32, SchannelClientKey(Tls12)); strings.Contains(got, "Wow6432Node") {
		t.Errorf("SYSTEM is not redirected: %s", got)
	}
}
