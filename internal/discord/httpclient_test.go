package discord

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestNewHTTPClientDefaults(t *testing.T) {
	t.Parallel()
	c := NewHTTPClient(HTTPOptions{})
	if c.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", c.Timeout, DefaultTimeout)
	}
	rt, ok := c.Transport.(*RetryTransport)
	if !ok {
		t.Fatalf("Transport = %T, want *RetryTransport", c.Transport)
	}
	if _, ok := rt.Base.(*http.Transport); !ok {
		t.Errorf("base = %T, want *http.Transport", rt.Base)
	}
	if rt.Base == http.DefaultTransport {
		t.Error("base is http.DefaultTransport itself, want a clone")
	}
}

func TestNewHTTPClientDebugLinePerAttempt(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusServiceUnavailable, `{}`)
	})
	var out bytes.Buffer

	_, err := api.client(&out).Do(context.Background(), http.MethodGet, "/users/@me", nil, nil, "tok")
	if err == nil {
		t.Fatal("want a server error")
	}
	if n := strings.Count(out.String(), ": 503 Service Unavailable"); n != 3 {
		t.Errorf("debug output has %d status lines, want 3:\n%s", n, out.String())
	}
}
