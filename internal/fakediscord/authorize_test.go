package fakediscord

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestAuthorizeErrorPageWithoutRedirect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(url.Values)
		wantText string
	}{
		{"unknown client", func(p url.Values) { p.Set("client_id", "1999999999999999999") }, "Unknown application"},
		{"missing client", func(p url.Values) { p.Del("client_id") }, "Unknown application"},
		{"redirect trailing slash", func(p url.Values) { p.Set("redirect_uri", DefaultRedirectURI+"/") }, "Invalid OAuth2 redirect_uri"},
		{"redirect other host", func(p url.Values) { p.Set("redirect_uri", "http://127.0.0.1:3000") }, "Invalid OAuth2 redirect_uri"},
		{"redirect upper case", func(p url.Values) { p.Set("redirect_uri", "http://LOCALHOST:3000") }, "Invalid OAuth2 redirect_uri"},
		{"redirect missing", func(p url.Values) { p.Del("redirect_uri") }, "Invalid OAuth2 redirect_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			params := authParams(PublicClientID)
			tt.mutate(params)
			req, _ := http.NewRequest(http.MethodGet, h.http.URL+"/oauth2/authorize?"+params.Encode(), nil)
			r := h.do(req)

			if r.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", r.status)
			}
			if loc := r.header.Get("Location"); loc != "" {
				t.Errorf("Location = %q, want none", loc)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if !strings.Contains(string(r.body), tt.wantText) {
				t.Errorf("page does not contain %q:\n%s", tt.wantText, r.body)
			}
		})
	}
}

func TestAuthorizeErrorRedirect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		clientID  string
		mutate    func(url.Values)
		wantError string
	}{
		{"unknown scope", PublicClientID, func(p url.Values) { p.Set("scope", "identify guilds.channels.read") }, "invalid_scope"},
		{"empty scope", PublicClientID, func(p url.Values) { p.Set("scope", "") }, "invalid_scope"},
		{"comma separated scopes", PublicClientID, func(p url.Values) { p.Set("scope", "identify,guilds") }, "invalid_scope"},
		{"response type token", PublicClientID, func(p url.Values) { p.Set("response_type", "token") }, "unsupported_response_type"},
		{"plain method", PublicClientID, func(p url.Values) { p.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"missing method", PublicClientID, func(p url.Values) { p.Del("code_challenge_method") }, "invalid_request"},
		{"method without challenge", ConfidentialClientID, func(p url.Values) { p.Del("code_challenge") }, "invalid_request"},
		{"short challenge", PublicClientID, func(p url.Values) { p.Set("code_challenge", "abc") }, "invalid_request"},
		{"public client without pkce", PublicClientID, func(p url.Values) {
			p.Del("code_challenge")
			p.Del("code_challenge_method")
		}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			params := authParams(tt.clientID)
			tt.mutate(params)
			resp := h.authorize(params)

			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status = %d, want 302", resp.StatusCode)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			q := loc.Query()
			if got := q.Get("error"); got != tt.wantError {
				t.Errorf("error = %q, want %q", got, tt.wantError)
			}
			if q.Get("error_description") == "" {
				t.Error("error_description is empty")
			}
			if got := q.Get("state"); got != testState {
				t.Errorf("state = %q, want %q", got, testState)
			}
			if q.Has("code") {
				t.Error("error redirect carries a code")
			}
		})
	}
}

func TestAuthorizeConfidentialWithoutPKCE(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	params := authParams(ConfidentialClientID)
	params.Del("code_challenge")
	params.Del("code_challenge_method")
	code := h.code(params)

	form := exchangeForm(ConfidentialClientID, code)
	form.Del("code_verifier")
	form.Del("client_id")
	r := h.post(tokenRequest{form: form, basic: []string{ConfidentialClientID, ConfidentialClientSecret}})
	if r.status != http.StatusOK {
		t.Errorf("status = %d, want 200; body %s", r.status, r.body)
	}
}

func TestAuthorizeApproveKeepsQuery(t *testing.T) {
	t.Parallel()
	const redirect = "http://127.0.0.1:8080/cb?x=1&y=a%20b"
	h := newHarness(t, Options{Apps: []App{{ClientID: "42", RedirectURIs: []string{"http://other", redirect}}}})
	params := authParams("42")
	params.Set("redirect_uri", redirect)
	resp := h.authorize(params)

	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, redirect+"&code=") {
		t.Errorf("Location = %q, want prefix %q", loc, redirect+"&code=")
	}
	if !strings.HasSuffix(loc, "&state="+testState) {
		t.Errorf("Location = %q, want suffix &state=%s", loc, testState)
	}
}

func TestAuthorizeApproveWithoutState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	params := authParams(PublicClientID)
	params.Del("state")
	resp := h.authorize(params)

	if loc := resp.Header.Get("Location"); strings.Contains(loc, "state=") {
		t.Errorf("Location = %q, want no state", loc)
	}
}

func TestAuthorizeDeny(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.server.SetMode(ModeDeny)
	resp := h.authorize(authParams(PublicClientID))

	want := DefaultRedirectURI + "?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request&state=" + testState
	if got := resp.Header.Get("Location"); got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	if n := h.server.Authorizations(); n != 0 {
		t.Errorf("Authorizations() = %d, want 0", n)
	}
}

// consentRequestID loads the consent page and returns its hidden request ID.
func consentRequestID(t *testing.T, h *harness, params url.Values) (string, string) {
	t.Helper()
	resp, err := h.client.Get(h.http.URL + "/oauth2/authorize?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page status = %d, want 200", resp.StatusCode)
	}
	m := regexp.MustCompile(`name="request" value="([A-Za-z0-9]+)"`).FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("consent page has no request field:\n%s", page)
	}
	return m[1], string(page)
}

func TestConsentPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.server.SetMode(ModeConsent)
	_, page := consentRequestID(t, h, authParams(PublicClientID))

	for _, want := range []string{`id="authorize"`, `id="cancel"`, `method="post"`, `action="/oauth2/authorize"`, "<li>identify</li>", "<li>guilds</li>"} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page does not contain %s", want)
		}
	}
	for _, external := range []string{"<script", "<link", "src="} {
		if strings.Contains(page, external) {
			t.Errorf("consent page loads a resource (%s), want a self-contained page", external)
		}
	}
}

func TestConsentDecision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		decision  string
		wantParam string
	}{
		{"authorize", "code"},
		{"cancel", "error"},
	}
	for _, tt := range tests {
		t.Run(tt.decision, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			h.server.SetMode(ModeConsent)
			id, _ := consentRequestID(t, h, authParams(PublicClientID))
			form := url.Values{"request": {id}, "decision": {tt.decision}}

			r := h.post(tokenRequest{path: "/oauth2/authorize", form: form})
			if r.status != http.StatusFound {
				t.Fatalf("status = %d, want 302", r.status)
			}
			loc, _ := url.Parse(r.header.Get("Location"))
			if !loc.Query().Has(tt.wantParam) {
				t.Errorf("Location %q has no %s", loc, tt.wantParam)
			}
			if got := loc.Query().Get("state"); got != testState {
				t.Errorf("state = %q, want %q", got, testState)
			}

			again := h.post(tokenRequest{path: "/oauth2/authorize", form: form})
			if again.status != http.StatusBadRequest {
				t.Errorf("second decision status = %d, want 400", again.status)
			}
		})
	}
}

func TestConsentUnknownRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.post(tokenRequest{path: "/oauth2/authorize", form: url.Values{"request": {"nope"}, "decision": {"authorize"}}})
	if r.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", r.status)
	}
}

func TestConsentPromptNoneSkipsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login("identify guilds")
	h.server.SetMode(ModeConsent)

	params := authParams(PublicClientID)
	params.Set("scope", "identify")
	params.Set("prompt", "none")
	resp := h.authorize(params)
	if resp.StatusCode != http.StatusFound {
		t.Errorf("prompt=none status = %d, want 302", resp.StatusCode)
	}

	params.Set("scope", "identify email")
	resp = h.authorize(params)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("prompt=none with a new scope: status = %d, want 200 (consent page)", resp.StatusCode)
	}
}

func TestAppendQuery(t *testing.T) {
	t.Parallel()
	params := url.Values{"code": {"c"}}
	tests := []struct {
		uri, want string
	}{
		{"http://localhost:3000", "http://localhost:3000?code=c"},
		{"http://localhost:3000/cb?a=%2F", "http://localhost:3000/cb?a=%2F&code=c"},
		{"http://localhost:3000/cb?", "http://localhost:3000/cb?code=c"},
		{"http://localhost:3000/cb#frag", "http://localhost:3000/cb?code=c#frag"},
	}
	for _, tt := range tests {
		if got := appendQuery(tt.uri, params); got != tt.want {
			t.Errorf("appendQuery(%q) = %q, want %q", tt.uri, got, tt.want)
		}
	}
}
