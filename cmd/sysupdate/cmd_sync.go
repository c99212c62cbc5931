package main

import (
	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/mirror"
)

func init() {
	register(func(env *environment) *cli.Command {
		return commandWithDefaults(env, "sync", "mirror a web directory listing, or a local or UNC folder, into a folder",
			mirror.NewOptions, mirror.Run)
	})
}
