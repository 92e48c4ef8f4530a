package fakediscord

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTokenExchange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		clientID   string
		noPKCE     bool                           // authorize without PKCE
		request    func(code string) tokenRequest // the token request to send
		wantStatus int
		wantError  string
	}{
		{
			name: "public client pkce", clientID: PublicClientID,
			request:    func(code string) tokenRequest { return tokenRequest{form: exchangeForm(PublicClientID, code)} },
			wantStatus: http.StatusOK,
		},
		{
			name: "confidential basic auth", clientID: ConfidentialClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Del("client_id")
				return tokenRequest{form: form, basic: []string{ConfidentialClientID, ConfidentialClientSecret}}
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "confidential form auth", clientID: ConfidentialClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Set("client_secret", ConfidentialClientSecret)
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "versioned token path", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				return tokenRequest{path: "/api/v10/oauth2/token", form: exchangeForm(PublicClientID, code)}
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "content type with charset", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				return tokenRequest{form: exchangeForm(PublicClientID, code), contentType: "application/x-www-form-urlencoded; charset=utf-8"}
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "wrong secret basic", clientID: ConfidentialClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Del("client_id")
				return tokenRequest{form: form, basic: []string{ConfidentialClientID, "wrong"}}
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "wrong secret form", clientID: ConfidentialClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Set("client_secret", "wrong")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "confidential without secret", clientID: ConfidentialClientID,
			request:    func(code string) tokenRequest { return tokenRequest{form: exchangeForm(ConfidentialClientID, code)} },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "unknown client", clientID: PublicClientID,
			request:    func(code string) tokenRequest { return tokenRequest{form: exchangeForm("1999999999999999999", code)} },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "missing client", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Del("client_id")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "public client sends secret", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Set("client_secret", "anything")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client",
		},
		{
			name: "basic and form secret", clientID: ConfidentialClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Set("client_secret", ConfidentialClientSecret)
				return tokenRequest{form: form, basic: []string{ConfidentialClientID, ConfidentialClientSecret}}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_request",
		},
		{
			name: "json body", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				return tokenRequest{contentType: "application/json", body: `{"grant_type":"authorization_code","code":"` + code + `"}`}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_request",
		},
		{
			name: "pkce mismatch", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Set("code_verifier", strings.Repeat("a", 43))
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "pkce verifier missing", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Del("code_verifier")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "verifier without challenge", clientID: ConfidentialClientID, noPKCE: true,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Set("client_secret", ConfidentialClientSecret)
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "redirect uri differs", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Set("redirect_uri", DefaultRedirectURI+"/")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "redirect uri missing", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Del("redirect_uri")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "code of other client", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(ConfidentialClientID, code)
				form.Set("client_secret", ConfidentialClientSecret)
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "unknown code", clientID: PublicClientID,
			request:    func(string) tokenRequest { return tokenRequest{form: exchangeForm(PublicClientID, "not-a-code")} },
			wantStatus: http.StatusBadRequest, wantError: "invalid_grant",
		},
		{
			name: "unsupported grant type", clientID: PublicClientID,
			request: func(code string) tokenRequest {
				form := exchangeForm(PublicClientID, code)
				form.Set("grant_type", "password")
				return tokenRequest{form: form}
			},
			wantStatus: http.StatusBadRequest, wantError: "unsupported_grant_type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			params := authParams(tt.clientID)
			if tt.noPKCE {
				params.Del("code_challenge")
				params.Del("code_challenge_method")
			}
			r := h.post(tt.request(h.code(params)))

			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantError == "" {
				return
			}
			if got := r.json(t)["error"]; got != tt.wantError {
				t.Errorf("error = %v, want %q", got, tt.wantError)
			}
			if n := h.server.Authorizations(); n != 0 {
				t.Errorf("Authorizations() = %d after a failed exchange, want 0", n)
			}
		})
	}
}

func TestTokenInvalidClientBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.post(tokenRequest{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, basic: []string{ConfidentialClientID, "wrong"}})

	if want := `{"error": "invalid_client"}`; string(r.body) != want {
		t.Errorf("body = %s, want %s", r.body, want)
	}
}

func TestTokenResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	code := h.code(authParams(PublicClientID))
	r := h.post(tokenRequest{form: exchangeForm(PublicClientID, code)})
	tok := decodeTokens(t, r)

	if tok.TokenType != "Bearer" {
		t.Errorf("token_type = %q, want Bearer", tok.TokenType)
	}
	if tok.ExpiresIn != 604800 {
		t.Errorf("expires_in = %d, want 604800", tok.ExpiresIn)
	}
	if tok.Scope != "identify guilds" {
		t.Errorf("scope = %q, want %q", tok.Scope, "identify guilds")
	}
	if len(tok.AccessToken) != 30 || len(tok.RefreshToken) != 30 {
		t.Errorf("token lengths = %d and %d, want 30", len(tok.AccessToken), len(tok.RefreshToken))
	}
	if tok.AccessToken == tok.RefreshToken || tok.AccessToken == code {
		t.Error("access token, refresh token and code are not distinct")
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if !strings.HasPrefix(string(r.body), `{"access_token": "`) {
		t.Errorf("body = %s, want access_token first", r.body)
	}
}

func TestTokenCustomTTL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AccessTokenTTL: 90 * time.Second})
	if got := h.login("identify").ExpiresIn; got != 90 {
		t.Errorf("expires_in = %d, want 90", got)
	}
}

func TestTokenCodeExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		wait       time.Duration
		wantStatus int
	}{
		{99 * time.Second, http.StatusOK},
		{100 * time.Second, http.StatusBadRequest},
		{time.Hour, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			code := h.code(authParams(PublicClientID))
			h.clock.Advance(tt.wait)

			r := h.post(tokenRequest{form: exchangeForm(PublicClientID, code)})
			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", r.status, tt.wantStatus)
			}
		})
	}
}

func TestTokenCodeReuseRevokesGrant(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	code := h.code(authParams(PublicClientID))
	first := decodeTokens(t, h.post(tokenRequest{form: exchangeForm(PublicClientID, code)}))

	second := h.post(tokenRequest{form: exchangeForm(PublicClientID, code)})
	if second.status != http.StatusBadRequest {
		t.Errorf("reuse status = %d, want 400", second.status)
	}
	if got := second.json(t)["error"]; got != "invalid_grant" {
		t.Errorf("reuse error = %v, want invalid_grant", got)
	}
	if h.server.AccessTokenLive(first.AccessToken) {
		t.Error("access token from the reused code is still live")
	}
	if h.server.RefreshTokenLive(first.RefreshToken) {
		t.Error("refresh token from the reused code is still live")
	}
	if n := h.server.Authorizations(); n != 0 {
		t.Errorf("Authorizations() = %d, want 0", n)
	}
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	old := h.login("identify guilds")
	h.clock.Advance(time.Minute)

	fresh := decodeTokens(t, h.refresh(old.RefreshToken))

	if fresh.AccessToken == old.AccessToken || fresh.RefreshToken == old.RefreshToken {
		t.Error("refresh did not issue new tokens")
	}
	if fresh.Scope != "identify guilds" {
		t.Errorf("scope = %q, want %q", fresh.Scope, "identify guilds")
	}
	if h.server.RefreshTokenLive(old.RefreshToken) {
		t.Error("old refresh token is still live")
	}
	if h.server.AccessTokenLive(old.AccessToken) {
		t.Error("old access token is still live")
	}
	if r := h.get("/api/v10/users/@me", old.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("old access token: status = %d, want 401", r.status)
	}
	if r := h.get("/api/v10/users/@me", fresh.AccessToken); r.status != http.StatusOK {
		t.Errorf("new access token: status = %d, want 200", r.status)
	}
	if !h.server.RefreshTokenLive(fresh.RefreshToken) {
		t.Error("new refresh token is not live")
	}
	if n := h.server.Authorizations(); n != 1 {
		t.Errorf("Authorizations() = %d, want 1", n)
	}
}

func TestRefreshRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		request func(h *harness, tok tokens) tokenRequest
	}{
		{"used refresh token", func(h *harness, tok tokens) tokenRequest {
			decodeTokens(t, h.refresh(tok.RefreshToken))
			return tokenRequest{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {PublicClientID}}}
		}},
		{"unknown refresh token", func(*harness, tokens) tokenRequest {
			return tokenRequest{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}, "client_id": {PublicClientID}}}
		}},
		{"access token as refresh token", func(_ *harness, tok tokens) tokenRequest {
			return tokenRequest{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.AccessToken}, "client_id": {PublicClientID}}}
		}},
		{"other client", func(_ *harness, tok tokens) tokenRequest {
			return tokenRequest{
				form:  url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}},
				basic: []string{ConfidentialClientID, ConfidentialClientSecret},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			r := h.post(tt.request(h, h.login("identify")))

			if r.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", r.status)
			}
			body := r.json(t)
			if body["error"] != "invalid_grant" {
				t.Errorf("error = %v, want invalid_grant", body["error"])
			}
			if body["error_description"] == nil {
				t.Error("error_description is missing")
			}
		})
	}
}

func TestRefreshConcurrentSpendsOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tok := h.login("identify")

	const workers = 16
	statuses := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { statuses <- h.refresh(tok.RefreshToken).status })
	}
	wg.Wait()
	close(statuses)

	ok := 0
	for status := range statuses {
		if status == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent refreshes succeeded, want 1", ok, workers)
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AccessTokenTTL: time.Hour})
	tok := h.login("identify")
	h.clock.Advance(time.Hour)

	if h.server.AccessTokenLive(tok.AccessToken) {
		t.Error("expired access token is live")
	}
	if r := h.get("/api/v10/users/@me", tok.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("expired access token: status = %d, want 401", r.status)
	}
	if r := h.refresh(tok.RefreshToken); r.status != http.StatusOK {
		t.Errorf("refresh after access expiry: status = %d, want 200", r.status)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		token    func(tokens) string
		hint     string
		wantLive bool
	}{
		{"access token", func(tok tokens) string { return tok.AccessToken }, "access_token", false},
		{"refresh token", func(tok tokens) string { return tok.RefreshToken }, "refresh_token", false},
		{"refresh token with wrong hint", func(tok tokens) string { return tok.RefreshToken }, "access_token", false},
		{"unknown token", func(tokens) string { return "unknown" }, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			tok := h.login("identify")
			form := url.Values{"token": {tt.token(tok)}, "client_id": {PublicClientID}}
			if tt.hint != "" {
				form.Set("token_type_hint", tt.hint)
			}
			r := h.post(tokenRequest{path: "/api/oauth2/token/revoke", form: form})

			if r.status != http.StatusOK {
				t.Errorf("status = %d, want 200", r.status)
			}
			if string(r.body) != "{}" {
				t.Errorf("body = %s, want {}", r.body)
			}
			if got := h.server.AccessTokenLive(tok.AccessToken); got != tt.wantLive {
				t.Errorf("AccessTokenLive = %v, want %v", got, tt.wantLive)
			}
			if got := h.server.RefreshTokenLive(tok.RefreshToken); got != tt.wantLive {
				t.Errorf("RefreshTokenLive = %v, want %v", got, tt.wantLive)
			}
		})
	}
}

func TestRevokeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		request    func(tok tokens) tokenRequest
		wantStatus int
		wantError  string
	}{
		{"missing token", func(tokens) tokenRequest {
			return tokenRequest{form: url.Values{"client_id": {PublicClientID}}}
		}, http.StatusBadRequest, "invalid_request"},
		{"wrong secret", func(tok tokens) tokenRequest {
			return tokenRequest{form: url.Values{"token": {tok.AccessToken}}, basic: []string{ConfidentialClientID, "wrong"}}
		}, http.StatusUnauthorized, "invalid_client"},
		{"json body", func(tok tokens) tokenRequest {
			return tokenRequest{contentType: "application/json", body: `{"token":"` + tok.AccessToken + `"}`}
		}, http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			tok := h.login("identify")
			req := tt.request(tok)
			req.path = "/api/oauth2/token/revoke"
			r := h.post(req)

			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", r.status, tt.wantStatus)
			}
			if got := r.json(t)["error"]; got != tt.wantError {
				t.Errorf("error = %v, want %q", got, tt.wantError)
			}
			if !h.server.AccessTokenLive(tok.AccessToken) {
				t.Error("a rejected revocation revoked the token")
			}
		})
	}
}

func TestRevokeOtherClientToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tok := h.login("identify")
	r := h.post(tokenRequest{
		path:  "/api/oauth2/token/revoke",
		form:  url.Values{"token": {tok.AccessToken}},
		basic: []string{ConfidentialClientID, ConfidentialClientSecret},
	})

	if r.status != http.StatusOK {
		t.Errorf("status = %d, want 200", r.status)
	}
	if !h.server.AccessTokenLive(tok.AccessToken) {
		t.Error("another client revoked the token")
	}
}

func TestRandomToken(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		tok := randomToken()
		if len(tok) != 30 || strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("randomToken() = %q, want 30 alphanumeric characters", tok)
		}
		if seen[tok] {
			t.Fatalf("randomToken() repeated %q", tok)
		}
		seen[tok] = true
	}
}

func TestVerifierMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		challenge string
		verifier  string
		sent      bool
		want      bool
	}{
		{"rfc 7636 vector", testChallenge, testVerifier, true, true},
		{"wrong verifier", testChallenge, testVerifier[:42] + "x", true, false},
		{"short verifier", testChallenge, "abc", true, false},
		{"verifier with bad character", testChallenge, strings.Repeat("a", 42) + "=", true, false},
		{"missing verifier", testChallenge, "", false, false},
		{"no challenge no verifier", "", "", false, true},
		{"no challenge but verifier", "", testVerifier, true, false},
	}
	for _, tt := range tests {
		if got := verifierMatches(tt.challenge, tt.verifier, tt.sent); got != tt.want {
			t.Errorf("%s: verifierMatches = %v, want %v", tt.name, got, tt.want)
		}
	}
}
