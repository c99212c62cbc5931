package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// commandWithDefaults is command for options that start from defaults
// rather than zero values: the flags show the defaults, and the request
// and the flags a user sets apply over them.
func commandWithDefaults[O any](env *environment, name, usage string, defaults func() *O,
	run func(ctx context.Context, out *bridge.Writer, opts *O) error) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: append(append([]cli.Flag{}, commonFlags...), flagsWithDefaults(defaults())...),
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return bridge.Usagef("BadUsage", "%v (see sysupdate %s --help)", err, name)
		},
		Action: func(c *cli.Context) error {
			if err := env.configure(c); err != nil {
				return err
			}
			opts := defaults()
			if err := bindOptions(c, env, opts); err != nil {
				return err
			}
			return run(c.Context, env.out, opts)
		},
	}
}
