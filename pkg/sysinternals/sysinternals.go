// Package sysinternals is the Sysinternals preset of the folder sync: where
// the tools come from, which variants run on which processor, and the
// registry keys in which each tool records its accepted EULA.
package sysinternals

import (
	"context"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/mirror"
)

// Sources by name.
var namedSources = map[string]string{
	"live":        "https://live.sysinternals.com/",
	"suite":       "https://download.sysinternals.com/files/SysinternalsSuite.zip",
	"suite-nano":  "https://download.sysinternals.com/files/SysinternalsSuite-Nano.zip",
	"suite-arm64": "https://download.sysinternals.com/files/SysinternalsSuite-ARM64.zip",
}

// Options are the parameters of the sysinternals command.
type Options struct {
	Source       string `json:"Source" help:"live (default), suite, suite-nano, suite-arm64, a listing URL ending in /, a .zip URL, or a folder"`
	Architecture string `json:"Architecture" help:"x86, x64 or arm64: leave out the programs that cannot run there (default: this machine's)"`
	AcceptEula   bool   `json:"AcceptEula" help:"(Windows) record the license as accepted for each tool in the folder, as the tools do when a user agrees"`
	mirror.Common
}

// NewOptions returns the command's parameters at their defaults.
func NewOptions() *Options { return &Options{Common: mirror.NewCommon()} }

// ResolveSource turns a --source value into a source.
func ResolveSource(source string, net mirror.NetOptions, out *bridge.Writer) (mirror.Source, error) {
	if source == "" {
		source = "live"
	}
	if u, ok := namedSources[strings.ToLower(source)]; ok {
		source = u
	}
	if !mirror.IsURL(source) {
		return mirror.OpenSource(source, net, out)
	}
	g, err := mirror.NewGetter(net, out)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(strings.ToLower(strings.SplitN(source, "?", 2)[0]), ".zip") {
		return &mirror.ZipSource{URL: source, Getter: g}, nil
	}
	return mirror.NewHTTPSource(source, g)
}

// MachineArchitecture is the processor of this Windows machine in the
// preset's terms, looking through the 32-bit emulation a 386 build may run
// under.
func MachineArchitecture() string {
	if runtime.GOOS == "windows" {
		switch strings.ToUpper(os.Getenv("PROCESSOR_ARCHITEW6432")) {
		case "AMD64":
			return "x64"
		case "ARM64":
			return "arm64"
		}
	}
	switch runtime.GOARCH {
	case "386":
		return "x86"
	case "arm64":
		return "arm64"
	}
	return "x64"
}

// ArchitectureFilter returns the filter that leaves out programs that
// cannot run on arch: the 64-bit variants (name64.exe) on x86, the ARM64
// variants (name64a.exe) everywhere but on arm64.
func ArchitectureFilter(arch string) (func(rel string) string, error) {
	switch arch {
	case "x86", "x64", "arm64":
	default:
		return nil, bridge.Usagef("BadArchitecture", "--architecture takes x86, x64 or arm64, not %q", arch)
	}
	return func(rel string) string {
		name := strings.ToLower(rel)
		switch {
		case strings.HasSuffix(name, "64a.exe") && arch != "arm64":
			return "an ARM64 program (--architecture " + arch + ")"
		case strings.HasSuffix(name, "64.exe") && arch == "x86":
			return "a 64-bit program (--architecture x86)"
		}
		return ""
	}, nil
}

// Run keeps opts.Path current with the Sysinternals tools.
func Run(ctx context.Context, out *bridge.Writer, opts *Options) error {
	arch := strings.ToLower(opts.Architecture)
	if arch == "" {
		arch = MachineArchitecture()
	}
	filter, err := ArchitectureFilter(arch)
	if err != nil {
		return err
	}
	src, err := ResolveSource(opts.Source, opts.NetOptions, out)
	if err != nil {
		return err
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	cfg, err := opts.Common.Config(src)
	if err != nil {
		return err
	}
	cfg.Filter = filter
	_, syncErr := mirror.Sync(ctx, out, cfg)
	if opts.AcceptEula && !opts.WhatIf && ctx.Err() == nil {
		if err := AcceptEulas(out, opts.Path); err != nil {
			if syncErr == nil {
				return err
			}
			out.Error(err)
		}
	}
	return syncErr
}
