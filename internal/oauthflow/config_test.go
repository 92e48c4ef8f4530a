package oauthflow

import (
	"testing"

	"golang.org/x/oauth2"
)

func TestOAuth2AuthStyle(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		secret string
		want   oauth2.AuthStyle
	}{
		{name: "confidential client", secret: "s3cret", want: oauth2.AuthStyleInHeader},
		{name: "public client", secret: "", want: oauth2.AuthStyleInParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got := Config{ClientID: "123", ClientSecret: tt.secret}.OAuth2().Endpoint.AuthStyle
			if got != tt.want {
				t.Errorf("AuthStyle = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOAuth2CopiesFields(t *testing.T) {
	t.Parallel()

	cfg := Config{
		ClientID:     "123",
		ClientSecret: "s3cret",
		RedirectURI:  "http://localhost:3000",
		Scopes:       []string{"identify", "guilds"},
		AuthURL:      "http://127.0.0.1:1/oauth2/authorize",
		TokenURL:     "http://127.0.0.1:1/api/oauth2/token",
	}
	got := cfg.OAuth2()

	if got.RedirectURL != "http://localhost:3000" {
		t.Errorf("RedirectURL = %q, want the configured value unchanged", got.RedirectURL)
	}
	if got.ClientID != "123" || got.ClientSecret != "s3cret" {
		t.Errorf("client credentials = %q/%q, want 123/s3cret", got.ClientID, got.ClientSecret)
	}
	if got.Endpoint.AuthURL != cfg.AuthURL || got.Endpoint.TokenURL != cfg.TokenURL {
		t.Errorf("endpoints = %q %q, want %q %q", got.Endpoint.AuthURL, got.Endpoint.TokenURL, cfg.AuthURL, cfg.TokenURL)
	}

	got.Scopes[0] = "changed"
	if cfg.Scopes[0] != "identify" {
		t.Errorf("changing the returned scopes changed Config.Scopes to %v", cfg.Scopes)
	}
}
