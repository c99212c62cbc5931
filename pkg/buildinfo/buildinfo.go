// Package buildinfo describes the running executable: its version, the
// protocol it speaks, the Go that built it and the flavour that follows.
package buildinfo

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Info is the payload of the SysUpdate.VersionInfo record.
type Info struct {
	Version   string `json:"Version"`
	Protocol  string `json:"Protocol"`
	GoVersion string `json:"GoVersion"`
	Flavour   string `json:"Flavour"` // legacy (runs on Windows 7 to 2012 R2) or modern
	OS        string `json:"OS"`
	Arch      string `json:"Arch"`
}

// Options are the parameters of the version command.
type Options struct {
	RequireProtocol string `json:"RequireProtocol" help:"fail (exit 2) unless the protocol satisfies this semantic-version constraint, such as ^1.0"`
}

// Flavour is "legacy" for a build by Go 1.20 or older, whose Windows
// binaries start on Windows 7, 8 and Server 2008 R2 to 2012 R2, and "modern"
// otherwise.
func Flavour(goVersion string) string {
	v := strings.TrimPrefix(goVersion, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "modern" // a development build of Go
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return "modern"
	}
	if major == 1 && minor <= 20 {
		return "legacy"
	}
	return "modern"
}

// Current describes this executable, whose version the build stamped.
func Current(version string) Info {
	return Info{
		Version:   version,
		Protocol:  bridge.ProtocolVersion,
		GoVersion: runtime.Version(),
		Flavour:   Flavour(runtime.Version()),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
	}
}

// Run writes the version record, after checking the protocol constraint a
// caller asked for.
func Run(out *bridge.Writer, version string, opts *Options) error {
	if opts.RequireProtocol != "" {
		if err := bridge.CheckProtocol(opts.RequireProtocol); err != nil {
			return err
		}
	}
	out.Output("SysUpdate.VersionInfo", Current(version))
	return nil
}
