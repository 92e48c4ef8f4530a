package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

type tokenOptions struct {
	Refresh bool
}

func newTokenCmd(a *app, runF func(context.Context, *tokenOptions) error) *cobra.Command {
	opts := &tokenOptions{}
	c := &cobra.Command{
		Use:   "token",
		Short: "Print a fresh access token",
		Long: `Print the profile's access token alone on standard output, refreshing it
first when it expires within 5 minutes.

This is the only dauth command that prints a secret. Anyone with the token can
act as you on Discord within its scopes until it expires: pass it straight to
the program that needs it, and keep it out of logs and shell history.`,
		Example: `  curl -H "Authorization: Bearer $(dauth token)" https://discord.com/api/v10/users/@me`,
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.tokenRun(c.Context(), opts)
		},
	}
	addRefreshFlag(c.Flags(), &opts.Refresh)
	return c
}

func (a *app) tokenRun(ctx context.Context, opts *tokenOptions) error {
	env, err := a.newAPIEnv()
	if err != nil {
		return err
	}
	ts, err := env.session.Token(ctx, opts.Refresh)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(a.f.Out, ts.AccessToken)
	return err
}
