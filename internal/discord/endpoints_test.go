package discord

import (
	"strings"
	"testing"
)

func TestEndpointsForAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base    string
		wantAPI string
	}{
		{"", "https://discord.com/api/v10"},
		{"https://discord.com", "https://discord.com/api/v10"},
		{"https://discord.com/", "https://discord.com/api/v10"},
		{"https://example.test:8443", "https://example.test:8443/api/v10"},
		{"https://10.0.0.1", "https://10.0.0.1/api/v10"},
		{"http://localhost:3001", "http://localhost:3001/api/v10"},
		{"http://LOCALHOST:3001/", "http://LOCALHOST:3001/api/v10"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v10"},
		{"http://127.45.6.7", "http://127.45.6.7/api/v10"},
		{"http://[::1]:8080", "http://[::1]:8080/api/v10"},
		{"http://127.0.0.1:8080/fake/", "http://127.0.0.1:8080/fake/api/v10"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			t.Parallel()
			got, err := EndpointsFor(tt.base)
			if err != nil {
				t.Fatalf("EndpointsFor(%q) error: %v", tt.base, err)
			}
			if got.APIBase != tt.wantAPI {
				t.Errorf("APIBase = %q, want %q", got.APIBase, tt.wantAPI)
			}
		})
	}
}

func TestEndpointsForDerivedURLs(t *testing.T) {
	t.Parallel()
	got, err := EndpointsFor("http://127.0.0.1:9000/")
	if err != nil {
		t.Fatal(err)
	}
	want := Endpoints{
		AuthURL:   "http://127.0.0.1:9000/oauth2/authorize",
		TokenURL:  "http://127.0.0.1:9000/api/oauth2/token",
		RevokeURL: "http://127.0.0.1:9000/api/oauth2/token/revoke",
		APIBase:   "http://127.0.0.1:9000/api/v10",
	}
	if got != want {
		t.Errorf("EndpointsFor = %+v, want %+v", got, want)
	}
}

func TestEndpointsForRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base     string
		wantText string
	}{
		{"http://10.0.0.1", "loopback"},
		{"http://discord.com", "loopback"},
		{"http://localhost.example.com", "loopback"},
		{"http://0.0.0.0:8080", "loopback"},
		{"ftp://127.0.0.1", "unsupported scheme"},
		{"discord.com", "not an absolute URL"},
		{"/api", "not an absolute URL"},
		{"https:discord.com", "not an absolute URL"},
		{"https://discord.com?x=1", "query"},
		{"https://discord.com/?", "query"},
		{"https://discord.com/#top", "fragment"},
		{"https://discord.com/#", "fragment"},
		{"https://user:hunter22@discord.com", "userinfo"},
		{"https://:443", "missing host"},
		{"http://[::1", "invalid Discord base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			t.Parallel()
			_, err := EndpointsFor(tt.base)
			if err == nil {
				t.Fatalf("EndpointsFor(%q) = nil error, want one mentioning %q", tt.base, tt.wantText)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
		})
	}
}

func TestEndpointsForErrorHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := EndpointsFor("https://user:hunter22@discord.com")
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "hunter22") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestEndpointsForErrorNamesAccepted(t *testing.T) {
	t.Parallel()
	_, err := EndpointsFor("http://10.0.0.1")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{`"http://10.0.0.1"`, "https://HOST", "127.0.0.0/8", "::1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
