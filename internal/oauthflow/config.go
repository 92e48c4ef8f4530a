// Package oauthflow runs the OAuth2 authorization code flow with PKCE for a
// command-line client. It builds the authorize URL, receives the redirect on a
// loopback listener (or from a URL the user pastes), and exchanges the code for
// a token. The browser learns whether the sign-in worked only after the
// exchange, when the caller passes its result to Listener.Finish.
package oauthflow

import "golang.org/x/oauth2"

// Config is the client registration and the endpoints that one login uses.
type Config struct {
	// ClientID is the application's client ID.
	ClientID string

	// ClientSecret is the application's client secret. An empty secret means a
	// public client, which authenticates with PKCE alone.
	ClientSecret string

	// RedirectURI is sent to both endpoints byte for byte as configured, for
	// example "http://localhost:3000", because Discord compares it with the
	// URI registered in the Developer Portal as a plain string.
	RedirectURI string

	// Scopes are the requested scopes, sent space-separated.
	Scopes []string

	// AuthURL is the authorization endpoint that the browser opens.
	AuthURL string

	// TokenURL is the token endpoint that Exchange calls.
	TokenURL string
}

// OAuth2 returns the golang.org/x/oauth2 configuration for c.
//
// A confidential client sends its credentials with HTTP Basic authentication.
// A public client uses oauth2.AuthStyleInParams, so that only client_id goes in
// the form body: Basic authentication with an empty password would claim a
// secret that a public client does not have.
func (c Config) OAuth2() *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if c.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}

	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  c.RedirectURI,
		Scopes:       append([]string(nil), c.Scopes...),
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.AuthURL,
			TokenURL:  c.TokenURL,
			AuthStyle: style,
		},
	}
}
