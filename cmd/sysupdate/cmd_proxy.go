package main

import (
	"context"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

func init() {
	register(func(env *environment) *cli.Command {
		return command(env, "proxy", "explain which proxy a request to --uri would use, and why",
			func(ctx context.Context, out *bridge.Writer, opts *proxy.RunOptions) error {
				return proxy.Run(ctx, out, os.Getenv, opts)
			})
	})
}
