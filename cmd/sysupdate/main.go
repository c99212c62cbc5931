// Command sysupdate downloads over HTTPS with TLS 1.2 or later, unpacks
// archives and keeps tool folders current, for Windows PowerShell hosts
// whose own TLS is too old. It answers in NDJSON records (see pkg/bridge);
// the SysUpdate PowerShell module turns them into objects and errors.
//
// This package only turns flags into options and calls one run function in
// pkg/ per command; everything else lives there.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// environment is what a command may use of the process: its I/O streams
// and the record writer built on standard output.
type environment struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	text   bool // render records as text for a person at a terminal
	out    *bridge.Writer

	usageErr error // an unknown command, which urfave/cli reports by callback
}

// commandFactories is filled by the cmd_*.go files, one command each.
var commandFactories []func(*environment) *cli.Command

func register(factory func(*environment) *cli.Command) {
	commandFactories = append(commandFactories, factory)
}

// commonFlags are accepted by every command.
var commonFlags = []cli.Flag{
	&cli.StringFlag{Name: "request", Usage: "read the whole request as one JSON object from standard input ('-')"},
	&cli.BoolFlag{Name: "verbose", Usage: "add Verbose records that explain each step"},
	&cli.StringFlag{Name: "output", Usage: "record format: json (default when piped) or text (default at a terminal)"},
	&cli.BoolFlag{Name: "no-progress", Usage: "write no Progress records, as in a login script that logs its output"},
}

// command builds a command from its options type and run function: the
// action binds the flags and the request into a fresh options value, then
// hands it over.
func command[O any](env *environment, name, usage string,
	run func(ctx context.Context, out *bridge.Writer, opts *O) error) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: append(append([]cli.Flag{}, commonFlags...), flagsFor(new(O))...),
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return bridge.Usagef("BadUsage", "%v (see sysupdate %s --help)", err, name)
		},
		Action: func(c *cli.Context) error {
			if err := env.configure(c); err != nil {
				return err
			}
			opts := new(O)
			if err := bindOptions(c, env, opts); err != nil {
				return err
			}
			return run(c.Context, env.out, opts)
		},
	}
}

// configure builds the record writer from the common flags.
func (env *environment) configure(c *cli.Context) error {
	text := env.text
	switch c.String("output") {
	case "":
	case "json":
		text = false
	case "text":
		text = true
	default:
		return bridge.Usagef("BadOutputFormat", "--output takes json or text, not %q", c.String("output"))
	}
	if text {
		// The bar is drawn only where a person can see it: a log file
		// would collect every redraw.
		var bar io.Writer
		if isTerminal(env.stderr) {
			bar = env.stderr
		}
		env.out = bridge.NewTextWriter(env.stdout, bar, c.Bool("verbose"))
	} else {
		env.out = bridge.NewWriter(env.stdout, c.Bool("verbose"))
	}
	env.out.SetQuiet(c.Bool("no-progress"))
	return nil
}

func newApp(env *environment) *cli.App {
	var commands []*cli.Command
	for _, factory := range commandFactories {
		commands = append(commands, factory(env))
	}
	sort.Slice(commands, func(i, j int) bool { return commands[i].Name < commands[j].Name })
	return &cli.App{
		Name:                 "sysupdate",
		Usage:                "download over HTTPS with TLS 1.2+, unpack archives, keep tool folders current",
		Version:              buildVersion,
		Commands:             commands,
		Writer:               env.stdout,
		ErrWriter:            env.stderr,
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		ExitErrHandler:       func(*cli.Context, error) {}, // main reports every error
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return bridge.Usagef("BadUsage", "%v (see sysupdate --help)", err)
		},
		CommandNotFound: func(c *cli.Context, name string) {
			env.usageErr = bridge.Usagef("UnknownCommand", "unknown command %q (see sysupdate --help)", name)
		},
	}
}

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &environment{stdin: stdin, stdout: stdout, stderr: stderr, text: isTerminal(stdout)}
	if env.text {
		env.out = bridge.NewTextWriter(stdout, stderr, false)
	} else {
		env.out = bridge.NewWriter(stdout, false)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	err := newApp(env).RunContext(ctx, args)
	if err == nil {
		err = env.usageErr
	}
	if err != nil && ctx.Err() != nil && !isClassified(err) {
		err = bridge.Wrap(bridge.KindInterrupted, "Interrupted", ctx.Err(), "interrupted")
	}
	if err != nil {
		env.out.Error(err)
	}
	return bridge.ExitCode(err)
}

func isClassified(err error) bool {
	var e *bridge.Error
	return errors.As(err, &e) && e.Kind != bridge.KindInternal
}

// isTerminal reports whether w is a console or terminal a person reads.
// /dev/null is a character device too, so the check asks the terminal
// driver (isTerminalFd), not the file mode.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFd(f.Fd())
}

func init() {
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintf(c.App.Writer, "sysupdate %s (protocol %s)\n", buildVersion, bridge.ProtocolVersion)
	}
}
