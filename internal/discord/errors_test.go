package discord

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRateLimitFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		header     http.Header
		body       string
		wantWait   time.Duration
		wantGlobal bool
		wantScope  string
	}{
		{"header only", http.Header{"Retry-After": {"42"}}, ``, 42 * time.Second, false, ""},
		{"body only", nil, `{"retry_after": 1.337, "global": false}`, 1337 * time.Millisecond, false, ""},
		{"body larger", http.Header{"Retry-After": {"1"}}, `{"retry_after": 1.5}`, 1500 * time.Millisecond, false, ""},
		{"header larger", http.Header{"Retry-After": {"3"}}, `{"retry_after": 2.2}`, 3 * time.Second, false, ""},
		{"global in body", nil, `{"retry_after": 0.5, "global": true}`, 500 * time.Millisecond, true, ""},
		{"global in header", http.Header{"X-Ratelimit-Global": {"true"}, "X-Ratelimit-Scope": {"global"}}, `{}`, 0, true, "global"},
		{"scope", http.Header{"X-Ratelimit-Scope": {"shared"}}, `{"retry_after": 5}`, 5 * time.Second, false, "shared"},
		{"nothing", nil, `not json`, 0, false, ""},
		{"negative ignored", http.Header{"Retry-After": {"-5"}}, `{"retry_after": -1}`, 0, false, ""},
		{"http date ignored", http.Header{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}}, ``, 0, false, ""},
		{"huge saturates", nil, `{"retry_after": 1e300}`, time.Duration(1<<63 - 1), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := RateLimitFrom(h, []byte(tt.body))
			if got.RetryAfter != tt.wantWait {
				t.Errorf("RetryAfter = %v, want %v", got.RetryAfter, tt.wantWait)
			}
			if got.Global != tt.wantGlobal {
				t.Errorf("Global = %v, want %v", got.Global, tt.wantGlobal)
			}
			if got.Scope != tt.wantScope {
				t.Errorf("Scope = %q, want %q", got.Scope, tt.wantScope)
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&APIError{Method: "GET", Path: "/users/@me", Status: 403, Code: 50001, Message: "Missing Access"}, "GET /users/@me: 403 Missing Access (code 50001)"},
		{&APIError{Method: "GET", Path: "/users/@me", Status: 401, Message: "401: Unauthorized"}, "GET /users/@me: 401 Unauthorized"},
		{&APIError{Method: "DELETE", Path: "/x", Status: 404}, "DELETE /x: 404 Not Found"},
		{&RateLimitError{Method: "GET", Path: "/users/@me", RetryAfter: 42 * time.Second}, "rate limited by Discord on GET /users/@me: retry after 42s"},
		{&RateLimitError{Method: "POST", Path: "/x", RetryAfter: 1500 * time.Millisecond, Global: true}, "rate limited by Discord (global limit) on POST /x: retry after 1.5s"},
		{&RateLimitError{}, "rate limited by Discord: retry later"},
		{&ServerError{Method: "GET", Path: "/users/@me", Status: 502}, "GET /users/@me: Discord server error 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAPIErrorIsUnauthorized(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("loading user: %w", &APIError{Status: 401})
	if !errors.Is(wrapped, ErrUnauthorized) {
		t.Error("a wrapped 401 does not match ErrUnauthorized")
	}
	if errors.Is(&APIError{Status: 400}, ErrUnauthorized) {
		t.Error("a 400 matches ErrUnauthorized")
	}
}
