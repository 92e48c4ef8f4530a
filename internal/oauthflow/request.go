package oauthflow

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"

	"golang.org/x/oauth2"
)

// stateBytes is the number of random bytes in the state parameter. 32 bytes
// give 256 bits, well above the 128 bits that CSRF protection needs.
const stateBytes = 32

// Request is one authorization request: the values that the callback and the
// code exchange must match, and the URL that the user opens.
type Request struct {
	// State is the random state parameter that the redirect must carry back.
	State string

	// Verifier is the PKCE code verifier (RFC 7636) that Exchange sends.
	Verifier string

	// URL is the authorize URL with response_type=code, the scopes, the
	// state and an S256 code challenge.
	URL string
}

// NewRequest creates an authorization request with a fresh random state and
// PKCE verifier. The challenge method is always S256, the only one Discord
// accepts.
func NewRequest(cfg Config) (*Request, error) {
	raw := make([]byte, stateBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generating the OAuth2 state: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(raw)

	return newRequest(cfg, state, oauth2.GenerateVerifier())
}

// newRequest builds the authorize URL for a given state and verifier.
func newRequest(cfg Config, state, verifier string) (*Request, error) {
	if u, err := url.Parse(cfg.AuthURL); err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("invalid authorize URL %q: it must be an absolute URL such as https://discord.com/oauth2/authorize", cfg.AuthURL)
	}

	authURL := cfg.OAuth2().AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	return &Request{State: state, Verifier: verifier, URL: authURL}, nil
}
