package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dauth-cli/dauth/internal/discord"
)

type meOptions struct {
	Refresh bool
	Output  jsonOutput
}

func newMeCmd(a *app, runF func(context.Context, *meOptions) error) *cobra.Command {
	opts := &meOptions{}
	c := &cobra.Command{
		Use:   "me",
		Short: "Show the signed-in Discord user",
		Long: `Show the signed-in Discord user (GET /users/@me, scope identify).

The access token is refreshed first when it expires within 5 minutes.`,
		Example: `  dauth me
  dauth me --json
  dauth me --jq .id`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Output.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.meRun(c.Context(), opts)
		},
	}
	addRefreshFlag(c.Flags(), &opts.Refresh)
	opts.Output.addFlags(c.Flags(), "print the user object exactly as Discord sent it")
	return c
}

func (a *app) meRun(ctx context.Context, opts *meOptions) error {
	env, err := a.newAPIEnv()
	if err != nil {
		return err
	}
	env.session.RequiredScopes = []string{"identify"}
	var raw json.RawMessage
	var user *discord.User
	err = env.session.Do(ctx, opts.Refresh, func(ctx context.Context, token string) error {
		var err error
		raw, user, err = env.client.CurrentUser(ctx, token)
		return err
	})
	if err != nil {
		return err
	}
	if opts.Output.JSON {
		return opts.Output.write(a.f.Out, raw)
	}

	w := newTable(a.f.Out)
	fmt.Fprintf(w, "Username:\t%s\n", printable(user.Username))
	if user.GlobalName != nil && *user.GlobalName != "" {
		fmt.Fprintf(w, "Global name:\t%s\n", printable(*user.GlobalName))
	}
	fmt.Fprintf(w, "ID:\t%s\n", user.ID)
	return w.Flush()
}
