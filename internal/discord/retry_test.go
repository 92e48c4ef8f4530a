package discord

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedTransport returns responses[i] for attempt i, repeating the last
// one, and records each attempt's request body.
type scriptedTransport struct {
	mu        sync.Mutex
	responses []scriptedResponse
	bodies    []string
}

type scriptedResponse struct {
	status int
	header http.Header
	body   string
	err    error
}

func (s *scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}

	s.mu.Lock()
	n := len(s.bodies)
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()

	r := s.responses[min(n, len(s.responses)-1)]
	if r.err != nil {
		return nil, r.err
	}
	header := r.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		StatusCode: r.status,
		Header:     header,
		Body:       io.NopCloser(strings.NewReader(r.body)),
		Request:    req,
	}, nil
}

func (s *scriptedTransport) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// sleepLog is a RetryTransport.Sleep that records waits and returns at once.
type sleepLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (l *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	l.mu.Lock()
	l.waits = append(l.waits, d)
	l.mu.Unlock()
	return ctx.Err()
}

func newRequest(t *testing.T, method, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, "http://127.0.0.1:1/api/v10/x", r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestRetryAttempts(t *testing.T) {
	t.Parallel()
	rateLimited := func(secs string) scriptedResponse {
		return scriptedResponse{status: 429, body: `{"retry_after": ` + secs + `, "global": false}`}
	}
	ok := scriptedResponse{status: 200, body: `{}`}
	tests := []struct {
		name         string
		method       string
		responses    []scriptedResponse
		backoff      []time.Duration
		wantStatus   int
		wantAttempts int
		wantWaits    []time.Duration
	}{
		{"ok", "GET", []scriptedResponse{ok}, nil, 200, 1, nil},
		{"401 not retried", "GET", []scriptedResponse{{status: 401}}, nil, 401, 1, nil},
		{"403 not retried", "GET", []scriptedResponse{{status: 403}}, nil, 403, 1, nil},
		{"404 not retried", "GET", []scriptedResponse{{status: 404}}, nil, 404, 1, nil},
		{"429 short then ok", "GET", []scriptedResponse{rateLimited("2"), ok}, nil, 200, 2, []time.Duration{2 * time.Second}},
		{"429 at max wait", "DELETE", []scriptedResponse{rateLimited("10"), ok}, nil, 200, 2, []time.Duration{10 * time.Second}},
		{"429 over max wait", "GET", []scriptedResponse{rateLimited("10.001")}, nil, 429, 1, nil},
		{"429 twice", "GET", []scriptedResponse{rateLimited("1")}, nil, 429, 2, []time.Duration{time.Second}},
		{"429 without wait", "GET", []scriptedResponse{{status: 429, body: `{}`}}, nil, 429, 1, nil},
		{"429 header wins", "GET", []scriptedResponse{{status: 429, header: http.Header{"Retry-After": {"3"}}, body: `{"retry_after": 0.2}`}, ok}, nil, 200, 2, []time.Duration{3 * time.Second}},
		{"500 GET retried twice", "GET", []scriptedResponse{{status: 500}}, nil, 500, 3, []time.Duration{500 * time.Millisecond, time.Second}},
		{"503 HEAD retried", "HEAD", []scriptedResponse{{status: 503}, ok}, nil, 200, 2, []time.Duration{500 * time.Millisecond}},
		{"500 POST not retried", "POST", []scriptedResponse{{status: 500}}, nil, 500, 1, nil},
		{"500 PATCH not retried", "PATCH", []scriptedResponse{{status: 502}}, nil, 502, 1, nil},
		{"custom backoff", "GET", []scriptedResponse{{status: 500}}, []time.Duration{time.Millisecond}, 500, 2, []time.Duration{time.Millisecond}},
		{"empty backoff", "GET", []scriptedResponse{{status: 500}}, []time.Duration{}, 500, 1, nil},
		{"429 then 5xx bounded", "GET", []scriptedResponse{rateLimited("1"), {status: 500}}, nil, 500, 4, []time.Duration{time.Second, 500 * time.Millisecond, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := &scriptedTransport{responses: tt.responses}
			sleeps := &sleepLog{}
			rt := &RetryTransport{Base: base, Backoff: tt.backoff, Sleep: sleeps.sleep}

			resp, err := rt.RoundTrip(newRequest(t, tt.method, ""))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if n := base.attempts(); n != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", n, tt.wantAttempts)
			}
			if !reflect.DeepEqual(sleeps.waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", sleeps.waits, tt.wantWaits)
			}
		})
	}
}

func TestRetryReplaysBody(t *testing.T) {
	t.Parallel()
	base := &scriptedTransport{responses: []scriptedResponse{
		{status: 429, header: http.Header{"Retry-After": {"1"}}},
		{status: 200},
	}}
	rt := &RetryTransport{Base: base, Sleep: (&sleepLog{}).sleep}

	resp, err := rt.RoundTrip(newRequest(t, "POST", "grant_type=refresh_token"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := []string{"grant_type=refresh_token", "grant_type=refresh_token"}
	if !reflect.DeepEqual(base.bodies, want) {
		t.Errorf("bodies = %q, want %q", base.bodies, want)
	}
}

func TestRetryWithoutGetBodyReturns429(t *testing.T) {
	t.Parallel()
	base := &scriptedTransport{responses: []scriptedResponse{{status: 429, body: `{"retry_after": 1}`}}}
	rt := &RetryTransport{Base: base, Sleep: (&sleepLog{}).sleep}
	req := newRequest(t, "POST", "x=1")
	req.GetBody = nil

	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Errorf("status = %d, want 429", resp.StatusCode)
	}
	if n := base.attempts(); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

func TestRetryKeeps429Body(t *testing.T) {
	t.Parallel()
	body := `{"message": "You are being rate limited.", "retry_after": 60, "global": false}`
	rt := &RetryTransport{Base: &scriptedTransport{responses: []scriptedResponse{{status: 429, body: body}}}}

	resp, err := rt.RoundTrip(newRequest(t, "GET", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Errorf("body = %q, want %q", got, body)
	}
}

func TestRetryTransportErrorNotRetried(t *testing.T) {
	t.Parallel()
	failure := errors.New("connection reset")
	base := &scriptedTransport{responses: []scriptedResponse{{err: failure}}}
	rt := &RetryTransport{Base: base, Sleep: (&sleepLog{}).sleep}

	_, err := rt.RoundTrip(newRequest(t, "GET", ""))
	if !errors.Is(err, failure) {
		t.Errorf("error = %v, want %v", err, failure)
	}
	if n := base.attempts(); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

func TestRetryWaitHonoursContext(t *testing.T) {
	t.Parallel()
	base := &scriptedTransport{responses: []scriptedResponse{{status: 429, header: http.Header{"Retry-After": {"10"}}}}}
	rt := &RetryTransport{Base: base} // the real timer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := newRequest(t, "GET", "").WithContext(ctx)

	start := time.Now()
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("RoundTrip took %v after the context ended", elapsed)
	}
	if n := base.attempts(); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}
