package discord

import (
	"context"
	"io"
	"net/http"
	"time"
)

// DefaultTimeout bounds one dauth HTTP call, retries and 429 waits included.
const DefaultTimeout = 30 * time.Second

// HTTPOptions configures NewHTTPClient.
type HTTPOptions struct {
	// Base sends the real requests; nil means a clone of http.DefaultTransport.
	Base http.RoundTripper
	// Timeout bounds each call including its retries; 0 means DefaultTimeout.
	Timeout time.Duration
	// Debug receives one line per HTTP attempt when not nil (--debug).
	Debug io.Writer
	// Now is the clock for debug durations; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewHTTPClient builds the HTTP client for every dauth request, the OAuth2
// token calls included: a RetryTransport wrapping a DebugTransport (when
// opts.Debug is set) wrapping the base transport, so each real attempt gets
// its own debug line.
func NewHTTPClient(opts HTTPOptions) *http.Client {
	base := opts.Base
	if base == nil {
		base = http.DefaultTransport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			base = t.Clone()
		}
	}
	if opts.Debug != nil {
		base = &DebugTransport{Base: base, Out: opts.Debug, Now: opts.Now}
	}

	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{
		Transport: &RetryTransport{Base: base, MaxWait: DefaultMaxWait, Sleep: opts.Sleep},
		Timeout:   timeout,
	}
}
