package cmd

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dauth-cli/dauth/internal/browser"
	"github.com/dauth-cli/dauth/internal/fakediscord"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

// harness runs dauth in-process against one emulator, with the keyring
// store over an in-memory keyring and a transport that counts requests.
type harness struct {
	emulator  *fakediscord.Server
	baseURL   string
	redirect  string
	configDir string
	keyring   *tokenstoretest.MemKeyring
	transport *recordingTransport
}

func newHarness(t *testing.T, opts fakediscord.Options) *harness {
	t.Helper()
	port, err := freeLoopbackPort()
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://localhost:" + strconv.Itoa(port)
	if opts.Apps == nil {
		opts.Apps = []fakediscord.App{
			{
				ClientID:     fakediscord.ConfidentialClientID,
				ClientSecret: fakediscord.ConfidentialClientSecret,
				RedirectURIs: []string{redirect},
			},
			{ClientID: fakediscord.PublicClientID, RedirectURIs: []string{redirect}},
		}
	}
	emulator := fakediscord.New(opts)
	server := httptest.NewServer(emulator)
	t.Cleanup(server.Close)
	return &harness{
		emulator:  emulator,
		baseURL:   server.URL,
		redirect:  redirect,
		configDir: t.TempDir(),
		keyring:   tokenstoretest.NewMemKeyring(),
		transport: &recordingTransport{base: server.Client().Transport},
	}
}

// result is one dauth run's output and exit code.
type result struct {
	stdout, stderr string
	code           int
}

// run runs dauth with args, the harness's environment plus env, and stdin.
func (h *harness) run(t *testing.T, env map[string]string, stdin io.Reader, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	code := Main(context.Background(), args, h.factory(env, stdin, &stdout, &stderr))
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

func (h *harness) factory(env map[string]string, stdin io.Reader, stdout, stderr io.Writer) *Factory {
	vars := map[string]string{
		"DAUTH_DISCORD_URL":  h.baseURL,
		"DAUTH_CONFIG_DIR":   h.configDir,
		"DAUTH_REDIRECT_URI": h.redirect,
	}
	for k, v := range env {
		vars[k] = v
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return &Factory{
		In:     stdin,
		Out:    stdout,
		ErrOut: stderr,
		Getenv: func(name string) (string, bool) {
			v, ok := vars[name]
			return v, ok
		},
		UserConfigDir: func() (string, error) { return h.configDir, nil },
		Keyring:       h.keyring,
		NewOpener: func(_ func(string) (string, bool), _ io.Writer) browser.Opener {
			return browserFunc(func(u string) error {
				// The listener, not the browser's exit status, decides
				// how the login ends, as with a real browser.
				runFakeBrowser([]string{u}, io.Discard)
				return nil
			})
		},
		Transport: h.transport,
		Now:       time.Now,
		Sleep:     func(context.Context, time.Duration) error { return nil },
	}
}

// browserFunc adapts a function to browser.Opener.
type browserFunc func(url string) error

func (f browserFunc) Open(url string) error { return f(url) }

// recordingTransport counts the requests dauth sends and keeps the PKCE
// verifiers it sends to the token endpoint, which the emulator does not
// list among its secrets.
type recordingTransport struct {
	base      http.RoundTripper
	count     atomic.Int64
	mu        sync.Mutex
	verifiers []string
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.count.Add(1)
	if req.Body != nil && req.GetBody != nil && strings.HasSuffix(req.URL.Path, "/oauth2/token") {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(body)
			body.Close()
			if form, err := url.ParseQuery(string(data)); err == nil && form.Get("code_verifier") != "" {
				t.mu.Lock()
				t.verifiers = append(t.verifiers, form.Get("code_verifier"))
				t.mu.Unlock()
			}
		}
	}
	return t.base.RoundTrip(req)
}

func (t *recordingTransport) requests() int { return int(t.count.Load()) }

func (t *recordingTransport) codeVerifiers() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.verifiers...)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of dauth and
// the goroutine that opens the browser.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// login signs the default profile in as the public client and fails the
// test if that does not exit 0.
func (h *harness) login(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	all := append([]string{"login", "--client-id", fakediscord.PublicClientID}, args...)
	res := h.run(t, env, nil, all...)
	if res.code != ExitOK {
		t.Fatalf("dauth login: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	return res
}
