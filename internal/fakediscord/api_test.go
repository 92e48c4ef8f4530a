package fakediscord

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCurrentUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope      string
		wantStatus int
		wantEmail  bool
	}{
		{"identify", http.StatusOK, false},
		{"identify email", http.StatusOK, true},
		{"guilds", http.StatusUnauthorized, false},
		{"email", http.StatusUnauthorized, false},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			r := h.get("/api/v10/users/@me", h.login(tt.scope).AccessToken)

			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d", r.status, tt.wantStatus)
			}
			body := r.json(t)
			if tt.wantStatus != http.StatusOK {
				if body["message"] != "401: Unauthorized" {
					t.Errorf("message = %v, want 401: Unauthorized", body["message"])
				}
				return
			}
			if body["id"] != UserID {
				t.Errorf("id = %v (%T), want string %q", body["id"], body["id"], UserID)
			}
			if _, has := body["email"]; has != tt.wantEmail {
				t.Errorf("email present = %v, want %v", has, tt.wantEmail)
			}
			if _, has := body["verified"]; has != tt.wantEmail {
				t.Errorf("verified present = %v, want %v", has, tt.wantEmail)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header func(tok tokens) string
	}{
		{"no header", func(tokens) string { return "" }},
		{"unknown token", func(tokens) string { return "Bearer abc" }},
		{"bot scheme", func(tok tokens) string { return "Bot " + tok.AccessToken }},
		{"no scheme", func(tok tokens) string { return tok.AccessToken }},
		{"refresh token", func(tok tokens) string { return "Bearer " + tok.RefreshToken }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			tok := h.login("identify guilds")
			for _, path := range []string{"/api/v10/users/@me", "/api/v10/users/@me/guilds", "/api/v10/oauth2/@me"} {
				req, _ := http.NewRequest(http.MethodGet, h.http.URL+path, nil)
				if v := tt.header(tok); v != "" {
					req.Header.Set("Authorization", v)
				}
				r := h.do(req)

				if r.status != http.StatusUnauthorized {
					t.Errorf("%s: status = %d, want 401", path, r.status)
				}
				if want := `{"message": "401: Unauthorized", "code": 0}`; string(r.body) != want {
					t.Errorf("%s: body = %s, want %s", path, r.body, want)
				}
			}
		})
	}
}

func guildIDs(t *testing.T, r result) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	var guilds []map[string]any
	if err := json.Unmarshal(r.body, &guilds); err != nil {
		t.Fatalf("decode guilds: %v", err)
	}
	ids := make([]string, len(guilds))
	for i, g := range guilds {
		ids[i], _ = g["id"].(string)
	}
	return ids
}

func TestGuildsPagination(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{GuildCount: 10})
	token := h.login("guilds").AccessToken
	all := guildIDs(t, h.get("/api/v10/users/@me/guilds", token))
	if len(all) != 10 {
		t.Fatalf("got %d guilds, want 10", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b string) int {
		x, _ := strconv.ParseUint(a, 10, 64)
		y, _ := strconv.ParseUint(b, 10, 64)
		return cmp.Compare(x, y)
	}) {
		t.Errorf("guild IDs are not ascending: %v", all)
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"limit=3", all[:3]},
		{"limit=200", all},
		{"limit=1&after=" + all[0], all[1:2]},
		{"after=" + all[2], all[3:]},
		{"after=0", all},
		{"after=" + all[9], []string{}},
		{"before=" + all[5] + "&limit=2", all[3:5]},
		{"before=" + all[5], all[:5]},
		{"after=" + all[1] + "&before=" + all[6], all[2:6]},
		{"after=" + all[1] + "&before=" + all[6] + "&limit=2", all[2:4]},
	}
	for _, tt := range tests {
		got := guildIDs(t, h.get("/api/v10/users/@me/guilds?"+tt.query, token))
		if !slices.Equal(got, tt.want) {
			t.Errorf("?%s: ids = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestGuildsDefaultLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{GuildCount: 205})
	token := h.login("guilds").AccessToken
	first := guildIDs(t, h.get("/api/v10/users/@me/guilds", token))
	if len(first) != 200 {
		t.Fatalf("default page has %d guilds, want 200", len(first))
	}
	rest := guildIDs(t, h.get("/api/v10/users/@me/guilds?after="+first[199], token))
	if len(rest) != 5 {
		t.Errorf("second page has %d guilds, want 5", len(rest))
	}
}

func TestGuildsInvalidQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query     string
		wantField string
		wantCode  string
	}{
		{"limit=0", "limit", "NUMBER_TYPE_MIN"},
		{"limit=201", "limit", "NUMBER_TYPE_MAX"},
		{"limit=-5", "limit", "NUMBER_TYPE_MIN"},
		{"limit=ten", "limit", "NUMBER_TYPE_COERCE"},
		{"limit=", "limit", "NUMBER_TYPE_COERCE"},
		{"after=abc", "after", "NUMBER_TYPE_COERCE"},
		{"before=-1", "before", "NUMBER_TYPE_COERCE"},
		{"with_counts=maybe", "with_counts", "BOOLEAN_TYPE_COERCE"},
	}
	h := newHarness(t, Options{})
	token := h.login("guilds").AccessToken
	for _, tt := range tests {
		r := h.get("/api/v10/users/@me/guilds?"+tt.query, token)
		if r.status != http.StatusBadRequest {
			t.Errorf("?%s: status = %d, want 400", tt.query, r.status)
			continue
		}
		var body struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Errors  map[string]struct {
				Errors []fieldError `json:"_errors"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("?%s: decode: %v", tt.query, err)
		}
		if body.Code != 50035 || body.Message != "Invalid Form Body" {
			t.Errorf("?%s: code, message = %d, %q; want 50035, Invalid Form Body", tt.query, body.Code, body.Message)
		}
		field := body.Errors[tt.wantField]
		if len(field.Errors) != 1 || field.Errors[0].Code != tt.wantCode {
			t.Errorf("?%s: errors.%s = %+v, want code %s", tt.query, tt.wantField, field, tt.wantCode)
		}
	}
}

func TestGuildsWithCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query      string
		wantCounts bool
	}{
		{"", false},
		{"?with_counts=false", false},
		{"?with_counts=true", true},
	}
	h := newHarness(t, Options{})
	token := h.login("guilds").AccessToken
	for _, tt := range tests {
		var guilds []map[string]any
		r := h.get("/api/v10/users/@me/guilds"+tt.query, token)
		if err := json.Unmarshal(r.body, &guilds); err != nil {
			t.Fatalf("%q: decode: %v", tt.query, err)
		}
		for _, g := range guilds {
			_, members := g["approximate_member_count"]
			_, presences := g["approximate_presence_count"]
			if members != tt.wantCounts || presences != tt.wantCounts {
				t.Errorf("%q: guild %v counts present = %v/%v, want %v", tt.query, g["id"], members, presences, tt.wantCounts)
			}
		}
	}
}

func TestGuildsBodyBytes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	body := string(h.get("/api/v10/users/@me/guilds", h.login("guilds").AccessToken).body)

	for _, want := range []string{
		`"name": "Gophers & Friends <dev>"`,
		`"name": "Café Ünïcode — 東京 🎮"`,
		`"name": "plain-guild \"quoted\""`,
		`"permissions": "2251799813685247"`,
		`"features": ["COMMUNITY", "NEWS", "ANIMATED_ICON"]`,
		`"banner": null`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body does not contain %s:\n%s", want, body)
		}
	}
}

func TestOAuth2Me(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope    string
		wantUser bool
	}{
		{"identify guilds", true},
		{"guilds", false},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			tok := h.login(tt.scope)
			r := h.get("/api/v10/oauth2/@me", tok.AccessToken)
			if r.status != http.StatusOK {
				t.Fatalf("status = %d, want 200", r.status)
			}
			var body struct {
				Application struct {
					ID string `json:"id"`
				} `json:"application"`
				Scopes  []string        `json:"scopes"`
				Expires string          `json:"expires"`
				User    json.RawMessage `json:"user"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}

			if body.Application.ID != PublicClientID {
				t.Errorf("application.id = %q, want %q", body.Application.ID, PublicClientID)
			}
			if got := strings.Join(body.Scopes, " "); got != tt.scope {
				t.Errorf("scopes = %q, want %q", got, tt.scope)
			}
			wantExpires := h.clock.Now().Add(DefaultAccessTokenTTL).Format("2006-01-02T15:04:05.000000+00:00")
			if body.Expires != wantExpires {
				t.Errorf("expires = %q, want %q", body.Expires, wantExpires)
			}
			if got := body.User != nil; got != tt.wantUser {
				t.Errorf("user present = %v, want %v", got, tt.wantUser)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tok := h.login("identify guilds")

	first := h.get("/api/v10/users/@me", tok.AccessToken)
	second := h.get("/api/v10/users/@me", tok.AccessToken)
	for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"} {
		if first.header.Get(name) == "" {
			t.Errorf("header %s is missing", name)
		}
	}
	a, _ := strconv.Atoi(first.header.Get("X-RateLimit-Remaining"))
	b, _ := strconv.Atoi(second.header.Get("X-RateLimit-Remaining"))
	if b != a-1 {
		t.Errorf("X-RateLimit-Remaining went %d → %d, want a decrease by 1", a, b)
	}

	h.clock.Advance(2 * time.Second)
	third := h.get("/api/v10/users/@me", tok.AccessToken)
	if got := third.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(rateLimitPerWindow-1) {
		t.Errorf("X-RateLimit-Remaining after the window = %s, want %d", got, rateLimitPerWindow-1)
	}
	if unauthorized := h.get("/api/v10/users/@me", ""); unauthorized.header.Get("X-RateLimit-Bucket") == "" {
		t.Error("401 response has no X-RateLimit-Bucket")
	}
	if token := h.refresh(tok.RefreshToken); token.header.Get("X-RateLimit-Limit") == "" {
		t.Error("token response has no X-RateLimit-Limit")
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       Fault
		wantStatus  int
		wantHeaders map[string]string
		wantBody    string
	}{
		{
			name:       "rate limited",
			fault:      Fault{Method: "GET", Path: "/api/v10/users/@me", Status: 429, RetryAfter: 1.5},
			wantStatus: 429,
			wantHeaders: map[string]string{
				"Retry-After": "2", "X-RateLimit-Scope": "user", "X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset-After": "1.500", "Content-Type": "application/json",
			},
			wantBody: `{"message": "You are being rate limited.", "retry_after": 1.5, "global": false, "code": 0}`,
		},
		{
			name:        "global rate limit",
			fault:       Fault{Path: "/api/v10/users/@me", Status: 429, RetryAfter: 64.57, Global: true},
			wantStatus:  429,
			wantHeaders: map[string]string{"Retry-After": "65", "X-RateLimit-Scope": "global", "X-RateLimit-Global": "true"},
			wantBody:    `{"message": "You are being rate limited.", "retry_after": 64.57, "global": true, "code": 0}`,
		},
		{
			name:        "server error",
			fault:       Fault{Method: "GET", Path: "/api/v10/users/@me", Status: 502},
			wantStatus:  502,
			wantHeaders: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			wantBody:    "502: Bad Gateway",
		},
		{
			name:       "forbidden",
			fault:      Fault{Path: "/api/v10/users/@me", Status: 403},
			wantStatus: 403,
			wantBody:   `{"message": "403: Forbidden", "code": 0}`,
		},
		{
			name:       "custom body",
			fault:      Fault{Path: "/api/v10/users/@me", Status: 500, Body: `{"message": "boom", "code": 0}`},
			wantStatus: 500,
			wantBody:   `{"message": "boom", "code": 0}`,
		},
		{
			name:       "other method",
			fault:      Fault{Method: "POST", Path: "/api/v10/users/@me", Status: 500},
			wantStatus: 200,
		},
		{
			name:       "other path",
			fault:      Fault{Path: "/api/v10/users/@me/guilds", Status: 500},
			wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{})
			tok := h.login("identify")
			h.server.InjectFault(tt.fault)
			r := h.get("/api/v10/users/@me", tok.AccessToken)

			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", r.status, tt.wantStatus)
			}
			for name, want := range tt.wantHeaders {
				if got := r.header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if tt.wantBody != "" && string(r.body) != tt.wantBody {
				t.Errorf("body = %s, want %s", r.body, tt.wantBody)
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.server.InjectFault(Fault{Path: "/api/oauth2/token", Status: 503, Times: 2})
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {PublicClientID}}

	var got []int
	for range 3 {
		got = append(got, h.post(tokenRequest{form: form}).status)
	}
	if want := []int{503, 503, 400}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/api/v10/users/@me/connections", 404, `{"message": "404: Not Found", "code": 0}`},
		{"GET", "/api/v9/users/@me", 404, `{"message": "404: Not Found", "code": 0}`},
		{"GET", "/", 404, `{"message": "404: Not Found", "code": 0}`},
		{"DELETE", "/api/v10/users/@me", 405, `{"message": "405: Method Not Allowed", "code": 0}`},
		{"GET", "/api/oauth2/token", 405, `{"message": "405: Method Not Allowed", "code": 0}`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, h.http.URL+tt.path, nil)
		r := h.do(req)
		if r.status != tt.wantStatus {
			t.Errorf("%s %s: status = %d, want %d", tt.method, tt.path, r.status, tt.wantStatus)
		}
		if string(r.body) != tt.wantBody {
			t.Errorf("%s %s: body = %s, want %s", tt.method, tt.path, r.body, tt.wantBody)
		}
	}
}

func TestRequestsLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tok := h.login("identify")
	h.get("/api/v10/users/@me", tok.AccessToken)
	h.get("/_fake/requests", "")

	want := []Request{
		{Method: "GET", Path: "/oauth2/authorize", Status: 302},
		{Method: "POST", Path: "/api/oauth2/token", Status: 200},
		{Method: "GET", Path: "/api/v10/users/@me", Status: 200},
	}
	if got := h.server.Requests(); !slices.Equal(got, want) {
		t.Errorf("Requests() = %v, want %v", got, want)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	code := h.code(authParams(PublicClientID))
	tok := decodeTokens(t, h.post(tokenRequest{form: exchangeForm(PublicClientID, code)}))
	fresh := decodeTokens(t, h.refresh(tok.RefreshToken))

	secrets := h.server.Secrets()
	for _, want := range []string{ConfidentialClientSecret, code, tok.AccessToken, tok.RefreshToken, fresh.AccessToken, fresh.RefreshToken} {
		if !slices.Contains(secrets, want) {
			t.Errorf("Secrets() lacks a value of length %d", len(want))
		}
	}
}

func TestAdminSurface(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	adminPost := func(path, body string) result {
		req, _ := http.NewRequest(http.MethodPost, h.http.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return h.do(req)
	}

	if r := adminPost("/_fake/mode", `{"mode": "deny"}`); r.status != http.StatusOK {
		t.Errorf("POST /_fake/mode: status = %d, want 200", r.status)
	}
	if loc := h.authorize(authParams(PublicClientID)).Header.Get("Location"); !strings.Contains(loc, "error=access_denied") {
		t.Errorf("after mode deny: Location = %q, want access_denied", loc)
	}
	if r := adminPost("/_fake/mode", `{"mode": "sometimes"}`); r.status != http.StatusBadRequest {
		t.Errorf("invalid mode: status = %d, want 400", r.status)
	}
	adminPost("/_fake/mode", `{"mode": "approve"}`)
	tok := h.login("identify")

	if r := adminPost("/_fake/fault", `{"path": "/api/v10/users/@me", "status": 429, "retry_after": 0.5}`); r.status != http.StatusOK {
		t.Errorf("POST /_fake/fault: status = %d, want 200", r.status)
	}
	if r := h.get("/api/v10/users/@me", tok.AccessToken); r.status != http.StatusTooManyRequests {
		t.Errorf("after fault: status = %d, want 429", r.status)
	}
	if r := adminPost("/_fake/fault", `{"path": "/x", "status": 500, "retry": 1}`); r.status != http.StatusBadRequest {
		t.Errorf("fault with unknown field: status = %d, want 400", r.status)
	}

	live := adminPost("/_fake/refresh-token-live", `{"token": "`+tok.RefreshToken+`"}`)
	if string(live.body) != `{"live": true}` {
		t.Errorf("refresh-token-live = %s, want {\"live\": true}", live.body)
	}
	live = adminPost("/_fake/access-token-live", `{"token": "nope"}`)
	if string(live.body) != `{"live": false}` {
		t.Errorf("access-token-live = %s, want {\"live\": false}", live.body)
	}

	var requests []Request
	if err := json.Unmarshal(h.get("/_fake/requests", "").body, &requests); err != nil || len(requests) == 0 {
		t.Errorf("GET /_fake/requests = %v, %v; want a non-empty log", requests, err)
	}
	var secrets []string
	if err := json.Unmarshal(h.get("/_fake/secrets", "").body, &secrets); err != nil || !slices.Contains(secrets, tok.AccessToken) {
		t.Errorf("GET /_fake/secrets lacks the access token (err %v)", err)
	}
	if r := h.get("/_fake/authorizations", ""); string(r.body) != `{"count": 1}` {
		t.Errorf("GET /_fake/authorizations = %s, want {\"count\": 1}", r.body)
	}
	if r := h.get("/_fake/nothing", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown admin route: status = %d, want 404", r.status)
	}
}

func TestSpaceSeparators(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"a":1,"b":[1,2]}`, `{"a": 1, "b": [1, 2]}`},
		{`{"a":"x:y,z"}`, `{"a": "x:y,z"}`},
		{`{"a":"q\":,","b":"\\"}`, `{"a": "q\":,", "b": "\\"}`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		if got := string(spaceSeparators([]byte(tt.in))); got != tt.want {
			t.Errorf("spaceSeparators(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSnowflakesExceedFloatPrecision(t *testing.T) {
	t.Parallel()
	for _, g := range emulatedGuilds(3) {
		if g.id <= 1<<53 {
			t.Errorf("guild ID %s fits in a float64 mantissa, want > 2^53", g.ID)
		}
	}
}
