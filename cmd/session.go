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

// apiEnv is the state of a command that calls the API: a session that
// hands out fresh tokens and a client for the REST API.
type apiEnv struct {
	profile  string
	settings config.Settings
	store    tokenstore.Store
	session  *session.Session
	client   *discord.Client
	http     *http.Client
	oauth    oauthflow.Config
	secret   func() (string, error)
	// revokeURL is the token revocation endpoint, for logout.
	revokeURL string
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

// storedSecretFor returns the client secret stored for clientID: the one in
// the chosen store, else the one a login with the other storage left, else
// "". A secret stored for another client ID is never returned.
func (a *app) storedSecretFor(s config.Settings, stored *config.Profile, store tokenstore.Store) (string, error) {
	if stored == nil || stored.ClientID != s.ClientID {
		return "", nil
	}
	secret, err := a.clientSecret(store)
	if err != nil || secret != "" {
		return secret, err
	}
	other, err := a.otherStore(s)
	if err != nil {
		return "", nil
	}
	// The other store is only a fallback, so its errors are not fatal.
	secret, _ = other.LoadSecret(a.profile)
	return secret, nil
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
		profile:  a.profile,
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
		secret:    func() (string, error) { return a.clientSecret(store) },
		revokeURL: endpoints.RevokeURL,
	}

	env.session = &session.Session{
		Profile:    a.profile,
		Store:      store,
		LockPath:   lockPath,
		Now:        a.f.Now,
		OnLockWait: a.reportLockWait,
		OnRefreshInterrupted: func() {
			fmt.Fprintln(a.f.ErrOut, "Interrupted: finishing the token refresh so that the rotated tokens are saved. Interrupt again (Ctrl-C) to stop at once, which may lose the sign-in.")
		},
		Refresh: env.refresh,
	}
	return env, nil
}

// refresh exchanges a refresh token at the token endpoint. The client
// secret is read only here, when a refresh needs it.
func (e *apiEnv) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if e.oauth.ClientID == "" {
		return nil, fmt.Errorf("cannot refresh the token of profile %q: %w", e.profile, errMissingClientID)
	}
	secret, err := e.secret()
	if err != nil {
		return nil, err
	}
	cfg := e.oauth
	cfg.ClientSecret = secret
	return oauthflow.Refresh(ctx, e.http, cfg, refreshToken)
}

// reportLockWait prints why the command pauses while another dauth process
// holds the profile's token lock.
func (a *app) reportLockWait() {
	fmt.Fprintf(a.f.ErrOut, "Waiting for another dauth process to finish with the tokens of profile %q...\n", a.profile)
}
