package oauthflow

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// RFC 7636, Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func testConfig() Config {
	return Config{
		ClientID:    "1234567890",
		RedirectURI: "http://localhost:3000",
		Scopes:      []string{"identify", "guilds"},
		AuthURL:     "http://127.0.0.1:1/oauth2/authorize",
		TokenURL:    "http://127.0.0.1:1/api/oauth2/token",
	}
}

func TestS256ChallengeRFC7636Vector(t *testing.T) {
	t.Parallel()

	if got := oauth2.S256ChallengeFromVerifier(rfcVerifier); got != rfcChallenge {
		t.Errorf("S256ChallengeFromVerifier = %q, want %q", got, rfcChallenge)
	}
}

func TestNewRequestURLRFC7636Vector(t *testing.T) {
	t.Parallel()

	req, err := newRequest(testConfig(), "fixed-state", rfcVerifier)
	if err != nil {
		t.Fatalf("newRequest error: %v", err)
	}
	query := authQuery(t, req.URL)

	if got := query.Get("code_challenge"); got != rfcChallenge {
		t.Errorf("code_challenge = %q, want %q", got, rfcChallenge)
	}
	if got := query.Get("code_challenge_method"); got != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", got)
	}
	if req.Verifier != rfcVerifier {
		t.Errorf("Verifier = %q, want %q", req.Verifier, rfcVerifier)
	}
}

func TestNewRequestURLParameters(t *testing.T) {
	t.Parallel()

	req, err := NewRequest(testConfig())
	if err != nil {
		t.Fatalf("NewRequest error: %v", err)
	}
	query := authQuery(t, req.URL)

	want := map[string]string{
		"response_type":         "code",
		"client_id":             "1234567890",
		"redirect_uri":          "http://localhost:3000",
		"scope":                 "identify guilds",
		"state":                 req.State,
		"code_challenge_method": "S256",
		"code_challenge":        oauth2.S256ChallengeFromVerifier(req.Verifier),
	}
	for key, value := range want {
		if got := query.Get(key); got != value {
			t.Errorf("%s = %q, want %q", key, got, value)
		}
	}
	if query.Has("code_verifier") {
		t.Error("authorize URL contains code_verifier")
	}
	if !strings.HasPrefix(req.URL, "http://127.0.0.1:1/oauth2/authorize?") {
		t.Errorf("URL = %q, want the authorize endpoint as prefix", req.URL)
	}
}

func TestNewRequestStateRandom(t *testing.T) {
	t.Parallel()

	first, err := NewRequest(testConfig())
	if err != nil {
		t.Fatalf("NewRequest error: %v", err)
	}
	second, err := NewRequest(testConfig())
	if err != nil {
		t.Fatalf("NewRequest error: %v", err)
	}

	raw, err := base64.RawURLEncoding.DecodeString(first.State)
	if err != nil {
		t.Fatalf("state %q is not base64url: %v", first.State, err)
	}
	if len(raw) != 32 {
		t.Errorf("state has %d random bytes, want 32", len(raw))
	}
	if first.State == second.State {
		t.Error("two requests got the same state")
	}
	if first.Verifier == second.Verifier {
		t.Error("two requests got the same verifier")
	}
	if len(first.Verifier) != 43 {
		t.Errorf("verifier length = %d, want 43 (32 bytes, base64url)", len(first.Verifier))
	}
}

func TestNewRequestInvalidAuthURL(t *testing.T) {
	t.Parallel()

	for _, authURL := range []string{"", "/oauth2/authorize", "://bad"} {
		cfg := testConfig()
		cfg.AuthURL = authURL
		if _, err := NewRequest(cfg); err == nil {
			t.Errorf("NewRequest with AuthURL %q = nil error, want one", authURL)
		}
	}
}

func authQuery(t *testing.T, raw string) url.Values {
	t.Helper()

	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("authorize URL %q does not parse: %v", raw, err)
	}
	return u.Query()
}
