package cmd_test

// These benchmarks check dauth's speed goals by counting work, not by timing
// it. Each reports the HTTP requests and keyring reads of one command
// (requests/op, store-reads/op) and fails when a count exceeds its goal. They
// run Main in-process against the Discord emulator on 127.0.0.1, with the
// keyring store over an in-memory keyring.
//
// Run them with: go test -run '^$' -bench . -benchmem ./cmd

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dauth-cli/dauth/cmd"
	"github.com/dauth-cli/dauth/internal/browser"
	"github.com/dauth-cli/dauth/internal/fakediscord"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

// benchRequestCounter is an http.RoundTripper that counts the requests dauth
// sends through it.
type benchRequestCounter struct {
	base  http.RoundTripper
	count atomic.Int64
}

func (c *benchRequestCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.count.Add(1)
	return c.base.RoundTrip(r)
}

// benchBrowser replaces the user's browser. It loads the authorize URL and
// follows the emulator's redirect to dauth's loopback listener. Its
// requests bypass benchRequestCounter, because a real browser's requests are
// not dauth's.
type benchBrowser struct {
	client *http.Client
}

func (o benchBrowser) Open(url string) error {
	resp, err := o.client.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// benchEnv is one emulator and one dauth configuration directory, shared by
// the iterations of a benchmark.
type benchEnv struct {
	emulator    *httptest.Server
	keyring     *tokenstoretest.MemKeyring
	requests    *benchRequestCounter
	configDir   string
	redirectURI string
	// now is dauth's clock. The emulator always uses the real one.
	now func() time.Time
}

func newBenchEnv(b *testing.B, guilds int) *benchEnv {
	b.Helper()
	redirectURI := "http://127.0.0.1:" + benchFreePort(b)
	server := fakediscord.New(fakediscord.Options{
		GuildCount: guilds,
		Apps: []fakediscord.App{{
			ClientID:     fakediscord.ConfidentialClientID,
			ClientSecret: fakediscord.ConfidentialClientSecret,
			RedirectURIs: []string{redirectURI},
		}},
	})
	emulator := httptest.NewServer(server)
	b.Cleanup(emulator.Close)

	return &benchEnv{
		emulator:    emulator,
		keyring:     tokenstoretest.NewMemKeyring(),
		requests:    &benchRequestCounter{base: emulator.Client().Transport},
		configDir:   b.TempDir(),
		redirectURI: redirectURI,
		now:         time.Now,
	}
}

// benchFreePort returns a loopback port that was free a moment ago.
func benchFreePort(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// run runs dauth with args in-process and returns its exit code and stderr.
func (e *benchEnv) run(stdin string, args ...string) (int, string) {
	var stderr strings.Builder
	env := map[string]string{
		"DAUTH_DISCORD_URL": e.emulator.URL,
		"DAUTH_CONFIG_DIR":  e.configDir,
	}
	f := &cmd.Factory{
		In:     strings.NewReader(stdin),
		Out:    io.Discard,
		ErrOut: &benchSyncWriter{w: &stderr},
		Getenv: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
		UserConfigDir: func() (string, error) { return e.configDir, nil },
		Keyring:       e.keyring,
		NewOpener: func(func(string) (string, bool), io.Writer) browser.Opener {
			return benchBrowser{client: e.emulator.Client()}
		},
		Transport: e.requests,
		Now:       e.now,
	}
	code := cmd.Main(context.Background(), args, f)
	return code, stderr.String()
}

// login signs in the default profile through the emulator and fails the
// benchmark if that does not succeed.
func (e *benchEnv) login(b *testing.B) {
	b.Helper()
	code, stderr := e.run(fakediscord.ConfidentialClientSecret+"\n",
		"login", "--client-id", fakediscord.ConfidentialClientID,
		"--redirect-uri", e.redirectURI, "--client-secret-stdin", "--timeout", "10s")
	if code != 0 {
		b.Fatalf("dauth login: exit %d, stderr:\n%s", code, stderr)
	}
}

// benchSyncWriter serializes writes, because login writes to stderr from the
// goroutine that opens the browser too.
type benchSyncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *benchSyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// benchCase is one dauth command line and its goals.
type benchCase struct {
	name   string
	args   []string
	guilds int
	// expired makes dauth's clock run 8 days ahead of the emulator's, so
	// every stored access token (valid for 7 days) is stale and each
	// iteration refreshes it.
	expired bool
	// maxRequests and maxReads are the goals. A negative maxReads reports
	// keyring reads without checking them.
	maxRequests, maxReads float64
}

// BenchmarkCommand runs each dauth command line after one login.
//
// A keyring read is one Get on the keyring: loading the token set, or the
// client secret that a refresh sends. A refresh reads three times (the token
// set, the token set again under the lock, the secret).
func BenchmarkCommand(b *testing.B) {
	cases := []benchCase{
		{name: "me_fresh", args: []string{"me"}, maxRequests: 1, maxReads: 1},
		{name: "me_expired", args: []string{"me"}, expired: true, maxRequests: 2, maxReads: -1},
		{name: "guilds_150", args: []string{"guilds"}, guilds: 150, maxRequests: 1, maxReads: 1},
		{name: "guilds_json_150", args: []string{"guilds", "--json"}, guilds: 150, maxRequests: 1, maxReads: 1},
		{name: "version", args: []string{"--version"}, maxRequests: 0, maxReads: 0},
		{name: "help", args: []string{"--help"}, maxRequests: 0, maxReads: 0},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			env := newBenchEnv(b, tc.guilds)
			env.login(b)
			if tc.expired {
				env.now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
			}

			requestsBefore := env.requests.count.Load()
			readsBefore := env.keyring.Calls(tokenstoretest.OpGet)
			for b.Loop() {
				if code, stderr := env.run("", tc.args...); code != 0 {
					b.Fatalf("dauth %s: exit %d, stderr:\n%s", strings.Join(tc.args, " "), code, stderr)
				}
			}

			requests := float64(env.requests.count.Load()-requestsBefore) / float64(b.N)
			reads := float64(env.keyring.Calls(tokenstoretest.OpGet)-readsBefore) / float64(b.N)
			b.ReportMetric(requests, "requests/op")
			b.ReportMetric(reads, "store-reads/op")
			if requests > tc.maxRequests {
				b.Errorf("dauth %s: %.2f HTTP requests per run, goal at most %.0f", strings.Join(tc.args, " "), requests, tc.maxRequests)
			}
			if tc.maxReads >= 0 && reads > tc.maxReads {
				b.Errorf("dauth %s: %.2f keyring reads per run, goal at most %.0f", strings.Join(tc.args, " "), reads, tc.maxReads)
			}
		})
	}
}

// BenchmarkLogin runs a whole `dauth login` with a stand-in browser. The
// requests it counts are dauth's own after the redirect: the code exchange
// and GET /users/@me.
func BenchmarkLogin(b *testing.B) {
	env := newBenchEnv(b, 0)
	const maxRequests = 2

	for b.Loop() {
		env.login(b)
	}

	requests := float64(env.requests.count.Load()) / float64(b.N)
	b.ReportMetric(requests, "requests/op")
	if requests > maxRequests {
		b.Errorf("dauth login: %.2f HTTP requests per run, goal at most %d", requests, maxRequests)
	}
}
