package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dauth-cli/dauth/internal/discord"
)

type guildsOptions struct {
	Refresh bool
	Output  jsonOutput
}

func newGuildsCmd(a *app, runF func(context.Context, *guildsOptions) error) *cobra.Command {
	opts := &guildsOptions{}
	c := &cobra.Command{
		Use:   "guilds",
		Short: "List the servers (guilds) the signed-in user is in",
		Long: `List the servers (guilds) the signed-in user is in (GET /users/@me/guilds,
scope guilds), following pages of 200 until the last one.

With --json, stdout carries one JSON array of the guild objects, each byte for
byte as Discord sent it.`,
		Example: `  dauth guilds
  dauth guilds --json | jq -r '.[].name'
  dauth guilds --jq '[.[] | select(.owner)] | length'`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Output.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.guildsRun(c.Context(), opts)
		},
	}
	addRefreshFlag(c.Flags(), &opts.Refresh)
	opts.Output.addFlags(c.Flags(), "print one JSON array of the guild objects exactly as Discord sent them")
	return c
}

func (a *app) guildsRun(ctx context.Context, opts *guildsOptions) error {
	env, err := a.newAPIEnv()
	if err != nil {
		return err
	}
	env.session.RequiredScopes = []string{"guilds"}
	var raw []json.RawMessage
	var guilds []discord.Guild
	err = env.session.Do(ctx, opts.Refresh, func(ctx context.Context, token string) error {
		var err error
		raw, guilds, err = env.client.Guilds(ctx, token)
		return err
	})
	if err != nil {
		return err
	}
	if opts.Output.JSON {
		return opts.Output.write(a.f.Out, joinArray(raw))
	}

	if len(guilds) == 0 {
		fmt.Fprintln(a.f.ErrOut, "The user is in no guilds.")
		return nil
	}
	w := newTable(a.f.Out)
	fmt.Fprintln(w, "ID\tNAME\tOWNER")
	for _, g := range guilds {
		owner := ""
		if g.Owner {
			owner = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", g.ID, printable(g.Name), owner)
	}
	return w.Flush()
}
