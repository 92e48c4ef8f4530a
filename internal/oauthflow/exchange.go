package oauthflow

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
)

// Exchange trades an authorization code for a token at cfg.TokenURL, sending
// the PKCE verifier and the redirect URI exactly as configured.
//
// The HTTP client comes from ctx under the oauth2.HTTPClient key; without one
// x/oauth2 uses http.DefaultClient. A rejected code or verifier returns an
// error that wraps *oauth2.RetrieveError.
func Exchange(ctx context.Context, cfg Config, code, verifier string) (*oauth2.Token, error) {
	token, err := cfg.OAuth2().Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("exchanging the authorization code at %s: %w", cfg.TokenURL, err)
	}

	return token, nil
}

// Refresh trades a refresh token for a new token set at cfg.TokenURL, using
// httpClient. Discord rotates refresh tokens, so the returned token carries a
// new refresh token that replaces the one given. The caller must save it:
// x/oauth2's auto-refreshing client would keep the new one to itself.
func Refresh(ctx context.Context, httpClient *http.Client, cfg Config, refreshToken string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, httpClient)
	// An empty access token makes the TokenSource refresh at once.
	expired := &oauth2.Token{RefreshToken: refreshToken}
	return cfg.OAuth2().TokenSource(ctx, expired).Token()
}
