package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/dauth-cli/dauth/internal/config"
	"github.com/dauth-cli/dauth/internal/discord"
	"github.com/dauth-cli/dauth/internal/oauthflow"
	"github.com/dauth-cli/dauth/internal/session"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// apiEnv is what a command that calls the API needs: a session that hands
// out fresh tokens and a client for the REST API.
type apiEnv struct {
	settings config.Settings
	store    tokenstore.Store
	session  *session.Session
	client   *discord.Client
	http     *http.Client
	oauth    oauthflow.Config
}

// clientSecret returns the secret from DAUTH_CLIENT_SECRET, else the stored
// one, else "" for a public client.
func (a *app) clientSecret(store tokenstore.Store) (string, error) {
	if v := a.env("DAUTH_CLIENT_SECRET"); v != "" {
		return v, nil
	}
	secret, err := store.LoadSecret(a.profile)
	if errors.Is(err, tokenstore.ErrNotFound) {
		return "", nil
	}
	return secret, err
}

// newAPIEnv resolves the profile and builds its session. It reads the
// client secret lazily, only when a refresh needs it.
func (a *app) newAPIEnv() (*apiEnv, error) {
	s, _, _, err := a.settings(config.Overrides{})
	if err != nil {
		return nil, err
	}
	store, err := a.store(s)
	if err != nil {
		return nil, err
	}
	endpoints, err := a.endpoints()
	if err != nil {
		return nil, err
	}
	lockPath, err := a.lockPath()
	if err != nil {
		return nil, err
	}
	httpClient := a.httpClient()
	env := &apiEnv{
		settings: s,
		store:    store,
		client:   a.apiClient(httpClient, endpoints),
		http:     httpClient,
		oauth: oauthflow.Config{
			ClientID:    s.ClientID,
			RedirectURI: s.RedirectURI,
			Scopes:      s.Scopes,
			AuthURL:     endpoints.AuthURL,
			TokenURL:    endpoints.TokenURL,
		},
	}
	env.session = &session.Session{
		Profile:    a.profile,
		Store:      store,
		LockPath:   lockPath,
		Now:        a.f.Now,
		OnLockWait: a.reportLockWait,
		Refresh: func(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
			if env.oauth.ClientID == "" {
				return nil, fmt.Errorf("cannot refresh the token of profile %q: %w", a.profile, errMissingClientID)
			}
			secret, err := a.clientSecret(store)
			if err != nil {
				return nil, err
			}
			cfg := env.oauth
			cfg.ClientSecret = secret
			ctx = context.WithValue(ctx, oauth2.HTTPClient, httpClient)
			expired := &oauth2.Token{RefreshToken: refreshToken}
			return cfg.OAuth2().TokenSource(ctx, expired).Token()
		},
	}
	return env, nil
}

// reportLockWait tells the user why the command pauses while another dauth
// process holds the profile's token lock.
func (a *app) reportLockWait() {
	fmt.Fprintf(a.f.ErrOut, "Waiting for another dauth process to finish with the tokens of profile %q...\n", a.profile)
}
