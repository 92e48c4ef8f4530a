//go:build linux

package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// Time limits, which only stop a hung test: the whole of
// TestLoginThroughChromium took 0.6-1.3 s on a 2-core Debian machine.
const (
	commandTimeout = 60 * time.Second // one dauth command, login included
	groupGoneWait  = 10 * time.Second // for a killed process group to exit
)

// harness is one test's world: an emulator with its own redirect port, a
// config directory, a home directory and a unique profile name.
type harness struct {
	t        *testing.T
	fake     *fakediscord.Server
	baseURL  string // the emulator, http://127.0.0.1:PORT
	redirect string // http://localhost:PORT, registered with both apps
	dir      string
	config   string // DAUTH_CONFIG_DIR
	home     string
	profile  string
}

// newHarness starts an emulator in mode on 127.0.0.1 and picks a free
// redirect port. The emulator stops when the test ends.
func newHarness(t *testing.T, mode fakediscord.Mode) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{
		t:       t,
		dir:     dir,
		config:  filepath.Join(dir, "config"),
		home:    filepath.Join(dir, "home"),
		profile: uniqueProfile(t),
	}
	if err := os.MkdirAll(h.home, 0o700); err != nil {
		t.Fatal(err)
	}

	h.redirect = "http://localhost:" + strconv.Itoa(freeRedirectPort(t))
	h.fake = fakediscord.New(fakediscord.Options{Apps: []fakediscord.App{
		{ClientID: fakediscord.ConfidentialClientID, ClientSecret: fakediscord.ConfidentialClientSecret, RedirectURIs: []string{h.redirect}},
		{ClientID: fakediscord.PublicClientID, RedirectURIs: []string{h.redirect}},
	}})
	h.fake.SetMode(mode)
	server := httptest.NewServer(h.fake) // listens on 127.0.0.1
	t.Cleanup(server.Close)
	h.baseURL = server.URL
	return h
}

// forTest returns a copy of h whose helpers report to t, for a subtest.
func (h *harness) forTest(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// uniqueProfile returns a profile name made of the test's name and 32
// random bits, so keyring items of parallel tests and earlier runs do not
// collide.
func uniqueProfile(t *testing.T) string {
	t.Helper()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.TrimPrefix(t.Name(), "Test"))
	if len(name) > 40 {
		name = name[:40]
	}
	return "e2e-" + name + "-" + hex.EncodeToString(suffix)
}

// freeRedirectPort returns a port that is free on both 127.0.0.1 and ::1,
// the two addresses dauth listens on for localhost. It picks from
// 20000-29999, below Linux's default ephemeral range (32768-60999), so that
// outgoing connections do not take the port before dauth binds it.
func freeRedirectPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + mathrand.IntN(10000)
		if portFree("127.0.0.1", port) && portFree("::1", port) {
			return port
		}
	}
	t.Fatal("found no port in 20000-29999 that is free on both 127.0.0.1 and ::1 after 100 tries")
	return 0
}

func portFree(host string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		// A host without IPv6 has no ::1 for a browser to try either.
		return host == "::1" && errors.Is(err, syscall.EADDRNOTAVAIL)
	}
	ln.Close()
	return true
}

// env returns the environment of a dauth process: built from scratch, so no
// DAUTH_*, BROWSER or DISPLAY of the developer leaks in, plus extra
// NAME=value entries, which win over the defaults.
func (h *harness) env(extra ...string) []string {
	base := map[string]string{
		"PATH":              os.Getenv("PATH"),
		"HOME":              h.home,
		"TMPDIR":            os.TempDir(),
		"LANG":              "C.UTF-8",
		"XDG_CONFIG_HOME":   filepath.Join(h.home, ".config"),
		"XDG_CACHE_HOME":    filepath.Join(h.home, ".cache"),
		"DAUTH_CONFIG_DIR":  h.config,
		"DAUTH_DISCORD_URL": h.baseURL,
	}
	for _, kv := range extra {
		name, value, _ := strings.Cut(kv, "=")
		base[name] = value
	}
	env := make([]string, 0, len(base))
	for name, value := range base {
		env = append(env, name+"="+value)
	}
	return env
}

// keyringEnv returns env with the session bus of the test process, where
// the real Secret Service is.
func (h *harness) keyringEnv(extra ...string) []string {
	bus := []string{"DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS")}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		bus = append(bus, "XDG_RUNTIME_DIR="+dir)
	}
	return h.env(append(bus, extra...)...)
}

// fileEnv returns env for the file token store. It passes no session bus,
// so a command that touched the keyring would fail, unless
// /run/user/UID/bus exists.
func (h *harness) fileEnv(extra ...string) []string {
	return h.env(append([]string{"DAUTH_STORAGE=file"}, extra...)...)
}

// loginArgs returns the arguments of `dauth login` for the confidential app
// (whose secret goes on standard input) or the public app.
func (h *harness) loginArgs(confidential bool, extra ...string) []string {
	clientID := fakediscord.PublicClientID
	if confidential {
		clientID = fakediscord.ConfidentialClientID
	}
	args := []string{"--profile", h.profile, "login", "--client-id", clientID, "--redirect-uri", h.redirect, "--timeout", "90s"}
	if confidential {
		args = append(args, "--client-secret-stdin")
	}
	return append(args, extra...)
}

// loginAsBrowser runs `dauth login --no-browser` for the confidential app
// and plays the browser itself: it fetches the printed authorize URL with
// Go's HTTP client, which follows the emulator's redirect (the emulator
// must be in approve mode) to dauth's listener.
func (h *harness) loginAsBrowser(env []string) {
	h.t.Helper()
	stdin, closeStdin := h.stdinPipe(fakediscord.ConfidentialClientSecret + "\n")
	defer closeStdin()
	p := h.start(env, stdin, h.loginArgs(true, "--no-browser")...)

	authURL := p.authorizeURL(h.t)
	resp, err := loopbackClient().Get(authURL)
	if err != nil {
		h.t.Fatalf("GET the authorize URL: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("Signed in")) {
		h.t.Errorf("callback page: status %d, body %q; want 200 and dauth's success page", resp.StatusCode, body)
	}

	if code := p.wait(h.t); code != 0 {
		h.t.Fatalf("dauth login exited %d, want 0; stderr:\n%s", code, p.stderr)
	}
}

// stdinPipe returns a standard input that starts with text and then stays
// open, as a terminal does, until the returned function or the test's end
// closes it. dauth login --no-browser reads pasted URLs from it.
func (h *harness) stdinPipe(text string) (*os.File, func()) {
	h.t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		h.t.Fatal(err)
	}
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			w.Close()
			r.Close()
		})
	}
	h.t.Cleanup(closeBoth)
	return r, closeBoth
}

// loopbackClient returns an HTTP client that never uses a proxy, because
// every request of these tests goes to loopback.
func loopbackClient() *http.Client {
	return &http.Client{
		Timeout:   commandTimeout,
		Transport: &http.Transport{Proxy: nil},
	}
}

// result is the outcome of one finished dauth command.
type result struct {
	code   int
	stdout string
	stderr string
}

// dauth runs the dauth binary with args and env to completion.
func (h *harness) dauth(env []string, args ...string) result {
	h.t.Helper()
	r, err := runDauth(h.t, env, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// runDauth runs the dauth binary with args and env to completion. It
// reports failures to start or wait as an error instead of calling
// t.Fatal, so other goroutines than the test's may call it.
func runDauth(t *testing.T, env []string, args ...string) (result, error) {
	p, err := startProcess(t, env, nil, dauthBinary, args...)
	if err != nil {
		return result{}, err
	}
	code, err := p.exitCode()
	return result{code: code, stdout: p.stdout.String(), stderr: p.stderr.String()}, err
}

// start starts the dauth binary with args, env and stdin (nil for none).
func (h *harness) start(env []string, stdin io.Reader, args ...string) *process {
	h.t.Helper()
	p, err := startProcess(h.t, env, stdin, dauthBinary, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// process is a child process that runs in a process group of its own.
// The group is killed when the test ends, so nothing it started, such as a
// browser, outlives the test.
type process struct {
	name    string
	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	done    chan struct{}
	waitErr error
}

// startProcess starts name with args in a new process group. It ends after
// commandTimeout at the latest.
func startProcess(t *testing.T, env []string, stdin io.Reader, name string, args ...string) (*process, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdin = stdin
	p := &process{
		name:   filepath.Base(name) + " " + strings.Join(args, " "),
		cmd:    cmd,
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		done:   make(chan struct{}),
	}
	cmd.Stdout = p.stdout
	cmd.Stderr = p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// Children left in the group, such as a browser, may hold stdout or
	// stderr open after the process itself has exited.
	cmd.WaitDelay = 5 * time.Second

	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", p.name, err)
	}
	killGroupOnCleanup(t, cmd.Process.Pid)
	go func() {
		p.waitErr = cmd.Wait()
		cancel()
		close(p.done)
	}()
	return p, nil
}

// wait waits for the process to exit and returns its exit status, or -1
// when a signal ended it.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	code, err := p.exitCode()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// exitCode waits for the process to exit and returns its exit status, or
// -1 when a signal ended it. The error reports a process that could not be
// waited for or that outlived commandTimeout.
func (p *process) exitCode() (int, error) {
	select {
	case <-p.done:
	case <-time.After(commandTimeout + 10*time.Second):
		return -1, fmt.Errorf("%s did not exit within %s; stderr:\n%s", p.name, commandTimeout, p.stderr)
	}
	// ErrWaitDelay means that the process exited but a child it left, such
	// as the fake xdg-open, kept its output open for longer than WaitDelay.
	var exitErr *exec.ExitError
	if p.waitErr != nil && !errors.As(p.waitErr, &exitErr) && !errors.Is(p.waitErr, exec.ErrWaitDelay) {
		return -1, fmt.Errorf("%s: %w; stderr:\n%s", p.name, p.waitErr, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode(), nil
}

// authorizeURLPattern matches the indented line with the authorize URL that
// dauth login prints to stderr.
var authorizeURLPattern = regexp.MustCompile(`(?m)^\s+(http://\S+/oauth2/authorize\?\S+)\s*$`)

// authorizeURL waits until dauth login has printed the authorize URL and
// returns it.
func (p *process) authorizeURL(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(commandTimeout)
	for time.Now().Before(deadline) {
		if m := authorizeURLPattern.FindStringSubmatch(p.stderr.String()); m != nil {
			return m[1]
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it printed the authorize URL; stderr:\n%s", p.name, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s printed no authorize URL within %s; stderr:\n%s", p.name, commandTimeout, p.stderr)
	return ""
}

// killGroupOnCleanup kills the process group pgid with SIGKILL when the test
// ends and fails the test if a process of the group is still alive after
// groupGoneWait.
func killGroupOnCleanup(t *testing.T, pgid int) {
	t.Cleanup(func() {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		if left := waitGone(func(s procStat) bool { return s.pgrp == pgid }); len(left) > 0 {
			t.Errorf("process group %d still has live processes %v %s after SIGKILL", pgid, left, groupGoneWait)
		}
	})
}

// procStat is the part of /proc/PID/stat that the clean-up checks use.
type procStat struct {
	pid   int
	state byte
	ppid  int
	pgrp  int
}

// waitGone polls /proc until no live process matches, for up to
// groupGoneWait, and returns the PIDs that still match. Zombies do not
// count: they have exited and wait only for their parent to reap them.
func waitGone(match func(procStat) bool) []int {
	deadline := time.Now().Add(groupGoneWait)
	for {
		var left []int
		for _, s := range readProcStats() {
			if s.state != 'Z' && s.state != 'X' && match(s) {
				left = append(left, s.pid)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readProcStats returns the state, parent and process group of every
// process.
func readProcStats() []procStat {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	stats := make([]procStat, 0, len(dirs))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue // the process has exited meanwhile
		}
		// The command name in field 2 may contain spaces and ')', so the
		// fields are read after its last ')': state, ppid, pgrp.
		i := bytes.LastIndexByte(raw, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(raw[i+1:]))
		if len(fields) < 3 || len(fields[0]) != 1 {
			continue
		}
		pid, err1 := strconv.Atoi(filepath.Base(dir))
		ppid, err2 := strconv.Atoi(fields[1])
		pgrp, err3 := strconv.Atoi(fields[2])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		stats = append(stats, procStat{pid: pid, state: fields[0][0], ppid: ppid, pgrp: pgrp})
	}
	return stats
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads.
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

// storedTokens is the part of dauth's stored token set that the tests read.
type storedTokens struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
}

// keyringLookup returns the secret of the keyring item service=dauth,
// username=user, read with secret-tool (libsecret), and whether it exists.
func keyringLookup(t *testing.T, user string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "secret-tool", "lookup", "service", "dauth", "username", user)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), true
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 1 && stdout.Len() == 0 && stderr.Len() == 0:
		// secret-tool lookup exits 1 without output when nothing matches.
		return "", false
	}
	t.Fatalf("secret-tool lookup service dauth username %s: %v; stderr: %s", user, err, stderr.String())
	return "", false
}

// keyringTokens returns the token set that dauth stored for profile in the
// real keyring, read with secret-tool.
func keyringTokens(t *testing.T, profile string) storedTokens {
	t.Helper()
	secret, ok := keyringLookup(t, profile)
	if !ok {
		t.Fatalf("secret-tool finds no keyring item service=dauth username=%s", profile)
	}
	var ts storedTokens
	if err := json.Unmarshal([]byte(secret), &ts); err != nil {
		t.Fatalf("keyring item dauth/%s is not a JSON token set: %v", profile, err)
	}
	return ts
}

// clearKeyringOnCleanup removes the profile's keyring items, the token set
// and the client secret, when the test ends.
func clearKeyringOnCleanup(t *testing.T, profile string) {
	t.Cleanup(func() {
		for _, user := range []string{profile, profile + ":client-secret"} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			out, err := exec.CommandContext(ctx, "secret-tool", "clear", "service", "dauth", "username", user).CombinedOutput()
			cancel()
			// secret-tool clear exits 1 without output when nothing matches,
			// as after dauth logout or a cancelled login.
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 && len(out) == 0 {
				continue
			}
			if err != nil {
				t.Errorf("secret-tool clear service dauth username %s: %v: %s", user, err, out)
			}
		}
	})
}

// fileTokens returns the token set that the file store keeps for the
// harness's profile.
func (h *harness) fileTokens() storedTokens {
	h.t.Helper()
	raw, err := os.ReadFile(h.tokenFile())
	if err != nil {
		h.t.Fatal(err)
	}
	var ts storedTokens
	if err := json.Unmarshal(raw, &ts); err != nil {
		h.t.Fatalf("%s is not a JSON token set: %v", h.tokenFile(), err)
	}
	return ts
}

// tokenFile is the file store's token file of the harness's profile.
func (h *harness) tokenFile() string {
	return filepath.Join(h.config, "tokens", h.profile+".token.json")
}

// tokenRequests counts the requests the emulator's token endpoint served.
func (h *harness) tokenRequests() int {
	n := 0
	for _, r := range h.fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/oauth2/token") {
			n++
		}
	}
	return n
}

// emulatorGet fetches path from the emulator with the access token, as
// dauth would, and returns the response body.
func (h *harness) emulatorGet(path, accessToken string) []byte {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.baseURL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := loopbackClient().Do(req)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: status %d, body %s", path, resp.StatusCode, body)
	}
	return body
}

// guildIDs decodes a JSON array of guild objects and returns their IDs.
func guildIDs(t *testing.T, source string, raw []byte) []string {
	t.Helper()
	var guilds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &guilds); err != nil {
		t.Fatalf("%s is not a JSON array of guilds: %v\n%s", source, err, raw)
	}
	ids := make([]string, len(guilds))
	for i, g := range guilds {
		ids[i] = g.ID
	}
	return ids
}

// rawElements splits a JSON array into its elements, each kept byte for
// byte.
func rawElements(t *testing.T, source string, raw []byte) []json.RawMessage {
	t.Helper()
	var elements []json.RawMessage
	if err := json.Unmarshal(raw, &elements); err != nil {
		t.Fatalf("%s is not a JSON array: %v\n%s", source, err, raw)
	}
	return elements
}

// checkMeAndGuilds runs `dauth me` and `dauth guilds --json` and compares
// the guilds with the emulator's own response for the stored access token.
func (h *harness) checkMeAndGuilds(env []string, accessToken func() string) {
	h.t.Helper()
	me := h.dauth(env, "--profile", h.profile, "me")
	if me.code != 0 {
		h.t.Fatalf("dauth me exited %d, want 0; stderr:\n%s", me.code, me.stderr)
	}
	if !strings.Contains(me.stdout, fakediscord.Username) {
		h.t.Errorf("dauth me stdout = %q, want the username %s", me.stdout, fakediscord.Username)
	}
	if !strings.Contains(me.stdout, fakediscord.UserID) {
		h.t.Errorf("dauth me stdout = %q, want the user ID %s", me.stdout, fakediscord.UserID)
	}

	guilds := h.dauth(env, "--profile", h.profile, "guilds", "--json")
	if guilds.code != 0 {
		h.t.Fatalf("dauth guilds --json exited %d, want 0; stderr:\n%s", guilds.code, guilds.stderr)
	}
	want := h.emulatorGet("/api/v10/users/@me/guilds", accessToken())
	gotIDs := guildIDs(h.t, "dauth guilds --json stdout", []byte(guilds.stdout))
	wantIDs := guildIDs(h.t, "the emulator's guild list", want)
	if len(gotIDs) == 0 {
		h.t.Error("dauth guilds --json printed an empty array, want the emulated user's guilds")
	}
	if fmt.Sprint(gotIDs) != fmt.Sprint(wantIDs) {
		h.t.Errorf("dauth guilds --json IDs = %v, want the emulator's %v", gotIDs, wantIDs)
	}
	// dauth prints each guild object byte for byte as received. Only the
	// separators between the objects are its own: Discord, and the
	// emulator, put a space after each comma, and dauth does not.
	gotObjects := rawElements(h.t, "dauth guilds --json stdout", []byte(guilds.stdout))
	wantObjects := rawElements(h.t, "the emulator's guild list", want)
	if len(gotObjects) != len(wantObjects) {
		h.t.Fatalf("dauth guilds --json printed %d guilds, want the emulator's %d", len(gotObjects), len(wantObjects))
	}
	for i := range gotObjects {
		if string(gotObjects[i]) != string(wantObjects[i]) {
			h.t.Errorf("guild %d of dauth guilds --json is not byte-identical to the emulator's:\ngot:  %s\nwant: %s", i, gotObjects[i], wantObjects[i])
		}
	}
}
