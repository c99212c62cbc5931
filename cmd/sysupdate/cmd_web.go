package main

import (
	"reflect"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/web"
)

// The web command starts from the cmdlets' defaults (five redirects, five
// seconds between retries) rather than zero values, so it binds its
// options itself instead of through command().
func init() {
	register(func(env *environment) *cli.Command {
		const name = "web"
		return &cli.Command{
			Name:  name,
			Usage: "send one HTTP request (Invoke-WebRequest, Invoke-RestMethod)",
			Flags: append(append([]cli.Flag{}, commonFlags...), flagsWithDefaults(web.NewOptions())...),
			OnUsageError: func(c *cli.Context, err error, _ bool) error {
				return bridge.Usagef("BadUsage", "%v (see sysupdate %s --help)", err, name)
			},
			Action: func(c *cli.Context) error {
				if err := env.configure(c); err != nil {
					return err
				}
				opts := web.NewOptions()
				if err := bindOptions(c, env, opts); err != nil {
					return err
				}
				return web.Run(c.Context, env.out, opts)
			},
		}
	})
}

// flagsWithDefaults builds the flags of an options struct and shows the
// non-zero numbers of defaults in the help. Only flags a user sets are
// applied, so the values shown never override a request.
func flagsWithDefaults(defaults any) []cli.Flag {
	flags := flagsFor(defaults)
	v := reflect.ValueOf(defaults).Elem()
	byName := map[string]reflect.Value{}
	for _, f := range optionFields(v.Type()) {
		byName[f.flag] = v.FieldByIndex(f.index)
	}
	for _, flag := range flags {
		if n, ok := flag.(*cli.Int64Flag); ok {
			n.Value = byName[n.Name].Int()
		}
	}
	return flags
}
