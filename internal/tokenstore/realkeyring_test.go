package tokenstore_test

// Tests against a real Secret Service. The ones that use the test process's
// own session bus need a running, unlocked keyring, for example:
//
//	XDG_DATA_HOME=$(mktemp -d) DAUTH_REAL_KEYRING=1 dbus-run-session -- sh -c \
//	  'printf %s pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
//	   go test ./internal/tokenstore/'
//
// The ones that need another bus run a copy of the test binary as a
// subprocess, because godbus caches the session bus connection for the
// whole process.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"github.com/dauth-cli/dauth/internal/tokenstore"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

const (
	realKeyringEnv = "DAUTH_REAL_KEYRING"
	helperEnv      = "DAUTH_TOKENSTORE_HELPER"
	helperProfile  = "DAUTH_TOKENSTORE_HELPER_PROFILE"
)

// missingDependency skips the test, or fails it under CI=true, where the
// real keyring tests were asked for and must not pass by skipping.
func missingDependency(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func requireRealKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skipf("set %s=1 to run this test against a real Secret Service", realKeyringEnv)
	}
	if runtime.GOOS != "linux" {
		t.Skipf("the real keyring tests drive gnome-keyring over D-Bus, not available on %s", runtime.GOOS)
	}
}

// requireSessionKeyring returns a keyring store on the test process's
// session bus, after checking that a Secret Service responds there.
func requireSessionKeyring(t *testing.T) tokenstore.Store {
	t.Helper()
	requireRealKeyring(t)

	store := tokenstore.NewKeyringStore(tokenstore.SystemKeyring())
	if _, err := store.Load(uniqueProfile("probe")); err != nil && !errors.Is(err, tokenstore.ErrNotFound) {
		missingDependency(t, "no usable Secret Service on the session bus: %v", err)
	}
	return store
}

func requireProgram(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missingDependency(t, "%s is needed for this test: %v", name, err)
	}
	return path
}

var profileCounter atomic.Int64

// uniqueProfile returns a profile name that no other test or earlier run
// uses, so tests can share one keyring.
func uniqueProfile(prefix string) string {
	return fmt.Sprintf("%s-%d-%d-%d", prefix, os.Getpid(), time.Now().UnixNano(), profileCounter.Add(1))
}

func cleanupProfile(t *testing.T, store tokenstore.Store, profile string) {
	t.Cleanup(func() {
		if err := store.Delete(profile); err != nil {
			t.Errorf("cleanup Delete(%s): %v", profile, err)
		}
		if err := store.DeleteSecret(profile); err != nil {
			t.Errorf("cleanup DeleteSecret(%s): %v", profile, err)
		}
	})
}

// searchItems returns the Secret Service items whose attributes match.
func searchItems(t *testing.T, attrs map[string]string) []dbus.ObjectPath {
	t.Helper()
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatalf("connect to session bus: %v", err)
	}
	var unlocked, locked []dbus.ObjectPath
	err = conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.SearchItems", 0, attrs).
		Store(&unlocked, &locked)
	if err != nil {
		t.Fatalf("SearchItems: %v", err)
	}
	return append(unlocked, locked...)
}

func itemAttributes(t *testing.T, item dbus.ObjectPath) map[string]string {
	t.Helper()
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatalf("connect to session bus: %v", err)
	}
	v, err := conn.Object("org.freedesktop.secrets", item).GetProperty("org.freedesktop.Secret.Item.Attributes")
	if err != nil {
		t.Fatalf("read attributes of %s: %v", item, err)
	}
	attrs, ok := v.Value().(map[string]string)
	if !ok {
		t.Fatalf("attributes of %s have type %T", item, v.Value())
	}
	return attrs
}

func secretToolLookup(t *testing.T, secretTool, user string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, secretTool, "lookup", "service", tokenstore.Service, "username", user).Output()
	return string(out), err
}

func TestRealKeyringRoundTrip(t *testing.T) {
	t.Parallel()
	store := requireSessionKeyring(t)
	secretTool := requireProgram(t, "secret-tool")
	profile := uniqueProfile("roundtrip")
	cleanupProfile(t, store, profile)

	first := sampleTokenSet()
	if err := store.Save(profile, first); err != nil {
		t.Fatalf("Save: %v", err)
	}
	second := sampleTokenSet()
	second.AccessToken, second.RefreshToken = "ACCESS-2", "REFRESH-2"
	if err := store.Save(profile, second); err != nil {
		t.Fatalf("second Save: %v", err)
	}

	got, err := store.Load(profile)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if *got != *second {
		t.Errorf("Load = %+v, want the second token set %+v", got, second)
	}

	items := searchItems(t, map[string]string{"service": tokenstore.Service, "username": profile})
	if len(items) != 1 {
		t.Fatalf("keyring holds %d items for the profile, want 1 after two saves", len(items))
	}
	attrs := itemAttributes(t, items[0])
	if attrs["service"] != tokenstore.Service || attrs["username"] != profile {
		t.Errorf("item attributes = %v, want service=%s username=%s", attrs, tokenstore.Service, profile)
	}

	// libsecret finds the same item by the same attributes.
	out, err := secretToolLookup(t, secretTool, profile)
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	wantJSON, err := json.Marshal(second)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(wantJSON) {
		t.Error("secret-tool lookup does not return the saved token set as compact JSON")
	}

	if err := store.Delete(profile); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := store.Load(profile); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("Load after Delete = %v, want ErrNotFound", err)
	}
	if err := store.Delete(profile); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
	if out, err := secretToolLookup(t, secretTool, profile); err == nil {
		t.Errorf("secret-tool lookup after Delete succeeded with %d bytes", len(out))
	}
}

func TestRealKeyringSecretRoundTrip(t *testing.T) {
	t.Parallel()
	store := requireSessionKeyring(t)
	secretTool := requireProgram(t, "secret-tool")
	profile := uniqueProfile("secret")
	cleanupProfile(t, store, profile)

	if err := store.SaveSecret(profile, "SECRET-1"); err != nil {
		t.Fatalf("SaveSecret: %v", err)
	}
	if err := store.SaveSecret(profile, testSecret); err != nil {
		t.Fatalf("second SaveSecret: %v", err)
	}
	got, err := store.LoadSecret(profile)
	if err != nil {
		t.Fatalf("LoadSecret: %v", err)
	}
	if got != testSecret {
		t.Error("LoadSecret did not return the second secret")
	}
	if n := len(searchItems(t, map[string]string{"service": tokenstore.Service, "username": profile + ":client-secret"})); n != 1 {
		t.Errorf("keyring holds %d client secret items, want 1", n)
	}
	out, err := secretToolLookup(t, secretTool, profile+":client-secret")
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	if out != testSecret {
		t.Error("secret-tool lookup returns a different client secret")
	}

	if _, err := store.Load(profile); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("Load of a profile with only a secret = %v, want ErrNotFound", err)
	}
	if err := store.DeleteSecret(profile); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if _, err := store.LoadSecret(profile); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("LoadSecret after DeleteSecret = %v, want ErrNotFound", err)
	}
}

func TestRealKeyringCorruptItem(t *testing.T) {
	t.Parallel()
	store := requireSessionKeyring(t)
	profile := uniqueProfile("corrupt")
	cleanupProfile(t, store, profile)

	if err := tokenstore.SystemKeyring().Set(tokenstore.Service, profile, `{"access_token":"`+testAccess); err != nil {
		t.Fatal(err)
	}
	_, err := store.Load(profile)
	var corrupt *tokenstore.CorruptError
	if !errors.As(err, &corrupt) {
		t.Fatalf("Load = %v, want *CorruptError", err)
	}
	if want := "keyring item dauth/" + profile; corrupt.Where != want {
		t.Errorf("Where = %q, want %q", corrupt.Where, want)
	}
	assertNoSecrets(t, err)
}

// TestRealKeyringGetRacingDelete checks that a Load that loses the race
// with a Delete reports ErrNotFound. go-keyring searches for the item and
// then reads it, and gnome-keyring replies to the read of a just-deleted
// item with an UnknownMethod error.
func TestRealKeyringGetRacingDelete(t *testing.T) {
	t.Parallel()
	store := requireSessionKeyring(t)
	profile := uniqueProfile("race")
	cleanupProfile(t, store, profile)

	const rounds = 150
	var (
		wg                       sync.WaitGroup
		mu                       sync.Mutex
		loaded, missing, deleted int
		failures                 []string
	)
	fail := func(op string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf("%s: %v (%T)", op, err, errors.Unwrap(err)))
		}
	}
	for w := 0; w < 2; w++ {
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := store.Save(profile, sampleTokenSet()); err != nil {
					fail("Save", err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := store.Delete(profile); err != nil {
					fail("Delete", err)
					continue
				}
				mu.Lock()
				deleted++
				mu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				_, err := store.Load(profile)
				mu.Lock()
				switch {
				case err == nil:
					loaded++
				case errors.Is(err, tokenstore.ErrNotFound):
					missing++
				}
				mu.Unlock()
				if err != nil && !errors.Is(err, tokenstore.ErrNotFound) {
					fail("Load", err)
				}
			}
		}()
	}
	wg.Wait()

	t.Logf("Load: %d found, %d not found; Delete: %d without error", loaded, missing, deleted)
	for _, f := range failures {
		t.Error(f)
	}
}

// TestKeyringHelperProcess is not a test: the subprocess tests below run
// the test binary with only this test selected and helperEnv set, on a bus
// of their choosing. It prints one line "RESULT <kind> <error>".
func TestKeyringHelperProcess(t *testing.T) {
	action := os.Getenv(helperEnv)
	if action == "" {
		return
	}

	store := tokenstore.NewKeyringStore(tokenstore.SystemKeyring())
	profile := os.Getenv(helperProfile)
	var err error
	switch action {
	case "load":
		_, err = store.Load(profile)
	case "save":
		err = store.Save(profile, sampleTokenSet())
	case "delete":
		err = store.Delete(profile)
	default:
		t.Fatalf("unknown helper action %q", action)
	}
	fmt.Printf("RESULT %s %v\n", errorKind(err), err)
}

func errorKind(err error) string {
	var unavailable *tokenstore.UnavailableError
	var locked *tokenstore.LockedError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, tokenstore.ErrNotFound):
		return "notfound"
	case errors.As(err, &unavailable):
		return "unavailable"
	case errors.As(err, &locked):
		return "locked"
	}
	return "other"
}

// runHelper runs the test binary's helper with action, through wrapper
// (for example dbus-run-session and its arguments) if given, and returns
// the kind and error text it reports.
func runHelper(t *testing.T, env []string, action string, wrapper ...string) (kind, text string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append(wrapper, self, "-test.run=^TestKeyringHelperProcess$", "-test.count=1")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(env, helperEnv+"="+action, helperProfile+"="+uniqueProfile("helper"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper %q: %v\nstdout:\n%s\nstderr:\n%s", action, err, stdout.String(), stderr.String())
	}

	for _, line := range strings.Split(stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			kind, text, _ = strings.Cut(rest, " ")
			return kind, text
		}
	}
	t.Fatalf("helper %q printed no result\nstdout:\n%s\nstderr:\n%s", action, stdout.String(), stderr.String())
	return "", ""
}

// isolatedEnv returns the environment for a helper: the test's own minus
// anything that points at a bus, keyring or display, plus private data and
// runtime directories so gnome-keyring writes only into the test's
// temporary directory.
func isolatedEnv(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	data, run := filepath.Join(dir, "data"), filepath.Join(dir, "run")
	for _, d := range []string{data, run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "GNOME_KEYRING_CONTROL", helperEnv, helperProfile:
			continue
		}
		env = append(env, kv)
	}
	return append(env, "XDG_DATA_HOME="+data, "XDG_RUNTIME_DIR="+run)
}

func expectKind(t *testing.T, kind, text, want, wantText string) {
	t.Helper()
	if kind != want {
		t.Fatalf("helper reported %s (%s), want %s", kind, text, want)
	}
	if !strings.Contains(text, wantText) {
		t.Errorf("error %q does not contain %q", text, wantText)
	}
}

// These two need no Secret Service and no external program, so they run
// without DAUTH_REAL_KEYRING on Linux.

func TestSystemKeyringMissingSocket(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("D-Bus session bus test")
	}
	socket := filepath.Join(t.TempDir(), "no-bus-here")
	env := append(isolatedEnv(t), "DBUS_SESSION_BUS_ADDRESS=unix:path="+socket)

	kind, text := runHelper(t, env, "load")
	expectKind(t, kind, text, "unavailable", "cannot connect to the D-Bus session bus: dial unix "+socket)
}

func TestSystemKeyringNoBusAddress(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("D-Bus session bus test")
	}
	runDir := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, f := range []string{runDir + "/bus", runDir + "/dbus-session"} {
		if _, err := os.Stat(f); err == nil {
			t.Skipf("%s exists, so godbus would find a bus without DBUS_SESSION_BUS_ADDRESS", f)
		}
	}
	// An empty PATH keeps dbus-launch out of reach even if the check in
	// SystemKeyring were broken, so the test cannot leave daemons behind.
	env := append(isolatedEnv(t), "PATH="+t.TempDir())

	kind, text := runHelper(t, env, "save")
	expectKind(t, kind, text, "unavailable", "DBUS_SESSION_BUS_ADDRESS is not set")
}

func TestRealKeyringNoSecretService(t *testing.T) {
	t.Parallel()
	requireRealKeyring(t)
	dbusRunSession := requireProgram(t, "dbus-run-session")

	dir := t.TempDir()
	conf := filepath.Join(dir, "nosecrets-bus.conf")
	if err := os.WriteFile(conf, []byte(tokenstoretest.NoSecretsBusConfig(dir)), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, action := range []string{"load", "save", "delete"} {
		kind, text := runHelper(t, isolatedEnv(t), action, dbusRunSession, "--config-file="+conf, "--")
		expectKind(t, kind, text, "unavailable", "org.freedesktop.secrets was not provided by any .service files")
	}
}

func TestRealKeyringNoDefaultCollection(t *testing.T) {
	t.Parallel()
	requireRealKeyring(t)
	dbusRunSession := requireProgram(t, "dbus-run-session")
	requireProgram(t, "gnome-keyring-daemon")

	// A standard session bus activates gnome-keyring-daemon on demand.
	// With an empty XDG_DATA_HOME and no --unlock it has no collection
	// behind the default alias, and go-keyring cannot unlock one.
	for _, action := range []string{"load", "save"} {
		kind, text := runHelper(t, isolatedEnv(t), action, dbusRunSession, "--")
		expectKind(t, kind, text, "locked", "failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
	}
}

// lockedLoginScript starts gnome-keyring with an unlocked login collection,
// locks it again over D-Bus, then runs its arguments. The unlock prompt
// cannot be shown without a display, so the Secret Service dismisses it.
const lockedLoginScript = `set -e
printf %s throwaway-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
owner() { dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets; }
i=0
until owner | grep -q 'boolean true'; do
  i=$((i+1)); [ "$i" -lt 100 ] || { echo "gnome-keyring-daemon did not register" >&2; exit 1; }
  sleep 0.05
done
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
exec "$@"
`

func TestRealKeyringLockedCollection(t *testing.T) {
	t.Parallel()
	requireRealKeyring(t)
	dbusRunSession := requireProgram(t, "dbus-run-session")
	requireProgram(t, "gnome-keyring-daemon")
	requireProgram(t, "dbus-send")

	for _, action := range []string{"load", "save", "delete"} {
		kind, text := runHelper(t, isolatedEnv(t), action, dbusRunSession, "--", "sh", "-c", lockedLoginScript, "sh")
		expectKind(t, kind, text, "locked", "failed to unlock correct collection '/org/freedesktop/secrets/collection/login'")
	}
}
