package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dauth-cli/dauth/internal/discord"
)

type statusOptions struct {
	All    bool
	Output jsonOutput
}

// Profile states that `dauth status` reports, one per exit code.
const (
	stateValid         = "valid"          // exit 0
	stateLoginRequired = "login_required" // exit 4
	stateUnknown       = "unknown"        // exit 1: network, 429, 5xx
)

// profileStatus is one profile's entry in `dauth status --json`.
type profileStatus struct {
	Profile string          `json:"profile"`
	State   string          `json:"state"`
	User    json.RawMessage `json:"user,omitempty"`
	Scopes  []string        `json:"scopes,omitempty"`
	Expires *time.Time      `json:"expires,omitempty"`
	Storage string          `json:"storage"`
	Error   string          `json:"error,omitempty"`

	userName, userID string
	err              error
}

func newStatusCmd(a *app, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{}
	c := &cobra.Command{
		Use:   "status",
		Short: "Show whether the profile is signed in and its token is valid",
		Long: `Show the profile, the user, the granted scopes, when the access token
expires and where the tokens are stored, after checking the token with
Discord (GET /oauth2/@me; the token is refreshed first if it is about to
expire).

Exit status: 0 when the sign-in is valid, 4 when you must sign in again, 1
when dauth cannot tell (network failure, rate limit, Discord server error).
With --all, the exit status is that of the worst profile: 4 before 1.`,
		Example: `  dauth status
  dauth status --all
  dauth status --json --jq .state`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Output.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.statusRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.All, "all", false, "show every profile in the config file")
	opts.Output.addFlags(c.Flags(), "print the status as JSON (an array with --all)")
	return c
}

func (a *app) statusRun(ctx context.Context, opts *statusOptions) error {
	profiles := []string{a.profile}
	if opts.All {
		file, _, err := a.loadConfig()
		if err != nil {
			return err
		}
		profiles = file.Names()
		if len(profiles) == 0 {
			if opts.Output.JSON {
				if err := opts.Output.write(a.f.Out, []byte("[]")); err != nil {
					return err
				}
			}
			fmt.Fprintln(a.f.ErrOut, "No profiles yet. To sign in, run: dauth login")
			return &silentError{code: ExitLoginNeeded}
		}
	}

	statuses := make([]*profileStatus, 0, len(profiles))
	for _, name := range profiles {
		sub := *a
		sub.profile = name
		statuses = append(statuses, sub.profileStatus(ctx))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	if opts.Output.JSON {
		var value any = statuses[0]
		if opts.All {
			value = statuses
		}
		raw, err := marshalNoEscape(value)
		if err != nil {
			return err
		}
		if err := opts.Output.write(a.f.Out, raw); err != nil {
			return err
		}
	} else {
		a.printStatuses(a.f.Out, statuses)
	}

	code := ExitOK
	for _, s := range statuses {
		switch {
		case s.State == stateLoginRequired:
			code = ExitLoginNeeded
		case s.State == stateUnknown && code == ExitOK:
			code = ExitError
		}
	}
	if code != ExitOK {
		return &silentError{code: code}
	}
	return nil
}

// profileStatus checks one profile with Discord.
func (a *app) profileStatus(ctx context.Context) *profileStatus {
	status := &profileStatus{Profile: a.profile}
	env, err := a.newAPIEnv()
	if err != nil {
		return status.fail(err)
	}
	status.Storage = env.store.Describe(a.profile)

	var auth *discord.Authorization
	var raw json.RawMessage
	err = env.session.Do(ctx, false, func(ctx context.Context, token string) error {
		var err error
		raw, auth, err = env.client.CurrentAuthorization(ctx, token)
		return err
	})
	if err != nil {
		// Show what is stored, so the user sees which sign-in failed.
		if ts, loadErr := env.store.Load(a.profile); loadErr == nil {
			status.Scopes = strings.Fields(ts.Scope)
			status.Expires = &ts.Expiry
		}
		return status.fail(err)
	}

	status.State = stateValid
	status.Scopes = auth.Scopes
	expires := auth.Expires
	status.Expires = &expires
	var withUser struct {
		User json.RawMessage `json:"user"`
	}
	if json.Unmarshal(raw, &withUser) == nil && len(withUser.User) > 0 && string(withUser.User) != "null" {
		status.User = withUser.User
	}
	if auth.User != nil {
		status.userName = displayName(auth.User.Username, auth.User.GlobalName)
		status.userID = auth.User.ID
	}
	return status
}

func (s *profileStatus) fail(err error) *profileStatus {
	s.err = err
	s.Error = err.Error()
	if exitCode(err) == ExitLoginNeeded {
		s.State = stateLoginRequired
	} else {
		s.State = stateUnknown
	}
	return s
}

func (a *app) printStatuses(out io.Writer, statuses []*profileStatus) {
	for i, s := range statuses {
		if i > 0 {
			fmt.Fprintln(out)
		}
		w := newTable(out)
		fmt.Fprintf(w, "Profile:\t%s\n", s.Profile)
		switch s.State {
		case stateValid:
			fmt.Fprintf(w, "State:\tvalid\n")
		case stateLoginRequired:
			fmt.Fprintf(w, "State:\tsign-in needed (%s)\n", s.Error)
		default:
			fmt.Fprintf(w, "State:\tunknown (%s)\n", s.Error)
		}
		if s.userID != "" {
			fmt.Fprintf(w, "User:\t%s (%s)\n", printable(s.userName), s.userID)
		}
		if len(s.Scopes) > 0 {
			fmt.Fprintf(w, "Scopes:\t%s\n", strings.Join(s.Scopes, " "))
		}
		if s.Expires != nil && !s.Expires.IsZero() {
			fmt.Fprintf(w, "Access token expires:\t%s (%s)\n", s.Expires.UTC().Format(time.RFC3339), untilText(a.now(), *s.Expires))
		}
		if s.Storage != "" {
			fmt.Fprintf(w, "Token storage:\t%s\n", s.Storage)
		}
		_ = w.Flush()
	}
}

func (a *app) now() time.Time {
	if a.f.Now != nil {
		return a.f.Now()
	}
	return time.Now()
}

func untilText(now, t time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	if d <= 0 {
		return "expired"
	}
	return "in " + d.String()
}
