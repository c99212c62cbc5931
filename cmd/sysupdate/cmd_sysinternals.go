package main

import (
	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/sysinternals"
)

func init() {
	register(func(env *environment) *cli.Command {
		return commandWithDefaults(env, "sysinternals", "keep a folder of Sysinternals tools current",
			sysinternals.NewOptions, sysinternals.Run)
	})
}
