package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dauth-cli/dauth/internal/config"
	"github.com/dauth-cli/dauth/internal/oauthflow"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

type logoutOptions struct {
	ForgetApp bool
}

func newLogoutCmd(a *app, runF func(context.Context, *logoutOptions) error) *cobra.Command {
	opts := &logoutOptions{}
	c := &cobra.Command{
		Use:   "logout",
		Short: "Revoke the sign-in at Discord and remove the stored tokens",
		Long: `Revoke the profile's grant at Discord's revocation endpoint, then remove the
stored token set. With --forget-app, also remove the profile's settings
(client ID, redirect URI, scopes) and its stored client secret.

If the revocation fails, the tokens are still removed from this machine, but
they may stay valid at Discord until they expire; dauth then exits 1. You can
also remove the grant under User Settings > Authorized Apps in Discord.`,
		Example: `  dauth logout
  dauth logout --profile work --forget-app`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.logoutRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.ForgetApp, "forget-app", false, "also remove the profile's settings and stored client secret")
	return c
}

func (a *app) logoutRun(ctx context.Context, opts *logoutOptions) error {
	env, err := a.newAPIEnv()
	if err != nil {
		return err
	}
	store := env.store
	unlock, err := env.session.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	// A login with the other storage may have left a token set there. It is
	// deleted, not revoked: it may belong to another client ID, and at
	// Discord revoking this profile's grant ends it too when the app is
	// the same.
	if err := a.clearOtherStore(env.settings, opts.ForgetApp); err != nil {
		return err
	}

	ts, loadErr := store.Load(a.profile)
	notFound := errors.Is(loadErr, tokenstore.ErrNotFound)
	if notFound && !opts.ForgetApp {
		fmt.Fprintf(a.f.ErrOut, "Profile %q is not logged in; nothing to do.\n", a.profile)
		return nil
	}

	var revokeErr error
	switch {
	case loadErr == nil:
		revokeErr = a.revoke(ctx, env, ts)
	case !notFound:
		revokeErr = fmt.Errorf("cannot revoke the grant because the stored token set is unreadable: %w", loadErr)
	}
	if !notFound {
		if err := store.Delete(a.profile); err != nil {
			return fmt.Errorf("remove stored tokens (%s): %w", store.Describe(a.profile), err)
		}
	}
	var forgotten forgottenApp
	if opts.ForgetApp {
		forgotten, err = a.forgetApp(ctx, store)
		if err != nil {
			return err
		}
	}

	if revokeErr != nil {
		fmt.Fprintf(a.f.ErrOut, "Removed the tokens of profile %q from this machine, but revoking them at Discord failed: %v\n", a.profile, revokeErr)
		fmt.Fprintln(a.f.ErrOut, "They may stay valid at Discord until they expire. To revoke now, remove the app under User Settings > Authorized Apps in Discord.")
		return &silentError{code: ExitError}
	}
	if ts != nil {
		fmt.Fprintf(a.f.ErrOut, "Logged out of profile %q and revoked its grant at Discord.\n", a.profile)
	}
	switch {
	case forgotten.settings && forgotten.secret:
		fmt.Fprintf(a.f.ErrOut, "Removed the settings and client secret of profile %q.\n", a.profile)
	case forgotten.settings:
		fmt.Fprintf(a.f.ErrOut, "Removed the settings of profile %q.\n", a.profile)
	case forgotten.secret:
		fmt.Fprintf(a.f.ErrOut, "Removed the client secret of profile %q.\n", a.profile)
	case opts.ForgetApp && ts == nil:
		fmt.Fprintf(a.f.ErrOut, "Profile %q has no stored tokens, settings or client secret; nothing to do.\n", a.profile)
	}
	return nil
}

// revoke revokes the grant by its refresh token, which at Discord ends the
// access token too.
func (a *app) revoke(ctx context.Context, env *apiEnv, ts *tokenstore.TokenSet) error {
	if env.oauth.ClientID == "" {
		return fmt.Errorf("profile %q has no client ID: %w", a.profile, errMissingClientID)
	}
	secret, err := a.storedSecretFor(env.settings, &config.Profile{ClientID: env.oauth.ClientID}, env.store)
	if err != nil {
		return err
	}
	cfg := env.oauth
	cfg.ClientSecret = secret
	return oauthflow.Revoke(ctx, env.http, cfg, env.revokeURL, ts.RefreshToken, "refresh_token")
}

// forgottenApp records what forgetApp found to remove.
type forgottenApp struct{ settings, secret bool }

// forgetApp removes the profile's client secret and settings, and reports
// what there was to remove.
func (a *app) forgetApp(ctx context.Context, store tokenstore.Store) (forgottenApp, error) {
	var forgotten forgottenApp
	_, secretErr := store.LoadSecret(a.profile)
	forgotten.secret = secretErr == nil
	if err := store.DeleteSecret(a.profile); err != nil {
		return forgotten, fmt.Errorf("remove stored client secret: %w", err)
	}
	path, err := a.configPath()
	if err != nil {
		return forgotten, err
	}
	err = config.Update(ctx, path, func(file *config.File) error {
		_, forgotten.settings = file.Profiles[a.profile]
		delete(file.Profiles, a.profile)
		return nil
	})
	if err != nil {
		return forgotten, fmt.Errorf("remove profile %q from %s: %w", a.profile, path, err)
	}
	return forgotten, nil
}
