package oauthflow

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// signInAtEmulator runs the authorize and token steps against the emulator
// and returns the issued token.
func signInAtEmulator(t *testing.T, srv *httptest.Server, cfg Config) *oauth2.Token {
	t.Helper()
	req, err := NewRequest(cfg)
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	location, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || location.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d with Location %q, want a redirect with a code", resp.StatusCode, resp.Header.Get("Location"))
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	token, err := Exchange(ctx, cfg, location.Query().Get("code"), req.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func emulatorConfig(srv *httptest.Server, clientID, secret string) Config {
	return Config{
		ClientID:     clientID,
		ClientSecret: secret,
		RedirectURI:  fakediscord.DefaultRedirectURI,
		Scopes:       []string{"identify", "guilds"},
		AuthURL:      srv.URL + "/oauth2/authorize",
		TokenURL:     srv.URL + "/api/oauth2/token",
	}
}

func TestRevokeEndsGrant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, clientID, secret string
	}{
		{"confidential client", fakediscord.ConfidentialClientID, fakediscord.ConfidentialClientSecret},
		{"public client", fakediscord.PublicClientID, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emulator := fakediscord.New(fakediscord.Options{})
			srv := httptest.NewServer(emulator)
			t.Cleanup(srv.Close)
			cfg := emulatorConfig(srv, tc.clientID, tc.secret)
			token := signInAtEmulator(t, srv, cfg)

			err := Revoke(context.Background(), srv.Client(), cfg, srv.URL+"/api/oauth2/token/revoke", token.RefreshToken, "refresh_token")
			if err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			if emulator.RefreshTokenLive(token.RefreshToken) {
				t.Error("refresh token still live after revoke")
			}
			if emulator.AccessTokenLive(token.AccessToken) {
				t.Error("access token still live after revoke")
			}
		})
	}
}

func TestRevokeWrongSecret(t *testing.T) {
	t.Parallel()
	emulator := fakediscord.New(fakediscord.Options{})
	srv := httptest.NewServer(emulator)
	t.Cleanup(srv.Close)
	cfg := emulatorConfig(srv, fakediscord.ConfidentialClientID, fakediscord.ConfidentialClientSecret)
	token := signInAtEmulator(t, srv, cfg)

	cfg.ClientSecret = "wrong-secret"
	err := Revoke(context.Background(), srv.Client(), cfg, srv.URL+"/api/oauth2/token/revoke", token.RefreshToken, "refresh_token")
	var revokeErr *RevokeError
	if !errors.As(err, &revokeErr) {
		t.Fatalf("err = %v, want *RevokeError", err)
	}
	if revokeErr.Status != http.StatusUnauthorized {
		t.Errorf("Status = %d, want 401", revokeErr.Status)
	}
	if revokeErr.Code != "invalid_client" {
		t.Errorf("Code = %q, want invalid_client", revokeErr.Code)
	}
	if !emulator.RefreshTokenLive(token.RefreshToken) {
		t.Error("refresh token revoked although the client was rejected")
	}
}

func TestRefreshRotatesAtEmulator(t *testing.T) {
	t.Parallel()
	emulator := fakediscord.New(fakediscord.Options{})
	srv := httptest.NewServer(emulator)
	t.Cleanup(srv.Close)
	cfg := emulatorConfig(srv, fakediscord.PublicClientID, "")
	first := signInAtEmulator(t, srv, cfg)

	second, err := Refresh(context.Background(), srv.Client(), cfg, first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh token after Refresh = %q, want a new one", second.RefreshToken)
	}
	if emulator.RefreshTokenLive(first.RefreshToken) {
		t.Error("old refresh token still live after rotation")
	}
	if !emulator.RefreshTokenLive(second.RefreshToken) {
		t.Error("new refresh token not live")
	}

	_, err = Refresh(context.Background(), srv.Client(), cfg, first.RefreshToken)
	var retrieve *oauth2.RetrieveError
	if !errors.As(err, &retrieve) || retrieve.ErrorCode != "invalid_grant" {
		t.Errorf("second use of the old refresh token: err = %v, want invalid_grant", err)
	}
}
