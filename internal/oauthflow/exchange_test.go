package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// tokenEndpoint is a token endpoint that records the last request.
type tokenEndpoint struct {
	mu       sync.Mutex
	form     url.Values
	user     string
	password string
	hasBasic bool
	status   int
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	e.mu.Lock()
	e.form = r.PostForm
	e.user, e.password, e.hasBasic = r.BasicAuth()
	status := e.status
	e.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid \"code\" in request."}`)
		return
	}
	fmt.Fprint(w, `{"access_token":"at","token_type":"Bearer","expires_in":604800,"refresh_token":"rt","scope":"identify guilds"}`)
}

func startTokenEndpoint(t *testing.T, status int) (*tokenEndpoint, Config, context.Context) {
	t.Helper()

	endpoint := &tokenEndpoint{status: status}
	srv := httptest.NewServer(endpoint)
	t.Cleanup(srv.Close)

	cfg := testConfig()
	cfg.TokenURL = srv.URL + "/api/oauth2/token"
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())

	return endpoint, cfg, ctx
}

func TestExchangePublicClient(t *testing.T) {
	t.Parallel()

	endpoint, cfg, ctx := startTokenEndpoint(t, 0)

	token, err := Exchange(ctx, cfg, "the-code", rfcVerifier)
	if err != nil {
		t.Fatalf("Exchange error: %v", err)
	}

	if token.AccessToken != "at" || token.RefreshToken != "rt" {
		t.Errorf("token = %q/%q, want at/rt", token.AccessToken, token.RefreshToken)
	}
	endpoint.mu.Lock()
	defer endpoint.mu.Unlock()
	want := map[string]string{
		"grant_type":    "authorization_code",
		"code":          "the-code",
		"code_verifier": rfcVerifier,
		"redirect_uri":  "http://localhost:3000",
		"client_id":     "1234567890",
	}
	for key, value := range want {
		if got := endpoint.form.Get(key); got != value {
			t.Errorf("form %s = %q, want %q", key, got, value)
		}
	}
	if endpoint.form.Has("client_secret") {
		t.Error("public client sent client_secret")
	}
	if endpoint.hasBasic {
		t.Error("public client sent HTTP Basic authentication")
	}
}

func TestExchangeConfidentialClient(t *testing.T) {
	t.Parallel()

	endpoint, cfg, ctx := startTokenEndpoint(t, 0)
	cfg.ClientSecret = "s3cret"

	if _, err := Exchange(ctx, cfg, "the-code", rfcVerifier); err != nil {
		t.Fatalf("Exchange error: %v", err)
	}

	endpoint.mu.Lock()
	defer endpoint.mu.Unlock()
	if !endpoint.hasBasic || endpoint.user != "1234567890" || endpoint.password != "s3cret" {
		t.Errorf("Basic auth = %v %q, want the client ID and secret", endpoint.hasBasic, endpoint.user)
	}
	if endpoint.form.Has("client_secret") {
		t.Error("confidential client sent client_secret in the body as well")
	}
}

func TestExchangeRedirectURIUnchanged(t *testing.T) {
	t.Parallel()

	endpoint, cfg, ctx := startTokenEndpoint(t, 0)
	cfg.RedirectURI = "http://127.0.0.1:3000/callback/"

	if _, err := Exchange(ctx, cfg, "the-code", rfcVerifier); err != nil {
		t.Fatalf("Exchange error: %v", err)
	}

	endpoint.mu.Lock()
	defer endpoint.mu.Unlock()
	if got := endpoint.form.Get("redirect_uri"); got != "http://127.0.0.1:3000/callback/" {
		t.Errorf("redirect_uri = %q, want it byte for byte", got)
	}
}

func TestExchangeInvalidGrant(t *testing.T) {
	t.Parallel()

	_, cfg, ctx := startTokenEndpoint(t, http.StatusBadRequest)

	_, err := Exchange(ctx, cfg, "used-code", rfcVerifier)

	var retrieveErr *oauth2.RetrieveError
	if !errors.As(err, &retrieveErr) {
		t.Fatalf("Exchange error = %v, want *oauth2.RetrieveError", err)
	}
	if retrieveErr.ErrorCode != "invalid_grant" {
		t.Errorf("ErrorCode = %q, want invalid_grant", retrieveErr.ErrorCode)
	}
}
