package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/buildinfo"
)

// buildVersion is set at link time by the build script
// (-ldflags "-X main.buildVersion=1.2.3").
var buildVersion = "0.1.0-dev"

func init() {
	register(func(env *environment) *cli.Command {
		return command(env, "version", "print the version, the protocol version and the build flavour",
			func(ctx context.Context, out *bridge.Writer, opts *buildinfo.Options) error {
				return buildinfo.Run(out, buildVersion, opts)
			})
	})
}
