package cmd

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dauth-cli/dauth/internal/fakediscord"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// debugLine matches one --debug request line: method, URL, status, time.
var debugLine = regexp.MustCompile(`(?m)^debug: (GET|POST) http://127\.0\.0\.1:\d+/\S+: \d{3} [A-Za-z ]+ \(\d+ ms\)$`)

// TestDebugNoSecrets runs every command with --debug, including failing
// requests, and checks that no code, token, client secret or PKCE verifier
// reaches stderr, or stdout other than the line of `dauth token`.
func TestDebugNoSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	secretEnv := map[string]string{"DAUTH_CLIENT_SECRET": fakediscord.ConfidentialClientSecret}
	invalidGrant := `{"error": "invalid_grant", "error_description": "Invalid \"refresh_token\" in request."}`

	steps := []struct {
		name     string
		fault    *fakediscord.Fault
		args     []string
		wantCode int
	}{
		{name: "login", args: []string{"login", "--client-id", fakediscord.ConfidentialClientID}},
		{name: "me", args: []string{"me"}},
		{name: "guilds", args: []string{"guilds"}},
		{name: "guilds json", args: []string{"guilds", "--json"}},
		{name: "status", args: []string{"status"}},
		{name: "token refresh", args: []string{"token", "--refresh"}},
		{name: "api", args: []string{"api", "/oauth2/@me"}},
		{name: "api post error", args: []string{"api", "-X", "POST", "/users/@me/guilds", "-f", "name=x"}, wantCode: ExitError},
		{
			name:     "me 500",
			fault:    &fakediscord.Fault{Method: "GET", Path: "/api/v10/users/@me", Status: 500, Times: 3},
			args:     []string{"me"},
			wantCode: ExitError,
		},
		{
			name:  "guilds 429 short",
			fault: &fakediscord.Fault{Method: "GET", Path: "/api/v10/users/@me/guilds", Status: 429, RetryAfter: 0.5},
			args:  []string{"guilds"},
		},
		{
			name:     "me 429 long",
			fault:    &fakediscord.Fault{Method: "GET", Path: "/api/v10/users/@me", Status: 429, RetryAfter: 90},
			args:     []string{"me"},
			wantCode: ExitError,
		},
		{
			name:     "refresh 500",
			fault:    &fakediscord.Fault{Method: "POST", Path: "/api/oauth2/token", Status: 500},
			args:     []string{"token", "--refresh"},
			wantCode: ExitError,
		},
		{
			name:     "refresh invalid_grant",
			fault:    &fakediscord.Fault{Method: "POST", Path: "/api/oauth2/token", Status: 400, Body: invalidGrant},
			args:     []string{"token", "--refresh"},
			wantCode: ExitLoginNeeded,
		},
		{
			name:     "logout revoke 500",
			fault:    &fakediscord.Fault{Method: "POST", Path: "/api/oauth2/token/revoke", Status: 500},
			args:     []string{"logout"},
			wantCode: ExitError,
		},
		{name: "login again", args: []string{"login", "--client-id", fakediscord.ConfidentialClientID}},
		{name: "logout", args: []string{"logout", "--forget-app"}},
	}

	store := tokenstore.NewKeyringStore(h.keyring)
	var stderrs, stdouts strings.Builder
	for _, step := range steps {
		if step.fault != nil {
			h.emulator.InjectFault(*step.fault)
		}
		res := h.run(t, secretEnv, nil, append(step.args, "--debug")...)
		if res.code != step.wantCode {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", step.name, res.code, step.wantCode, res.stderr)
		}
		if !debugLine.MatchString(res.stderr) {
			t.Errorf("%s: stderr has no debug line (method, URL, status, ms):\n%s", step.name, res.stderr)
		}
		stderrs.WriteString(res.stderr)

		stdout := res.stdout
		if step.args[0] == "token" && step.wantCode == ExitOK {
			ts, err := store.Load("default")
			if err != nil {
				t.Fatalf("%s: load stored tokens: %v", step.name, err)
			}
			if stdout != ts.AccessToken+"\n" {
				t.Errorf("%s: stdout is not exactly the stored access token and a newline", step.name)
			}
			stdout = ""
		}
		stdouts.WriteString(stdout)
	}

	secrets := append(h.emulator.Secrets(), h.transport.codeVerifiers()...)
	// The client secret, 2 codes, 3 token pairs (two logins and one
	// successful refresh) and 2 verifiers.
	if len(secrets) < 11 {
		t.Fatalf("only %d secrets to look for; the check would be too weak", len(secrets))
	}
	if len(h.transport.codeVerifiers()) != 2 {
		t.Errorf("recorded %d PKCE verifiers, want 2 (one per login)", len(h.transport.codeVerifiers()))
	}
	for _, secret := range secrets {
		if strings.Contains(stderrs.String(), secret) {
			t.Errorf("stderr contains a secret: %.4s… (%d chars)", secret, len(secret))
		}
		if strings.Contains(stdouts.String(), secret) {
			t.Errorf("stdout contains a secret: %.4s… (%d chars)", secret, len(secret))
		}
	}
	if !strings.Contains(stderrs.String(), "***") {
		t.Error("stderr has no masked value; the failed token requests should show masked bodies")
	}
}
