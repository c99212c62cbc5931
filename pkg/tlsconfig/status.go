package tlsconfig

import (
	"errors"
	"fmt"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Status is the payload of the SysUpdate.TlsStatus record: what decides
// whether Windows PowerShell, other .NET programs and WinHTTP on this
// machine can use TLS 1.2, and a verdict for each. Absent registry values
// are null.
type Status struct {
	Windows                string             `json:"Windows"` // such as "Windows 7 SP1"
	WindowsVersion         string             `json:"WindowsVersion"`
	Build                  uint32             `json:"Build"`
	Server                 bool               `json:"Server"`
	Is64BitOperatingSystem bool               `json:"Is64BitOperatingSystem"`
	NetFrameworkRelease    *uint32            `json:"NetFrameworkRelease"`
	NetFrameworkVersion    string             `json:"NetFrameworkVersion"` // such as "4.8"; empty when 4.x is absent
	NetFramework           []NetFrameworkView `json:"NetFramework"`
	Schannel               []SchannelClient   `json:"Schannel"`
	WinHttp                []WinHTTPView      `json:"WinHttp"`
	NotDWORD               []string           `json:"NotDWORD"` // values of another type, which Windows ignores
	Consumers              []Verdict          `json:"Consumers"`
}

// NetFrameworkView holds the .NET 4.x TLS values of one registry view.
type NetFrameworkView struct {
	View                     View    `json:"View"`
	Path                     string  `json:"Path"`
	SchUseStrongCrypto       *uint32 `json:"SchUseStrongCrypto"`
	SystemDefaultTlsVersions *uint32 `json:"SystemDefaultTlsVersions"`
}

// SchannelClient holds the SCHANNEL client values of one protocol.
type SchannelClient struct {
	Protocol          string  `json:"Protocol"`
	Path              string  `json:"Path"`
	Enabled           *uint32 `json:"Enabled"`
	DisabledByDefault *uint32 `json:"DisabledByDefault"`
}

// WinHTTPView holds WinHTTP's default protocols in one registry view.
type WinHTTPView struct {
	View                   View    `json:"View"`
	Path                   string  `json:"Path"`
	DefaultSecureProtocols *uint32 `json:"DefaultSecureProtocols"`
}

// Consumer returns the verdict for one consumer.
func (s *Status) Consumer(name string) *Verdict {
	for i := range s.Consumers {
		if s.Consumers[i].Consumer == name {
			return &s.Consumers[i]
		}
	}
	return nil
}

// netFrameworkVersions maps the lowest Release of each version, newest
// first.
var netFrameworkVersions = []struct {
	release uint32
	version string
}{
	{533320, "4.8.1"}, {528040, "4.8"}, {461808, "4.7.2"}, {461308, "4.7.1"}, {460798, "4.7"},
	{394802, "4.6.2"}, {394254, "4.6.1"}, {393295, "4.6"}, {379893, "4.5.2"}, {378675, "4.5.1"},
	{378389, "4.5"},
}

// NetFrameworkVersion names the .NET Framework version of a Release value.
func NetFrameworkVersion(release uint32) string {
	for _, v := range netFrameworkVersions {
		if release >= v.release {
			return v.version
		}
	}
	return "4.0"
}

// ReadValues reads every watched value of this Windows. Values of another
// type than REG_DWORD, which Windows ignores, are returned apart.
func ReadValues(reg Registry, ver WindowsVersion) (Values, map[ValueRef]*NotDWORDError, error) {
	vals := Values{}
	wrong := map[ValueRef]*NotDWORDError{}
	for _, ref := range Watched(ver) {
		data, ok, err := reg.GetDWORD(ref.View, ref.Key, ref.Name)
		var nd *NotDWORDError
		if errors.As(err, &nd) {
			wrong[ref] = nd
			continue
		}
		if err != nil {
			return nil, nil, registryError("RegistryReadFailed", err, "read %s\\%s", RegistryPath(ref.View, ref.Key), ref.Name)
		}
		if ok {
			vals[ref] = data
		}
	}
	return vals, wrong, nil
}

// NewStatus builds the status from the values read.
func NewStatus(ver WindowsVersion, vals Values) Status {
	s := Status{
		Windows:                ver.Name(),
		WindowsVersion:         ver.String(),
		Build:                  ver.Build,
		Server:                 ver.Server,
		Is64BitOperatingSystem: ver.Is64Bit,
		NetFrameworkRelease:    vals.get(ViewNative, KeyNetSetup, ValueRelease),
		Consumers:              Evaluate(ver, vals),
	}
	if s.NetFrameworkRelease != nil {
		s.NetFrameworkVersion = NetFrameworkVersion(*s.NetFrameworkRelease)
	}
	for _, view := range ver.Views() {
		s.NetFramework = append(s.NetFramework, NetFrameworkView{
			View:                     view,
			Path:                     RegistryPath(view, KeyNetFramework),
			SchUseStrongCrypto:       vals.get(view, KeyNetFramework, ValueStrongCrypto),
			SystemDefaultTlsVersions: vals.get(view, KeyNetFramework, ValueSystemDefault),
		})
		s.WinHttp = append(s.WinHttp, WinHTTPView{
			View:                   view,
			Path:                   RegistryPath(view, KeyWinHTTP),
			DefaultSecureProtocols: vals.get(view, KeyWinHTTP, ValueSecureProtocols),
		})
	}
	for _, p := range Protocols {
		key := SchannelClientKey(p)
		s.Schannel = append(s.Schannel, SchannelClient{
			Protocol:          p,
			Path:              RegistryPath(ViewNative, key),
			Enabled:           vals.get(ViewNative, key, ValueEnabled),
			DisabledByDefault: vals.get(ViewNative, key, ValueDisabledByDefault),
		})
	}
	return s
}

// ReadStatus reads the registry and evaluates it.
func ReadStatus(sys *System) (Status, Values, error) {
	vals, wrong, err := ReadValues(sys.Registry, sys.Version)
	if err != nil {
		return Status{}, nil, err
	}
	s := NewStatus(sys.Version, vals)
	for _, ref := range Watched(sys.Version) {
		if nd := wrong[ref]; nd != nil {
			s.NotDWORD = append(s.NotDWORD, nd.Error())
			for i := range s.Consumers {
				blockWrongType(&s.Consumers[i], ref, nd)
			}
		}
	}
	return s, vals, nil
}

// blockWrongType takes a change to a value of the wrong type out of a
// verdict and reports it as a blocker instead: enable never overwrites
// data its backup cannot hold.
func blockWrongType(v *Verdict, ref ValueRef, nd *NotDWORDError) {
	kept := v.Changes[:0]
	touched := false
	for _, c := range v.Changes {
		if c.View == ref.View && c.Key == ref.Key && c.Name == ref.Name {
			touched = true
			continue
		}
		kept = append(kept, c)
	}
	v.Changes = kept
	if !touched {
		return
	}
	v.Blockers = append(v.Blockers, nd.Error()+", so Windows ignores it; enable does not overwrite a value "+
		"its backup cannot hold: delete it, or make it a REG_DWORD, by hand")
	v.Verdict, v.Reason = conclude(*v, consumerTitle[v.Consumer])
}

var consumerTitle = map[string]string{ConsumerPowerShell: "Windows PowerShell", ConsumerWinHTTP: "WinHTTP"}

// registryError classifies a registry failure: access denied means the
// process lacks administrator rights.
func registryError(id string, err error, format string, args ...any) *bridge.Error {
	if errors.Is(err, ErrAccessDenied) {
		return bridge.Wrap(bridge.KindLocal, "NotAdministrator", err, format, args...).
			WithCategory("PermissionDenied").
			WithDetail("Hint", "run sysupdate from an elevated prompt (Run as administrator)")
	}
	return bridge.Wrap(bridge.KindLocal, id, err, format, args...).WithCategory("ReadError")
}

// NotDWORDError reports a value of another registry type than REG_DWORD.
type NotDWORDError struct {
	Path string // the key as regedit shows it
	Name string
	Type uint32 // the registry type number: 1 is REG_SZ, 11 REG_QWORD
}

func (e *NotDWORDError) Error() string {
	return fmt.Sprintf("%s\\%s is of registry type %d, not REG_DWORD", e.Path, e.Name, e.Type)
}

func errNotDWORD(view View, key, name string, typ uint32) error {
	return &NotDWORDError{Path: RegistryPath(view, key), Name: name, Type: typ}
}

func errWindowsOnly() error {
	return bridge.Usagef("WindowsOnly", "this command reads and changes the Windows registry, "+
		"so it works on Windows only; 'sysupdate tls probe' works everywhere").WithCategory("NotImplemented")
}
