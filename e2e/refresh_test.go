//go:build linux

package e2e_test

import (
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dauth-cli/dauth/internal/config"
	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// TestRefreshRotation checks dauth's main job with the built binary and the
// file token store: an expired access token is refreshed exactly once,
// Discord's rotation kills the old refresh token, and parallel processes
// never spend the same refresh token twice.
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.ModeApprove)
	env := h.fileEnv()
	h.loginAsBrowser(env)
	before := h.fileTokens()

	expireStoredToken(t, h.tokenFile())
	tokenRequestsBefore := h.tokenRequests()
	me := h.dauth(env, "--profile", h.profile, "me")
	if me.code != 0 {
		t.Fatalf("dauth me with an expired token exited %d, want 0; stderr:\n%s", me.code, me.stderr)
	}
	if n := h.tokenRequests() - tokenRequestsBefore; n != 1 {
		t.Errorf("dauth me with an expired token sent %d token requests, want 1", n)
	}
	after := h.fileTokens()
	if after.RefreshToken == before.RefreshToken {
		t.Fatal("the stored refresh token did not change after the refresh")
	}
	if h.fake.RefreshTokenLive(before.RefreshToken) {
		t.Error("the old refresh token is still live at the emulator after the refresh")
	}
	if !h.fake.RefreshTokenLive(after.RefreshToken) {
		t.Error("the new stored refresh token is not live at the emulator")
	}
	if !after.Expiry.After(time.Now()) {
		t.Errorf("the stored expiry after the refresh is %s, want a time in the future", after.Expiry)
	}

	const parallel = 10
	results := make([]result, parallel)
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	for i := range parallel {
		wg.Go(func() {
			results[i], errs[i] = runDauth(t, env, "--profile", h.profile, "me", "--refresh")
		})
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			t.Errorf("parallel dauth me --refresh #%d: %v", i, errs[i])
			continue
		}
		if r.code != 0 {
			t.Errorf("parallel dauth me --refresh #%d exited %d, want 0; stderr:\n%s", i, r.code, r.stderr)
		}
	}
	final := h.fileTokens()
	if !h.fake.RefreshTokenLive(final.RefreshToken) {
		t.Error("the stored refresh token after the parallel refreshes is not live at the emulator")
	}
	if n := h.fake.Authorizations(); n != 1 {
		t.Errorf("the emulator has %d live grants after the parallel refreshes, want 1", n)
	}
}

// expireStoredToken sets the expiry in the token file at path to an hour
// ago, keeping every other field as it is.
func expireStoredToken(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("%s is not a JSON object: %v", path, err)
	}
	if _, ok := fields["expiry"]; !ok {
		t.Fatalf("%s has no expiry field", path)
	}
	past, err := json.Marshal(time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	fields["expiry"] = past
	edited, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := config.WriteFileAtomic(path, edited); err != nil {
		t.Fatal(err)
	}
}
