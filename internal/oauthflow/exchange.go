package oauthflow

import (
	"context"
	"fmt"

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
