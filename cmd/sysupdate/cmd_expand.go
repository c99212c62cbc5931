package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/expand"
)

func init() {
	register(func(env *environment) *cli.Command {
		return command(env, "expand", "extract a zip archive safely, as Expand-Archive does",
			func(ctx context.Context, out *bridge.Writer, opts *expand.Options) error {
				return expand.Run(ctx, out, opts)
			})
	})
}
