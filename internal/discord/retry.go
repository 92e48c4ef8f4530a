package discord

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// DefaultMaxWait is the longest 429 wait that RetryTransport sits out.
const DefaultMaxWait = 10 * time.Second

// peekLimit bounds how much of a response body the transports read to parse
// a rate limit or write a debug line. The caller can still read the whole body.
const peekLimit = 64 << 10

// RetryTransport retries the requests that are safe and worth retrying. It
// never repeats a request in a loop after 401, 403 or 429, because Discord
// bans an IP that gets 10,000 of those responses within 10 minutes.
//
//   - A 429 whose wait (the larger of the Retry-After header and the body's
//     retry_after) is at most MaxWait is waited out once, then the request is
//     sent again with any method, because a 429 means Discord processed
//     nothing. A longer or unstated wait, a second 429, or a body that cannot
//     be replayed (no GetBody) returns the 429 response as is.
//   - A 5xx response to GET or HEAD is retried once per Backoff entry, after
//     that entry's delay. Other methods are not retried, because the server
//     may have acted on the first attempt.
//   - Transport errors and every other status are returned as is.
//
// All waits end early, with the context's error, when the request's context
// is done.
type RetryTransport struct {
	Base http.RoundTripper // nil means http.DefaultTransport
	// MaxWait is the longest 429 wait to sit out; 0 means DefaultMaxWait.
	MaxWait time.Duration
	// Backoff holds the delays before each 5xx retry; nil means 500 ms, then 1 s.
	// An empty non-nil slice disables 5xx retries.
	Backoff []time.Duration
	// Sleep waits for d or until ctx is done; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	maxWait := t.MaxWait
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	backoff := t.Backoff
	if backoff == nil {
		backoff = []time.Duration{500 * time.Millisecond, time.Second}
	}
	sleep := t.Sleep
	if sleep == nil {
		sleep = sleepContext
	}

	attempt := req
	waitedForRateLimit := false
	serverRetries := 0
	for {
		resp, err := base.RoundTrip(attempt)
		if err != nil {
			return nil, err
		}

		var wait time.Duration
		switch {
		case resp.StatusCode == http.StatusTooManyRequests && !waitedForRateLimit && canReplay(req):
			var body []byte
			body, resp.Body = peekBody(resp.Body)
			d, ok := retryAfter(resp.Header, body)
			if !ok || d > maxWait {
				return resp, nil
			}
			waitedForRateLimit = true
			wait = d
		case resp.StatusCode >= 500 && isIdempotent(req.Method) && serverRetries < len(backoff) && canReplay(req):
			wait = backoff[serverRetries]
			serverRetries++
		default:
			return resp, nil
		}

		discardBody(resp.Body)
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		attempt, err = rewind(req)
		if err != nil {
			return nil, err
		}
	}
}

func isIdempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == ""
}

func hasBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody
}

func canReplay(req *http.Request) bool {
	return !hasBody(req) || req.GetBody != nil
}

// rewind returns a copy of req with a fresh body for another attempt.
func rewind(req *http.Request) (*http.Request, error) {
	next := req.Clone(req.Context())
	if hasBody(req) {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		next.Body = body
	}
	return next, nil
}

// peekBody reads up to peekLimit bytes of body and returns them with a
// replacement body that still yields the whole content.
func peekBody(body io.ReadCloser) ([]byte, io.ReadCloser) {
	head, err := io.ReadAll(io.LimitReader(body, peekLimit))
	if err != nil {
		// The read error is passed on to the caller through the replacement.
		return head, readCloser{io.MultiReader(bytes.NewReader(head), errReader{err}), body}
	}
	return head, readCloser{io.MultiReader(bytes.NewReader(head), body), body}
}

// discardBody drains a little of body so the connection can be reused, then
// closes it.
func discardBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, peekLimit))
	_ = body.Close()
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
