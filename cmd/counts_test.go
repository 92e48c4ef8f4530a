package cmd

import (
	"testing"
	"time"

	"github.com/dauth-cli/dauth/internal/fakediscord"
	"github.com/dauth-cli/dauth/internal/tokenstore"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

// These tests count what a command costs in HTTP requests sent and keyring
// reads, so that a change adding a request or a read fails here.

func TestCountsLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	h.login(t, nil)

	// The browser's own requests (authorize, redirect) do not go through
	// dauth's transport, so these are the token exchange and /users/@me.
	if got := h.transport.requests(); got != 2 {
		t.Errorf("login sent %d requests, want 2 (token, /users/@me)", got)
	}
}

func TestCountsMeFresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	h.login(t, nil)
	requests, reads := h.transport.requests(), h.keyring.Calls(tokenstoretest.OpGet)

	res := h.run(t, nil, nil, "me")
	if res.code != ExitOK {
		t.Fatalf("me: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if got := h.transport.requests() - requests; got != 1 {
		t.Errorf("me with a fresh token sent %d requests, want 1", got)
	}
	if got := h.keyring.Calls(tokenstoretest.OpGet) - reads; got != 1 {
		t.Errorf("me with a fresh token read the keyring %d times, want 1", got)
	}
}

func TestCountsMeExpired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	h.login(t, nil)
	expireKeyringToken(t, h)
	requests := h.transport.requests()

	res := h.run(t, nil, nil, "me")
	if res.code != ExitOK {
		t.Fatalf("me: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if got := h.transport.requests() - requests; got != 2 {
		t.Errorf("me with an expired token sent %d requests, want 2 (refresh, /users/@me)", got)
	}
}

func TestCountsGuildsOnePage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{GuildCount: 199})
	h.login(t, nil)
	requests := h.transport.requests()

	res := h.run(t, nil, nil, "guilds", "--jq", "length")
	if res.code != ExitOK {
		t.Fatalf("guilds: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if res.stdout != "199\n" {
		t.Errorf("guilds --jq length = %q, want 199", res.stdout)
	}
	if got := h.transport.requests() - requests; got != 1 {
		t.Errorf("guilds with 199 guilds sent %d requests, want 1", got)
	}
}

func TestCountsHelpVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"--version"}, {"me", "--help"}, {"login", "--help"}} {
		h := newHarness(t, fakediscord.Options{})
		res := h.run(t, nil, nil, args...)
		if res.code != ExitOK {
			t.Errorf("%v: exit %d, want 0", args, res.code)
		}
		if res.stdout == "" {
			t.Errorf("%v: stdout is empty", args)
		}
		if got := h.transport.requests(); got != 0 {
			t.Errorf("%v sent %d requests, want 0", args, got)
		}
		if got := h.keyring.Calls(tokenstoretest.OpGet); got != 0 {
			t.Errorf("%v read the keyring %d times, want 0", args, got)
		}
	}
}

// expireKeyringToken moves the default profile's stored expiry an hour
// into the past, through the store as dauth reads it.
func expireKeyringToken(t *testing.T, h *harness) {
	t.Helper()
	store := tokenstore.NewKeyringStore(h.keyring)
	ts, err := store.Load("default")
	if err != nil {
		t.Fatal(err)
	}
	ts.Expiry = time.Now().Add(-time.Hour)
	if err := store.Save("default", ts); err != nil {
		t.Fatal(err)
	}
}
