package fakediscord

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// RFC 7636 Appendix B test vector.
const (
	testVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	testState     = "state-0123456789abcdef"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 7, 18, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is an emulator behind a loopback test server.
type harness struct {
	t      *testing.T
	server *Server
	http   *httptest.Server
	clock  *fakeClock
	client *http.Client
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &harness{t: t, server: s, http: ts, clock: clock, client: client}
}

// authParams returns a valid authorization request for clientID.
func authParams(clientID string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {DefaultRedirectURI},
		"scope":                 {"identify guilds"},
		"state":                 {testState},
		"code_challenge":        {testChallenge},
		"code_challenge_method": {"S256"},
	}
}

// authorize sends GET /oauth2/authorize without following the redirect.
func (h *harness) authorize(params url.Values) *http.Response {
	h.t.Helper()
	resp, err := h.client.Get(h.http.URL + "/oauth2/authorize?" + params.Encode())
	if err != nil {
		h.t.Fatalf("GET /oauth2/authorize: %v", err)
	}
	resp.Body.Close()
	return resp
}

// code runs an approved authorization request and returns the code.
func (h *harness) code(params url.Values) string {
	h.t.Helper()
	resp := h.authorize(params)
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("authorize status = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatalf("parse Location: %v", err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		h.t.Fatalf("Location %q has no code", resp.Header.Get("Location"))
	}
	return code
}

// tokenRequest describes a call to a token endpoint.
type tokenRequest struct {
	path        string // default /api/oauth2/token
	form        url.Values
	basic       []string // client ID and secret for HTTP Basic, if set
	contentType string   // default application/x-www-form-urlencoded
	body        string   // replaces the encoded form when set
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode body %q: %v", r.body, err)
	}
	return v
}

func (h *harness) post(req tokenRequest) result {
	h.t.Helper()
	path := req.path
	if path == "" {
		path = "/api/oauth2/token"
	}
	body := req.body
	if body == "" {
		body = req.form.Encode()
	}
	httpReq, err := http.NewRequest(http.MethodPost, h.http.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	contentType := req.contentType
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded"
	}
	httpReq.Header.Set("Content-Type", contentType)
	if req.basic != nil {
		httpReq.SetBasicAuth(url.QueryEscape(req.basic[0]), url.QueryEscape(req.basic[1]))
	}
	return h.do(httpReq)
}

func (h *harness) do(req *http.Request) result {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: body}
}

// get sends a GET with a Bearer token ("" for none).
func (h *harness) get(path, token string) result {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.http.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req)
}

// exchangeForm is a valid authorization_code request body for a public client.
func exchangeForm(clientID, code string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {DefaultRedirectURI},
		"code_verifier": {testVerifier},
		"client_id":     {clientID},
	}
}

// tokens is a decoded token response.
type tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

func decodeTokens(t *testing.T, r result) tokens {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("token status = %d, body %s", r.status, r.body)
	}
	var tok tokens
	if err := json.Unmarshal(r.body, &tok); err != nil {
		t.Fatalf("decode token response: %v", err)
	}
	return tok
}

// login runs the whole flow for the public client with scope and returns
// the tokens.
func (h *harness) login(scope string) tokens {
	h.t.Helper()
	params := authParams(PublicClientID)
	params.Set("scope", scope)
	code := h.code(params)
	return decodeTokens(h.t, h.post(tokenRequest{form: exchangeForm(PublicClientID, code)}))
}

// refresh sends a refresh_token grant for the public client.
func (h *harness) refresh(refreshToken string) result {
	h.t.Helper()
	return h.post(tokenRequest{form: url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {PublicClientID},
	}})
}
