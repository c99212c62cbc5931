package tlsconfig

import (
	"fmt"
	"strings"
)

// The registry keys this package reads and writes, relative to HKLM.
const (
	KeyNetFramework = `SOFTWARE\Microsoft\.NETFramework\v4.0.30319`
	KeyNetSetup     = `SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full`
	KeyWinHTTP      = `SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`
	keySchannel     = `SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols`
)

// The value names.
const (
	ValueStrongCrypto      = "SchUseStrongCrypto"
	ValueSystemDefault     = "SystemDefaultTlsVersions"
	ValueRelease           = "Release"
	ValueSecureProtocols   = "DefaultSecureProtocols"
	ValueEnabled           = "Enabled"
	ValueDisabledByDefault = "DisabledByDefault"
)

// Protocol names are PowerShell's SslProtocol names, used in every record.
const (
	Tls   = "Tls"
	Tls11 = "Tls11"
	Tls12 = "Tls12"
	Tls13 = "Tls13"
)

// Protocols lists the TLS versions in ascending order.
var Protocols = []string{Tls, Tls11, Tls12, Tls13}

var protocolTitle = map[string]string{Tls: "TLS 1.0", Tls11: "TLS 1.1", Tls12: "TLS 1.2", Tls13: "TLS 1.3"}

// ProtocolTitle is the usual name of a protocol, such as "TLS 1.2".
func ProtocolTitle(p string) string { return protocolTitle[p] }

// SchannelClientKey is the SCHANNEL key of a protocol's client side.
func SchannelClientKey(protocol string) string {
	return keySchannel + `\` + protocolTitle[protocol] + `\Client`
}

// WinHTTP protocol flags in DefaultSecureProtocols.
const (
	winHTTPTls10 = 0x80
	winHTTPTls11 = 0x200
	winHTTPTls12 = 0x800
	winHTTPTls13 = 0x2000
	// WinHTTPTls11And12 is the value enable writes: TLS 1.1 and TLS 1.2.
	WinHTTPTls11And12 = winHTTPTls11 | winHTTPTls12
)

// .NET Framework 4.x Release values that change what it can do.
const (
	release45 = 378389 // 4.5: the first that can use TLS 1.2
	release47 = 460798 // 4.7: the first that honours SystemDefaultTlsVersions
)

// ValueRef names one registry value in one view.
type ValueRef struct {
	View View
	Key  string
	Name string
}

// Values holds the data of the values that are present; an absent value has
// no entry.
type Values map[ValueRef]uint32

func (vals Values) get(view View, key, name string) *uint32 {
	if key == KeyNetSetup || strings.HasPrefix(key, `SYSTEM\`) {
		view = ViewNative // neither is redirected for 32-bit programs
	}
	v, ok := vals[ValueRef{view, key, name}]
	if !ok {
		return nil
	}
	return &v
}

// Views are the registry views that hold separate .NET and WinHTTP
// settings on this Windows.
func (v WindowsVersion) Views() []View {
	if v.Is64Bit {
		return []View{ViewNative, View32}
	}
	return []View{ViewNative}
}

// Watched lists every value the status reads on this Windows.
func Watched(ver WindowsVersion) []ValueRef {
	refs := []ValueRef{{ViewNative, KeyNetSetup, ValueRelease}}
	for _, view := range ver.Views() {
		refs = append(refs,
			ValueRef{view, KeyNetFramework, ValueStrongCrypto},
			ValueRef{view, KeyNetFramework, ValueSystemDefault},
			ValueRef{view, KeyWinHTTP, ValueSecureProtocols})
	}
	for _, p := range Protocols {
		refs = append(refs,
			ValueRef{ViewNative, SchannelClientKey(p), ValueEnabled},
			ValueRef{ViewNative, SchannelClientKey(p), ValueDisabledByDefault})
	}
	return refs
}

// RegistryPath is the path a person sees in regedit, with Wow6432Node
// spelled out for the 32-bit view.
func RegistryPath(view View, key string) string {
	if view == View32 && strings.HasPrefix(strings.ToUpper(key), `SOFTWARE\`) {
		key = key[:len(`SOFTWARE\`)] + `Wow6432Node\` + key[len(`SOFTWARE\`):]
	}
	return `HKLM\` + key
}

// Change is one registry value to write, or to delete when New is nil.
type Change struct {
	Path   string  `json:"Path"` // the key as regedit shows it
	View   View    `json:"View"`
	Key    string  `json:"Key"` // the key as opened in View
	Name   string  `json:"Name"`
	Old    *uint32 `json:"Old"` // null when absent
	New    *uint32 `json:"New"` // null: delete the value
	Reason string  `json:"Reason"`
}

func newChange(view View, key, name string, old *uint32, data uint32, reason string) Change {
	return Change{Path: RegistryPath(view, key), View: view, Key: key, Name: name,
		Old: old, New: &data, Reason: reason}
}

// The consumers a verdict is given for.
const (
	ConsumerPowerShell = "WindowsPowerShell"
	ConsumerWinHTTP    = "WinHttp"
)

// The verdicts.
const (
	Ready        = "Ready"        // offers TLS 1.2 and needs no change
	NeedsChanges = "NeedsChanges" // the listed changes make it offer TLS 1.2
	Blocked      = "Blocked"      // something the changes do not touch stops TLS 1.2
)

// Verdict says whether one consumer can use TLS 1.2 and what would fix it.
type Verdict struct {
	Consumer    string   `json:"Consumer"`
	Description string   `json:"Description"`
	Verdict     string   `json:"Verdict"`
	Offers      []string `json:"Offers"`             // protocols offered now by 64-bit (native) programs
	Offers32    []string `json:"Offers32,omitempty"` // by 32-bit programs on 64-bit Windows
	Reason      string   `json:"Reason"`
	Changes     []Change `json:"Changes"`
	Blockers    []string `json:"Blockers"`
	Notes       []string `json:"Notes"`
}

// schannelDefaults returns the protocols SChannel offers to a program that lets the
// system choose.
func schannelDefaults(ver WindowsVersion, vals Values) []string {
	var out []string
	for _, p := range Protocols {
		key := SchannelClientKey(p)
		enabled := vals.get(ViewNative, key, ValueEnabled)
		disabledByDefault := vals.get(ViewNative, key, ValueDisabledByDefault)
		if enabled != nil && *enabled == 0 {
			continue
		}
		supported, onByDefault := true, true
		switch p {
		case Tls11, Tls12:
			onByDefault = ver.Build >= build8
		case Tls13:
			supported = ver.Build >= build2022
		}
		if !supported {
			continue
		}
		if disabledByDefault != nil {
			onByDefault = *disabledByDefault == 0
		}
		if onByDefault {
			out = append(out, p)
		}
	}
	return out
}

// withoutDisabled drops the protocols whose SCHANNEL client key says
// Enabled=0, which no program can override.
func withoutDisabled(vals Values, protocols []string) []string {
	var out []string
	for _, p := range protocols {
		enabled := vals.get(ViewNative, SchannelClientKey(p), ValueEnabled)
		if enabled == nil || *enabled != 0 {
			out = append(out, p)
		}
	}
	return out
}

// dotNetOffers is what a .NET Framework 4.x program built for an older
// version than 4.6, such as Windows PowerShell, offers in one view.
func dotNetOffers(ver WindowsVersion, vals Values, view View) []string {
	release := vals.get(ViewNative, KeyNetSetup, ValueRelease)
	strong := vals.get(view, KeyNetFramework, ValueStrongCrypto)
	sysDefault := vals.get(view, KeyNetFramework, ValueSystemDefault)
	has := func(v *uint32) bool { return v != nil && *v == 1 }
	switch {
	case ver.Build >= build1809:
		return schannelDefaults(ver, vals)
	case release == nil || *release < release45:
		return withoutDisabled(vals, []string{Tls})
	case has(sysDefault) && *release >= release47:
		return schannelDefaults(ver, vals)
	case has(strong):
		return withoutDisabled(vals, []string{Tls, Tls11, Tls12})
	}
	return withoutDisabled(vals, []string{Tls})
}

func winHTTPOffers(ver WindowsVersion, vals Values, view View) []string {
	flags := vals.get(view, KeyWinHTTP, ValueSecureProtocols)
	if flags == nil {
		if ver.Build >= build81 {
			return schannelDefaults(ver, vals)
		}
		return withoutDisabled(vals, []string{Tls})
	}
	var out []string
	for _, p := range []struct {
		name string
		bit  uint32
	}{{Tls, winHTTPTls10}, {Tls11, winHTTPTls11}, {Tls12, winHTTPTls12}, {Tls13, winHTTPTls13}} {
		if *flags&p.bit != 0 {
			out = append(out, p.name)
		}
	}
	return withoutDisabled(vals, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Evaluate applies the rules: for each consumer, what it offers now, the
// changes that would make it offer TLS 1.2 and anything that blocks TLS 1.2
// whatever the changes.
func Evaluate(ver WindowsVersion, vals Values) []Verdict {
	return []Verdict{evaluateDotNet(ver, vals), evaluateWinHTTP(ver, vals)}
}

// TODO: only .NET 4.x (v4.0.30319) is covered; the .NET 3.5 values under
// v2.0.50727, which Windows PowerShell 2.0 and .NET 3.5 programs read, are
// neither reported nor set.
func evaluateDotNet(ver WindowsVersion, vals Values) Verdict {
	v := Verdict{
		Consumer:    ConsumerPowerShell,
		Description: "Windows PowerShell's web cmdlets and other .NET Framework 4.x programs",
		Changes:     []Change{},
		Blockers:    []string{},
		Notes:       []string{},
	}
	if ver.Build < build1809 {
		for _, view := range ver.Views() {
			if old := vals.get(view, KeyNetFramework, ValueStrongCrypto); old == nil || *old != 1 {
				v.Changes = append(v.Changes, newChange(view, KeyNetFramework, ValueStrongCrypto, old, 1,
					".NET Framework 4.5 and later offer TLS 1.1 and 1.2 to programs built for older versions, such as Windows PowerShell"))
			}
			if old := vals.get(view, KeyNetFramework, ValueSystemDefault); old == nil || *old != 1 {
				v.Changes = append(v.Changes, newChange(view, KeyNetFramework, ValueSystemDefault, old, 1,
					".NET Framework 4.7 and later let Windows choose the versions, including TLS 1.3 where Windows has it"))
			}
		}
		release := vals.get(ViewNative, KeyNetSetup, ValueRelease)
		if release == nil || *release < release45 {
			v.Blockers = append(v.Blockers, ".NET Framework 4.5 or later is not installed "+
				"(Release under HKLM\\"+KeyNetSetup+" is missing or below 378389): older .NET cannot use TLS 1.2; "+
				"install .NET Framework 4.8 (Windows Management Framework 5.1 needs it too)")
		}
	}
	if ver.Build < build8 {
		// Windows 7 and Server 2008 R2 keep TLS 1.2 off for programs that
		// let the system choose, which .NET 4.7 and later do once
		// SystemDefaultTlsVersions is set.
		key := SchannelClientKey(Tls12)
		if en := vals.get(ViewNative, key, ValueEnabled); en == nil {
			v.Changes = append(v.Changes, newChange(ViewNative, key, ValueEnabled, nil, 1,
				"Windows 7 and Server 2008 R2 ship with the TLS 1.2 client turned off for programs that let Windows choose"))
		}
		if dbd := vals.get(ViewNative, key, ValueDisabledByDefault); dbd == nil || *dbd != 0 {
			v.Changes = append(v.Changes, newChange(ViewNative, key, ValueDisabledByDefault, dbd, 0,
				"Windows 7 and Server 2008 R2 ship with the TLS 1.2 client turned off for programs that let Windows choose"))
		}
	}
	v.Offers = dotNetOffers(ver, vals, ViewNative)
	if ver.Is64Bit {
		v.Offers32 = dotNetOffers(ver, vals, View32)
	}
	after := applied(vals, v.Changes)
	addSchannelBlockers(&v, ver, after, func(view View) []string { return dotNetOffers(ver, after, view) })
	v.Verdict, v.Reason = conclude(v, consumerTitle[ConsumerPowerShell])
	return v
}

// TODO: whether update KB3140245 is installed is not detected, so on
// Windows 7, Server 2008 R2 and 2012 WinHTTP is called Ready once the value
// is set even where it has no effect yet; the note says so instead.
func evaluateWinHTTP(ver WindowsVersion, vals Values) Verdict {
	v := Verdict{
		Consumer:    ConsumerWinHTTP,
		Description: "WinHTTP, used by Windows Update agents, BITS and many services",
		Changes:     []Change{},
		Blockers:    []string{},
		Notes:       []string{},
	}
	for _, view := range ver.Views() {
		old := vals.get(view, KeyWinHTTP, ValueSecureProtocols)
		switch {
		case old != nil && *old&winHTTPTls12 != 0:
		case old == nil && ver.Build >= build81:
		default:
			data := uint32(WinHTTPTls11And12)
			if old != nil {
				data |= *old
			}
			v.Changes = append(v.Changes, newChange(view, KeyWinHTTP, ValueSecureProtocols, old, data,
				"WinHTTP offers TLS 1.1 and 1.2 only when DefaultSecureProtocols asks for them"))
		}
	}
	switch {
	case ver.Build < build8:
		v.Notes = append(v.Notes, "on Windows 7 and Server 2008 R2, DefaultSecureProtocols takes effect "+
			"only once update KB3140245 is installed")
	case ver.Build < build81 && ver.Server:
		v.Notes = append(v.Notes, "on Server 2012, DefaultSecureProtocols takes effect only once update "+
			"KB3140245 is installed")
	case ver.Build < build81:
		v.Notes = append(v.Notes, "Windows 8 never received update KB3140245, which makes WinHTTP read "+
			"DefaultSecureProtocols; Windows 8.1 offers TLS 1.2 through WinHTTP without it")
	}
	v.Offers = winHTTPOffers(ver, vals, ViewNative)
	if ver.Is64Bit {
		v.Offers32 = winHTTPOffers(ver, vals, View32)
	}
	after := applied(vals, v.Changes)
	addSchannelBlockers(&v, ver, after, func(view View) []string { return winHTTPOffers(ver, after, view) })
	v.Verdict, v.Reason = conclude(v, consumerTitle[ConsumerWinHTTP])
	return v
}

// applied returns a copy of vals with the changes made.
func applied(vals Values, changes []Change) Values {
	out := Values{}
	for k, v := range vals {
		out[k] = v
	}
	for _, c := range changes {
		ref := ValueRef{c.View, c.Key, c.Name}
		if strings.HasPrefix(c.Key, `SYSTEM\`) {
			ref.View = ViewNative
		}
		if c.New == nil {
			delete(out, ref)
		} else {
			out[ref] = *c.New
		}
	}
	return out
}

// addSchannelBlockers explains why TLS 1.2 would still be off once the
// changes are made: SCHANNEL settings an administrator or a policy set on
// purpose, which this package reports rather than overrides.
func addSchannelBlockers(v *Verdict, ver WindowsVersion, after Values, offers func(View) []string) {
	key := SchannelClientKey(Tls12)
	if en := after.get(ViewNative, key, ValueEnabled); en != nil && *en == 0 {
		v.Blockers = append(v.Blockers, fmt.Sprintf("the TLS 1.2 client is disabled in SCHANNEL "+
			"(Enabled=0 under HKLM\\%s): no program that uses Windows' TLS can use TLS 1.2 until that value "+
			"is removed or set to 1, which is left to whoever set it", key))
		return
	}
	if !contains(offers(ViewNative), Tls12) && len(v.Blockers) == 0 {
		if dbd := after.get(ViewNative, key, ValueDisabledByDefault); dbd != nil && *dbd != 0 {
			v.Blockers = append(v.Blockers, fmt.Sprintf("the TLS 1.2 client is off by default in SCHANNEL "+
				"(DisabledByDefault=%d under HKLM\\%s), and this consumer lets Windows choose", *dbd, key))
		}
	}
}

// conclude gives the verdict and the sentence that explains it.
func conclude(v Verdict, who string) (string, string) {
	best := func(offers []string) string {
		if len(offers) == 0 {
			return "no TLS version"
		}
		return protocolTitle[offers[len(offers)-1]]
	}
	switch {
	case len(v.Blockers) > 0:
		return Blocked, fmt.Sprintf("%s offers %s at most, and %s", who, best(v.Offers), v.Blockers[0])
	case !contains(v.Offers, Tls12):
		return NeedsChanges, fmt.Sprintf("%s offers %s at most until the listed changes are made", who, best(v.Offers))
	case v.Offers32 != nil && !contains(v.Offers32, Tls12):
		return NeedsChanges, fmt.Sprintf("64-bit %s offers TLS 1.2, but 32-bit programs offer %s at most "+
			"until the listed changes are made", who, best(v.Offers32))
	case len(v.Changes) > 0:
		return NeedsChanges, fmt.Sprintf("%s offers TLS 1.2; the listed changes complete the recommended settings", who)
	}
	return Ready, fmt.Sprintf("%s offers %s", who, joinTitles(v.Offers))
}

// joinTitles writes protocols as "TLS 1.0, TLS 1.1 and TLS 1.2".
func joinTitles(protocols []string) string {
	titles := make([]string, len(protocols))
	for i, p := range protocols {
		titles[i] = protocolTitle[p]
	}
	switch len(titles) {
	case 0:
		return "no TLS version"
	case 1:
		return titles[0]
	}
	return strings.Join(titles[:len(titles)-1], ", ") + " and " + titles[len(titles)-1]
}

func formatDWORD(v uint32) string { return fmt.Sprintf("0x%x", v) }
