//go:build linux

package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// TestConsentPageChromedp signs in on the emulator's consent page in
// headless Chromium, driven by chromedp: first with Authorize, then, for
// another profile in the same config directory, with Cancel.
func TestConsentPageChromedp(t *testing.T) {
	t.Parallel()
	chromium := requireBrowser(t)
	requireKeyring(t)

	h := newHarness(t, fakediscord.ModeConsent)
	clearKeyringOnCleanup(t, h.profile)
	browserCtx := startChromedp(t, chromium, filepath.Join(h.dir, "chromium"))

	t.Run("authorize", func(t *testing.T) {
		login, heading := consentLogin(t, h.forTest(t), browserCtx, "#authorize")
		if heading != "Signed in" {
			t.Errorf("dauth's page heading = %q, want \"Signed in\"", heading)
		}
		if code := login.wait(t); code != 0 {
			t.Fatalf("dauth login exited %d, want 0; stderr:\n%s", code, login.stderr)
		}
		if out := login.stdout.String(); out != "" {
			t.Errorf("dauth login stdout = %q, want empty", out)
		}
		ts := keyringTokens(t, h.profile)
		if !h.fake.RefreshTokenLive(ts.RefreshToken) {
			t.Error("the refresh token in the keyring is not live at the emulator")
		}
	})

	t.Run("cancel", func(t *testing.T) {
		// A second profile in the same config directory: the cancelled
		// login must leave both the config file and the keyring untouched.
		cancelled := h.forTest(t)
		cancelled.profile = uniqueProfile(t)
		clearKeyringOnCleanup(t, cancelled.profile)
		configFile := filepath.Join(h.config, "config.json")
		configBefore, err := os.ReadFile(configFile)
		if err != nil {
			t.Fatalf("read the config file that the authorize step wrote: %v", err)
		}

		login, heading := consentLogin(t, cancelled, browserCtx, "#cancel")
		if heading != "Sign-in cancelled" {
			t.Errorf("dauth's page heading = %q, want \"Sign-in cancelled\"", heading)
		}
		if code := login.wait(t); code != 1 {
			t.Errorf("dauth login exited %d, want 1; stderr:\n%s", code, login.stderr)
		}
		stderr := login.stderr.String()
		if !strings.Contains(stderr, "cancelled or denied in the browser (access_denied)") {
			t.Errorf("dauth login stderr has no access_denied message:\n%s", stderr)
		}
		if out := login.stdout.String(); out != "" {
			t.Errorf("dauth login stdout = %q, want empty", out)
		}
		if _, ok := keyringLookup(t, cancelled.profile); ok {
			t.Error("secret-tool finds a token set for the cancelled profile, want none")
		}
		configAfter, err := os.ReadFile(configFile)
		if err != nil {
			t.Fatal(err)
		}
		if string(configAfter) != string(configBefore) {
			t.Errorf("the cancelled login changed %s:\nbefore: %s\nafter:  %s", configFile, configBefore, configAfter)
		}
	})
}

// consentLogin starts `dauth login --no-browser` for the public app, opens
// the printed authorize URL in a new tab, clicks button on the consent page
// and returns the running login and the heading of the page that dauth's
// listener served.
func consentLogin(t *testing.T, h *harness, browserCtx context.Context, button string) (*process, string) {
	t.Helper()
	stdin, _ := h.stdinPipe("")
	login := h.start(h.keyringEnv(), stdin, h.loginArgs(false, "--no-browser")...)
	authURL := login.authorizeURL(t)

	tabCtx, closeTab := chromedp.NewContext(browserCtx)
	defer closeTab()
	ctx, cancel := context.WithTimeout(tabCtx, commandTimeout)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.CSS(button)),
		chromedp.Click(chromedp.CSS(button)),
		chromedp.WaitVisible(chromedp.CSS("h1#result")),
	)
	if err != nil {
		t.Fatalf("drive the consent page (click %s): %v; dauth stderr:\n%s", button, err, login.stderr)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1#result")))
	if err != nil {
		t.Fatalf("read the heading of dauth's page: %v", err)
	}
	return login, strings.TrimSpace(heading)
}

// startChromedp starts headless Chromium for chromedp in a process group of
// its own, with its profile, HOME and XDG directories under dir. The browser
// is closed, and its group killed, when the test ends.
func startChromedp(t *testing.T, chromium, dir string) context.Context {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}

	var browserCmd *exec.Cmd
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(filepath.Join(dir, "user-data")),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Env(
			"HOME="+dir,
			"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
			"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
			"XDG_DATA_HOME="+filepath.Join(dir, "data"),
			// Chromium gets no session bus, so it cannot use the keyring.
			"DBUS_SESSION_BUS_ADDRESS=",
		),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Pdeathsig repeats chromedp's default, which this option
			// replaces: the kernel kills Chromium if the test binary dies.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			browserCmd = cmd
		}),
	)
	// The first action starts the browser, which then lives as long as the
	// context given to that action, so the time limit sits on the
	// allocator's context and covers the whole test.
	limitCtx, cancelLimit := context.WithTimeout(context.Background(), 5*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(limitCtx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelBrowser()
		cancelAlloc()
		cancelLimit()
	}
	if err := chromedp.Do(browserCtx); err != nil {
		stop()
		t.Fatalf("start Chromium (%s) for chromedp: %v", chromium, err)
	}

	killGroupOnCleanup(t, browserCmd.Process.Pid)
	t.Cleanup(stop)
	return browserCtx
}
