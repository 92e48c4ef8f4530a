// Package cmd holds dauth's cobra commands. Each command parses its flags
// into an options struct and calls a run function; the protocol logic lives
// in internal packages.
package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, as listed in `dauth --help` and the README.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitLoginNeeded = 4
	ExitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0    success
  1    error (network, rate limit, Discord server error, port in use, timeout)
  2    bad usage (unknown flag, invalid value)
  4    sign-in needed (not logged in, refresh token rejected, unreadable token
       set, a scope the command needs was not granted)
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)`

// Main runs dauth with args and returns the process exit code. It is the
// only place that turns errors into exit codes and hints.
func Main(ctx context.Context, args []string, f *Factory) int {
	a := &app{f: f}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)

	command, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	// cobra returns an unknown subcommand as a plain error.
	if strings.HasPrefix(err.Error(), "unknown command ") {
		err = usageErr(err)
	}
	if errors.Is(err, errSilent) {
		return exitCode(err)
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.ErrOut, "dauth: interrupted")
		return ExitInterrupted
	}
	fmt.Fprintf(f.ErrOut, "dauth: %v\n", err)
	commandPath := root.CommandPath()
	if command != nil {
		commandPath = command.CommandPath()
	}
	if hint := hintFor(err, a.profile, commandPath); hint != "" {
		fmt.Fprintln(f.ErrOut, hint)
	}
	return exitCode(err)
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "dauth",
		Short: "Sign in to Discord with OAuth2 and call the Discord API",
		Long: `dauth signs you in to Discord with OAuth2 (authorization code + PKCE),
keeps the tokens in the OS keyring, refreshes them before each call, and
calls the Discord API for you.

` + exitCodesHelp,
		Example: `  dauth login --client-id 123456789012345678
  dauth me
  dauth guilds --json | jq '.[].name'`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			return a.setup(c)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })

	pf := root.PersistentFlags()
	pf.StringVar(&a.profile, "profile", "", "profile `name` to use (env DAUTH_PROFILE, default \"default\")")
	pf.BoolVar(&a.debug, "debug", false, "log each HTTP request to stderr, secrets masked (env DAUTH_DEBUG=1)")
	_ = root.RegisterFlagCompletionFunc("profile", a.completeProfiles)

	root.AddCommand(
		newLoginCmd(a, nil),
		newMeCmd(a, nil),
		newGuildsCmd(a, nil),
		newStatusCmd(a, nil),
		newTokenCmd(a, nil),
		newLogoutCmd(a, nil),
		newAPICmd(a, nil),
	)
	return root
}

// setup applies the global flags' environment fallbacks and validates them.
func (a *app) setup(c *cobra.Command) error {
	if c.Flags().Changed("profile") {
		if a.profile == "" {
			return usageErr(errors.New("--profile is empty: give a profile name, or leave the flag out for the profile \"default\""))
		}
	} else {
		a.profile = a.env("DAUTH_PROFILE")
	}
	if a.profile == "" {
		a.profile = "default"
	}
	if err := validateProfile(a.profile); err != nil {
		return err
	}
	if !c.Flags().Changed("debug") {
		switch a.env("DAUTH_DEBUG") {
		case "", "0", "false":
		default:
			a.debug = true
		}
	}
	a.stdin = bufio.NewReader(a.f.In)
	return nil
}

func (a *app) completeProfiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	file, _, err := a.loadConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return file.Names(), cobra.ShellCompDirectiveNoFileComp
}
