package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dauth-cli/dauth/internal/fakediscord"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// storedRefreshToken returns the refresh token in the keyring item of the
// default profile, or "" when there is none.
func (h *harness) keyringRefreshToken(t *testing.T) string {
	t.Helper()
	raw, ok := h.keyring.Item(tokenstore.Service, "default")
	if !ok {
		return ""
	}
	var ts tokenstore.TokenSet
	if err := json.Unmarshal([]byte(raw), &ts); err != nil {
		t.Fatalf("keyring item: %v", err)
	}
	return ts.RefreshToken
}

func (h *harness) fileRefreshToken(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(h.configDir, "tokens", "default.token.json"))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	var ts tokenstore.TokenSet
	if err := json.Unmarshal(raw, &ts); err != nil {
		t.Fatalf("token file: %v", err)
	}
	return ts.RefreshToken
}

func TestStorageSwitchLeavesNoTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})

	h.login(t, nil)
	keyringToken := h.keyringRefreshToken(t)
	if keyringToken == "" {
		t.Fatal("login with the default storage stored nothing in the keyring")
	}

	h.login(t, nil, "--insecure-storage")
	if got := h.keyringRefreshToken(t); got != "" {
		t.Error("the keyring still holds a token set after the switch to the file store")
	}
	fileToken := h.fileRefreshToken(t)
	if fileToken == "" {
		t.Fatal("login --insecure-storage stored no token file")
	}

	h.login(t, map[string]string{"DAUTH_STORAGE": "keyring"})
	if got := h.fileRefreshToken(t); got != "" {
		t.Error("the token file is still there after the switch back to the keyring")
	}
	if h.keyringRefreshToken(t) == "" {
		t.Error("the switch back to the keyring stored nothing there")
	}
}

func TestLogoutRemovesLeftoverInOtherStore(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	h.login(t, nil)
	current := h.keyringRefreshToken(t)

	// A token file that a file-store login left behind, as dauth versions
	// that did not clean up on a storage switch did.
	raw, err := json.Marshal(tokenstore.TokenSet{AccessToken: "a", RefreshToken: "leftover-refresh", TokenType: "Bearer"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(h.configDir, "tokens"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.configDir, "tokens", "default.token.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}

	res := h.run(t, nil, nil, "logout")
	if res.code != ExitOK {
		t.Fatalf("logout: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if h.emulator.RefreshTokenLive(current) {
		t.Error("the current refresh token is still live after logout")
	}
	if got := h.fileRefreshToken(t); got != "" {
		t.Error("logout left the token file of the file store behind")
	}
	if !strings.Contains(res.stderr, "revoked its grant") {
		t.Errorf("logout stderr = %q, want the revocation confirmed", res.stderr)
	}
}
