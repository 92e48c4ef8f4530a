package discord

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDoSendsHeaders(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{}`)
	})
	c := api.client(nil)

	_, err := c.Do(context.Background(), http.MethodPost, "/channels/1/messages", url.Values{"x": {"1"}}, []byte(`{"a":1}`), "tok")
	if err != nil {
		t.Fatal(err)
	}

	got := api.recorded()[0]
	if h := got.Header.Get("Authorization"); h != "Bearer tok" {
		t.Errorf("Authorization = %q, want %q", h, "Bearer tok")
	}
	if h := got.Header.Get("User-Agent"); h != "dauth/test" {
		t.Errorf("User-Agent = %q, want %q", h, "dauth/test")
	}
	if h := got.Header.Get("Content-Type"); h != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", h)
	}
	if got.Path != "/api/v10/channels/1/messages" {
		t.Errorf("path = %q, want /api/v10/channels/1/messages", got.Path)
	}
	if got.RawQuery != "x=1" {
		t.Errorf("query = %q, want x=1", got.RawQuery)
	}
	if string(got.Body) != `{"a":1}` {
		t.Errorf("body = %q, want {\"a\":1}", got.Body)
	}
}

func TestDoWithoutBodyHasNoContentType(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{}`)
	})

	if _, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok"); err != nil {
		t.Fatal(err)
	}
	if h := api.recorded()[0].Header.Get("Content-Type"); h != "" {
		t.Errorf("Content-Type = %q, want none", h)
	}
}

func TestSendKeepsGivenContentType(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{}`)
	})

	_, err := api.client(nil).Send(context.Background(), Request{
		Method: http.MethodPut,
		Path:   "/x",
		Header: http.Header{"Content-Type": {"text/plain"}, "Authorization": {"Bearer other"}},
		Body:   []byte("hi"),
		Token:  "tok",
	})
	if err != nil {
		t.Fatal(err)
	}

	got := api.recorded()[0]
	if h := got.Header.Get("Content-Type"); h != "text/plain" {
		t.Errorf("Content-Type = %q, want text/plain", h)
	}
	if h := got.Header.Values("Authorization"); !reflect.DeepEqual(h, []string{"Bearer tok"}) {
		t.Errorf("Authorization = %q, want only the token's", h)
	}
}

func TestDoPathForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		path      string
		query     url.Values
		wantPath  string
		wantQuery string
	}{
		{"relative", "/users/@me", nil, "/api/v10/users/@me", ""},
		{"no leading slash", "users/@me", nil, "/api/v10/users/@me", ""},
		{"versioned", "/api/v10/users/@me", nil, "/api/v10/users/@me", ""},
		{"query in path", "/users/@me/guilds?limit=5", url.Values{"after": {"9"}}, "/api/v10/users/@me/guilds", "after=9&limit=5"},
		{"escaped segment", "/channels/1/messages/2/reactions/%F0%9F%91%8D", nil, "/api/v10/channels/1/messages/2/reactions/%F0%9F%91%8D", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, http.StatusOK, `{}`)
			})
			if _, err := api.client(nil).Do(context.Background(), http.MethodGet, tt.path, tt.query, nil, "tok"); err != nil {
				t.Fatal(err)
			}
			got := api.recorded()[0]
			if got.Path != tt.wantPath {
				t.Errorf("path = %q, want %q", got.Path, tt.wantPath)
			}
			if got.RawQuery != tt.wantQuery {
				t.Errorf("query = %q, want %q", got.RawQuery, tt.wantQuery)
			}
		})
	}
}

func TestDoAbsoluteURLUnderBase(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{}`)
	})
	c := api.client(nil)

	if _, err := c.Do(context.Background(), http.MethodGet, c.APIBase+"/users/@me?x=1", nil, nil, "tok"); err != nil {
		t.Fatal(err)
	}
	got := api.recorded()[0]
	if got.Path != "/api/v10/users/@me" {
		t.Errorf("path = %q, want /api/v10/users/@me", got.Path)
	}
	if got.RawQuery != "x=1" {
		t.Errorf("query = %q, want x=1", got.RawQuery)
	}
}

func TestDoRejectedPaths(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{}`)
	})
	c := api.client(nil)
	tests := []struct {
		name string
		path string
	}{
		{"other host", "https://other.example/api/v10/users/@me"},
		{"other scheme", strings.Replace(c.APIBase, "http://", "https://", 1) + "/users/@me"},
		{"outside base path", strings.TrimSuffix(c.APIBase, "/api/v10") + "/oauth2/token"},
		{"network path", "//other.example/users/@me"},
		{"userinfo", strings.Replace(c.APIBase, "http://", "http://u:p@", 1) + "/users/@me"},
		{"dot dot", "/users/../../oauth2/token"},
		{"escaped dot dot", "/users/%2e%2e/x"},
		{"fragment", "/users/@me#x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := c.Do(context.Background(), http.MethodGet, tt.path, nil, nil, "tok"); err == nil {
				t.Errorf("Do(%q) = nil error, want a rejection", tt.path)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(api.recorded()); n != 0 {
			t.Errorf("server got %d requests, want 0", n)
		}
	})
}

func TestDoUnauthorized(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusUnauthorized, `{"message": "401: Unauthorized", "code": 0}`)
	})

	resp, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "bad")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("error %v does not match ErrUnauthorized", err)
	}
	if err.Error() != "GET /users/@me: 401 Unauthorized" {
		t.Errorf("Error() = %q", err)
	}
	if resp == nil || resp.Status != http.StatusUnauthorized {
		t.Errorf("response = %+v, want status 401", resp)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestDoForbidden(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusForbidden, `{"message": "Missing Access", "code": 50001}`)
	})

	_, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", url.Values{"q": {"secret"}}, nil, "tok")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if apiErr.Code != 50001 {
		t.Errorf("Code = %d, want 50001", apiErr.Code)
	}
	if apiErr.Message != "Missing Access" {
		t.Errorf("Message = %q, want Missing Access", apiErr.Message)
	}
	if err.Error() != "GET /users/@me: 403 Missing Access (code 50001)" {
		t.Errorf("Error() = %q", err)
	}
	if errors.Is(err, ErrUnauthorized) {
		t.Error("a 403 matches ErrUnauthorized")
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestDoFieldErrors(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusBadRequest, `{"code": 50035, "message": "Invalid Form Body", "errors": {
			"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "Must be 200 or less."}]},
			"roles": {"0": {"_errors": [{"code": "X", "message": "Bad role."}]}}}}`)
	})

	_, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me/guilds", nil, nil, "tok")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	want := []string{"limit: Must be 200 or less.", "roles.0: Bad role."}
	if !reflect.DeepEqual(apiErr.Details, want) {
		t.Errorf("Details = %q, want %q", apiErr.Details, want)
	}
	if !strings.HasSuffix(err.Error(), "(code 50035): limit: Must be 200 or less.; roles.0: Bad role.") {
		t.Errorf("Error() = %q", err)
	}
}

func TestDoRateLimitLong(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "42")
		w.Header().Set("X-RateLimit-Scope", "user")
		writeJSON(w, http.StatusTooManyRequests, `{"message": "You are being rate limited.", "retry_after": 41.5, "global": false}`)
	})

	resp, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok")
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v is not a *RateLimitError", err)
	}
	if rl.RetryAfter != 42*time.Second {
		t.Errorf("RetryAfter = %v, want 42s", rl.RetryAfter)
	}
	if rl.Scope != "user" {
		t.Errorf("Scope = %q, want user", rl.Scope)
	}
	if err.Error() != "rate limited by Discord on GET /users/@me: retry after 42s" {
		t.Errorf("Error() = %q", err)
	}
	if resp == nil || resp.Status != http.StatusTooManyRequests {
		t.Errorf("response = %+v, want status 429", resp)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
	if s := api.recordedSleeps(); len(s) != 0 {
		t.Errorf("slept %v, want no wait", s)
	}
}

func TestDoRateLimitShortReplaysPost(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			writeJSON(w, http.StatusTooManyRequests, `{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"ok":true}`)
	})

	resp, err := api.client(nil).Do(context.Background(), http.MethodPost, "/x", nil, []byte(`{"n":1}`), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"ok":true}` {
		t.Errorf("body = %q", resp.Body)
	}
	if s := api.recordedSleeps(); !reflect.DeepEqual(s, []time.Duration{1500 * time.Millisecond}) {
		t.Errorf("slept %v, want [1.5s]", s)
	}
	got := api.recorded()
	if len(got) != 2 {
		t.Fatalf("server got %d requests, want 2", len(got))
	}
	if string(got[1].Body) != `{"n":1}` {
		t.Errorf("replayed body = %q, want {\"n\":1}", got[1].Body)
	}
}

func TestDoRateLimitTwiceStops(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, `{"retry_after": 0.5, "global": true}`)
	})

	_, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok")
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v is not a *RateLimitError", err)
	}
	if !rl.Global {
		t.Error("Global = false, want true")
	}
	if n := len(api.recorded()); n != 2 {
		t.Errorf("server got %d requests, want 2", n)
	}
}

func TestDoServerErrorGetRetried(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusBadGateway, `{"message": "bad gateway"}`)
	})

	_, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok")
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *ServerError", err)
	}
	if se.Status != http.StatusBadGateway {
		t.Errorf("Status = %d, want 502", se.Status)
	}
	if n := len(api.recorded()); n != 3 {
		t.Errorf("server got %d requests, want 3", n)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second}
	if s := api.recordedSleeps(); !reflect.DeepEqual(s, want) {
		t.Errorf("slept %v, want %v", s, want)
	}
}

func TestDoServerErrorThenSuccess(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			writeJSON(w, http.StatusServiceUnavailable, `{}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"id":"1"}`)
	})

	if _, err := api.client(nil).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok"); err != nil {
		t.Fatal(err)
	}
	if n := len(api.recorded()); n != 2 {
		t.Errorf("server got %d requests, want 2", n)
	}
}

func TestDoServerErrorPostNotRetried(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusInternalServerError, `{}`)
	})

	_, err := api.client(nil).Do(context.Background(), http.MethodPost, "/x", nil, []byte(`{}`), "tok")
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *ServerError", err)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestDoNetworkErrorNamesPath(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	c := api.client(nil)
	api.server.Close()

	_, err := c.Do(context.Background(), http.MethodGet, "/users/@me/guilds", url.Values{"after": {"supersecretvalue"}}, nil, "tok")
	if err == nil {
		t.Fatal("want an error from a closed server")
	}
	if !strings.HasPrefix(err.Error(), "GET /users/@me/guilds: ") {
		t.Errorf("error %q does not start with the method and path", err)
	}
	if strings.Contains(err.Error(), "supersecretvalue") {
		t.Errorf("error %q contains the query", err)
	}
}

func TestDoCanceledContext(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `{}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := api.client(nil).Do(ctx, http.MethodGet, "/users/@me", nil, nil, "tok")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not match context.Canceled", err)
	}
}

func TestDoMissingHTTPClient(t *testing.T) {
	t.Parallel()
	c := &Client{APIBase: "http://127.0.0.1:1/api/v10"}
	if _, err := c.Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok"); err == nil {
		t.Error("Do with a nil HTTP client = nil error")
	}
}
