//go:build linux

package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dauth-cli/dauth/internal/fakediscord"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

func TestKeyringCommands(t *testing.T) {
	t.Parallel()
	requireKeyring(t)

	h := newHarness(t, fakediscord.ModeApprove)
	clearKeyringOnCleanup(t, h.profile)
	env := h.keyringEnv()
	h.loginAsBrowser(env)
	refreshToken := keyringTokens(t, h.profile).RefreshToken

	status := h.dauth(env, "--profile", h.profile, "status")
	if status.code != 0 {
		t.Fatalf("dauth status exited %d, want 0; stderr:\n%s", status.code, status.stderr)
	}
	location := fmt.Sprintf("OS keyring (service %q, item %q)", "dauth", h.profile)
	if !strings.Contains(status.stdout, location) {
		t.Errorf("dauth status stdout does not name the keyring location %s:\n%s", location, status.stdout)
	}

	logout := h.dauth(env, "--profile", h.profile, "logout")
	if logout.code != 0 {
		t.Fatalf("dauth logout exited %d, want 0; stderr:\n%s", logout.code, logout.stderr)
	}
	if _, ok := keyringLookup(t, h.profile); ok {
		t.Error("secret-tool still finds the token set after dauth logout")
	}
	if h.fake.RefreshTokenLive(refreshToken) {
		t.Error("the refresh token is still live at the emulator after dauth logout")
	}

	address := startNoSecretsBus(t)
	me := h.dauth(h.keyringEnv("DBUS_SESSION_BUS_ADDRESS="+address), "--profile", h.profile, "me")
	if me.code != 1 {
		t.Errorf("dauth me without a Secret Service exited %d, want 1; stderr:\n%s", me.code, me.stderr)
	}
	if me.stdout != "" {
		t.Errorf("dauth me without a Secret Service: stdout = %q, want empty", me.stdout)
	}
	for _, want := range []string{
		"OS keyring is unavailable",
		"no Secret Service provider on the D-Bus session bus",
		"--insecure-storage",
		"DAUTH_STORAGE=file",
	} {
		if !strings.Contains(me.stderr, want) {
			t.Errorf("dauth me without a Secret Service: stderr has no %q:\n%s", want, me.stderr)
		}
	}
}

// startNoSecretsBus starts a private session bus on which no Secret Service
// exists or can be activated, and returns its address. The bus daemon is
// killed by its PID when the test ends.
func startNoSecretsBus(t *testing.T) string {
	t.Helper()
	requireTool(t, "dbus-daemon", "dbus")
	dir := t.TempDir()
	config := filepath.Join(dir, "nosecrets-bus.conf")
	if err := os.WriteFile(config, []byte(tokenstoretest.NoSecretsBusConfig(dir)), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-daemon", "--config-file="+config, "--fork", "--nopidfile",
		"--print-address=1", "--print-pid=1")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dbus-daemon --config-file=%s --fork: %v; stderr: %s", config, err, stderr.String())
	}

	lines := bufio.NewScanner(bytes.NewReader(out))
	var address, pidText string
	if lines.Scan() {
		address = lines.Text()
	}
	if lines.Scan() {
		pidText = lines.Text()
	}
	pid, err := strconv.Atoi(pidText)
	if address == "" || err != nil || pid <= 0 {
		t.Fatalf("dbus-daemon printed %q, want its address and PID on two lines", out)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if left := waitGone(func(s procStat) bool { return s.pid == pid }); len(left) > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("dbus-daemon %d still runs %s after SIGTERM", pid, groupGoneWait)
		}
	})
	return address
}
