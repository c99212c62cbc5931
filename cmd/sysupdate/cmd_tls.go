package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/tlsconfig"
)

func init() {
	register(func(env *environment) *cli.Command {
		return &cli.Command{
			Name:  "tls",
			Usage: "inspect and fix the TLS settings of Windows PowerShell and WinHTTP, and probe what a server accepts",
			Subcommands: []*cli.Command{
				tlsCommand(command(env, "status", "what decides whether Windows PowerShell and .NET programs here can use TLS 1.2 (Windows only)",
					func(ctx context.Context, out *bridge.Writer, opts *tlsconfig.StatusOptions) error {
						return tlsconfig.RunStatus(out, opts)
					})),
				tlsCommand(command(env, "enable", "make the registry changes the status calls for, after a backup (Windows only, administrator)",
					func(ctx context.Context, out *bridge.Writer, opts *tlsconfig.EnableOptions) error {
						return tlsconfig.RunEnable(out, opts)
					})),
				tlsCommand(command(env, "restore", "put the values of a backup back, deleting those that were absent (Windows only, administrator)",
					func(ctx context.Context, out *bridge.Writer, opts *tlsconfig.RestoreOptions) error {
						return tlsconfig.RunRestore(out, opts)
					})),
				tlsCommand(command(env, "probe", "which TLS versions a server accepts, its certificate chain, and advice for Windows PowerShell",
					func(ctx context.Context, out *bridge.Writer, opts *tlsconfig.ProbeOptions) error {
						return tlsconfig.RunProbe(ctx, out, opts)
					})),
			},
			// Without a known subcommand urfave/cli would print help and
			// succeed; a caller must see a usage error instead.
			Action: func(c *cli.Context) error {
				if c.Args().Present() {
					return bridge.Usagef("UnknownCommand", "unknown command 'tls %s': use status, enable, restore or probe", c.Args().First())
				}
				return bridge.Usagef("SubcommandRequired", "tls needs a command: status, enable, restore or probe (see sysupdate tls --help)")
			},
		}
	})
}

// tlsCommand points a subcommand's usage errors at its full name, since
// the shared helper knows only the last word.
func tlsCommand(cmd *cli.Command) *cli.Command {
	cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error {
		return bridge.Usagef("BadUsage", "%v (see sysupdate tls %s --help)", err, cmd.Name)
	}
	return cmd
}
