package discord

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// recordedRequest is what the fake API server saw of one request.
type recordedRequest struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// fakeAPI is a loopback HTTP server that records requests and responds with
// handle, which gets the 0-based index of the request.
type fakeAPI struct {
	mu       sync.Mutex
	requests []recordedRequest
	sleeps   []time.Duration
	server   *httptest.Server
}

func newFakeAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.requests)
		f.requests = append(f.requests, recordedRequest{
			Method:   r.Method,
			Path:     r.URL.EscapedPath(),
			RawQuery: r.URL.RawQuery,
			Header:   r.Header.Clone(),
			Body:     body,
		})
		f.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(f.server.Close)
	return f
}

// client returns a Client for f built by NewHTTPClient, with a Sleep that
// records the wait and returns at once.
func (f *fakeAPI) client(debug io.Writer) *Client {
	return &Client{
		HTTP: NewHTTPClient(HTTPOptions{
			Debug: debug,
			Sleep: f.sleep,
		}),
		APIBase:   f.server.URL + "/api/v10",
		UserAgent: "dauth/test",
	}
}

func (f *fakeAPI) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeAPI) recorded() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

func (f *fakeAPI) recordedSleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func parseQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("invalid query %q: %v", raw, err)
	}
	return q
}
