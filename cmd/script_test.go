package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// TestMain makes the test binary double as the dauth command and as a
// browser stand-in, so that scripts run them as real processes.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dauth":       dauthMain,
		"fakebrowser": fakeBrowserMain,
	})
}

func dauthMain() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], SystemFactory())
	stop()
	os.Exit(code)
}

// TestScripts runs the CLI behaviour scripts in testdata/script, each
// against its own Discord emulator. The custom commands are documented on
// scriptCommands.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		Setup:               setupScript,
		Cmds:                scriptCommands(),
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("DAUTH_UPDATE_SCRIPTS") == "1",
	})
}

// emulatorKey is the key of the script's *scriptEmulator in Env.Values.
type emulatorKey struct{}

// scriptEmulator is one script's emulator and the request-log position
// that `fake mark` last recorded.
type scriptEmulator struct {
	server *fakediscord.Server
	url    string
	mark   int
}

// scriptOptions is the optional fakediscord.json file of a script.
type scriptOptions struct {
	Guilds int `json:"guilds"`
}

// setupScript starts the script's emulator and sets the environment that
// points dauth at it:
//
//	DAUTH_DISCORD_URL   the emulator's base URL (also FAKE_URL)
//	DAUTH_CONFIG_DIR    $WORK/config
//	DAUTH_STORAGE       file
//	DAUTH_REDIRECT_URI  http://localhost:$PORT (also REDIRECT), registered for both apps
//	BROWSER             fakebrowser
//	CONFIDENTIAL_ID, CLIENT_SECRET, PUBLIC_ID   the emulator's two apps
//	HOME                $WORK/home
func setupScript(env *testscript.Env) error {
	var opts scriptOptions
	if data, err := os.ReadFile(filepath.Join(env.WorkDir, "fakediscord.json")); err == nil {
		if err := json.Unmarshal(data, &opts); err != nil {
			return fmt.Errorf("fakediscord.json: %w", err)
		}
	}

	port, err := freeLoopbackPort()
	if err != nil {
		return err
	}
	redirect := "http://localhost:" + strconv.Itoa(port)
	server := fakediscord.New(fakediscord.Options{
		Apps: []fakediscord.App{
			{
				ClientID:     fakediscord.ConfidentialClientID,
				ClientSecret: fakediscord.ConfidentialClientSecret,
				RedirectURIs: []string{redirect},
			},
			{ClientID: fakediscord.PublicClientID, RedirectURIs: []string{redirect}},
		},
		GuildCount: opts.Guilds,
	})
	httpServer := httptest.NewServer(server)
	env.Defer(httpServer.Close)
	env.Values[emulatorKey{}] = &scriptEmulator{server: server, url: httpServer.URL}

	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	vars := map[string]string{
		"DAUTH_DISCORD_URL":  httpServer.URL,
		"FAKE_URL":           httpServer.URL,
		"DAUTH_CONFIG_DIR":   filepath.Join(env.WorkDir, "config"),
		"DAUTH_STORAGE":      "file",
		"DAUTH_REDIRECT_URI": redirect,
		"REDIRECT":           redirect,
		"PORT":               strconv.Itoa(port),
		"BROWSER":            "fakebrowser",
		"CONFIDENTIAL_ID":    fakediscord.ConfidentialClientID,
		"CLIENT_SECRET":      fakediscord.ConfidentialClientSecret,
		"PUBLIC_ID":          fakediscord.PublicClientID,
		"HOME":               home,
		"XDG_CONFIG_HOME":    filepath.Join(home, ".config"),
	}
	for name, value := range vars {
		env.Setenv(name, value)
	}
	return nil
}

// freeLoopbackPort returns a port that is free on 127.0.0.1 and, where the
// machine has IPv6, on ::1, as dauth needs both for a localhost redirect
// URI. It picks below the usual Linux ephemeral range (32768-60999), so
// that an httptest server started later cannot be given the same port.
func freeLoopbackPort() (int, error) {
	for range 100 {
		port := 20000 + rand.IntN(12000)
		l4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(port)))
		if err == nil {
			l6.Close()
		} else if !isAddrNotAvailable(err) {
			l4.Close()
			continue
		}
		l4.Close()
		return port, nil
	}
	return 0, errors.New("no free loopback port found in 100 tries")
}

func isAddrNotAvailable(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT)
}

// scriptCommands returns the custom script commands:
//
//	exitcode N PROG ARGS...   run PROG like exec and require exit status N
//	fake mode deny|consent|approve
//	fake fault METHOD PATH STATUS [RETRY_AFTER] [TIMES]   METHOD "*" matches any
//	fake expire-stored [PROFILE]   move the stored token set's expiry to the past
//	fake refresh-live [FILE]       the refresh token in FILE (default: the stored
//	                               token set of profile default) works at the emulator
//	fake no-secrets FILE...        no issued secret appears in the files ("stdout" and
//	                               "stderr" name the last command's output)
//	fake mark                      start counting requests from here
//	fake requests N [PATH]         N requests (to PATH) since the last mark
//	fake get PATH                  GET PATH with the stored access token; body on stdout
//	fake stored-access-token       the stored access token of profile default, on stdout
//	fake hold-port                 listen on 127.0.0.1:$PORT until the script ends
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exitcode": cmdExitCode,
		"fake":     cmdFake,
	}
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exitcode does not support !")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)

	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("run %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func cmdFake(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fake mode|fault|expire-stored|refresh-live|no-secrets|mark|requests|get|stored-access-token|hold-port ...")
	}
	emulator := ts.Value(emulatorKey{}).(*scriptEmulator)
	name, args := args[0], args[1:]

	predicates := map[string]bool{"refresh-live": true, "no-secrets": true, "requests": true}
	if neg && !predicates[name] {
		ts.Fatalf("fake %s does not support !", name)
	}

	switch name {
	case "mode":
		if len(args) != 1 {
			ts.Fatalf("usage: fake mode approve|deny|consent")
		}
		mode, ok := fakediscord.ParseMode(args[0])
		if !ok {
			ts.Fatalf("invalid mode %q", args[0])
		}
		emulator.server.SetMode(mode)

	case "fault":
		emulator.server.InjectFault(parseFault(ts, args))

	case "expire-stored":
		profile := "default"
		if len(args) > 0 {
			profile = args[0]
		}
		expireStoredToken(ts, profile)

	case "refresh-live":
		path := filepath.Join("config", "tokens", "default.token.json")
		if len(args) > 0 {
			path = args[0]
		}
		token := readStoredToken(ts, path).RefreshToken
		live := emulator.server.RefreshTokenLive(token)
		if live == neg {
			ts.Fatalf("refresh token in %s: live at the emulator = %v, want %v", path, live, !neg)
		}

	case "no-secrets":
		checkNoSecrets(ts, neg, emulator.server.Secrets(), args)

	case "mark":
		emulator.mark = len(emulator.server.Requests())

	case "requests":
		checkRequestCount(ts, neg, emulator, args)

	case "get":
		if len(args) != 1 {
			ts.Fatalf("usage: fake get PATH")
		}
		getRaw(ts, emulator, args[0])

	case "stored-access-token":
		token := readStoredToken(ts, filepath.Join("config", "tokens", "default.token.json")).AccessToken
		fmt.Fprintln(ts.Stdout(), token)

	case "hold-port":
		l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", ts.Getenv("PORT")))
		ts.Check(err)
		ts.Defer(func() { l.Close() })

	default:
		ts.Fatalf("unknown fake command %q", name)
	}
}

func parseFault(ts *testscript.TestScript, args []string) fakediscord.Fault {
	if len(args) < 3 || len(args) > 5 {
		ts.Fatalf("usage: fake fault METHOD PATH STATUS [RETRY_AFTER] [TIMES]")
	}
	f := fakediscord.Fault{Method: args[0], Path: args[1]}
	if f.Method == "*" {
		f.Method = ""
	}
	var err error
	f.Status, err = strconv.Atoi(args[2])
	ts.Check(err)
	if len(args) > 3 {
		f.RetryAfter, err = strconv.ParseFloat(args[3], 64)
		ts.Check(err)
	}
	if len(args) > 4 {
		f.Times, err = strconv.Atoi(args[4])
		ts.Check(err)
	}
	return f
}

// storedToken is the part of a file store token set the commands read.
type storedToken struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func readStoredToken(ts *testscript.TestScript, path string) storedToken {
	var token storedToken
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(path)), &token))
	if token.RefreshToken == "" || token.AccessToken == "" {
		ts.Fatalf("%s contains no access token or no refresh token", path)
	}
	return token
}

// expireStoredToken rewrites the profile's file store token set with an
// expiry an hour in the past, keeping every other field.
func expireStoredToken(ts *testscript.TestScript, profile string) {
	path := ts.MkAbs(filepath.Join("config", "tokens", profile+".token.json"))
	var fields map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(path)), &fields))
	fields["expiry"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	data, err := json.Marshal(fields)
	ts.Check(err)
	ts.Check(os.WriteFile(path, data, 0o600))
}

func checkNoSecrets(ts *testscript.TestScript, neg bool, secrets []string, files []string) {
	if len(files) == 0 {
		ts.Fatalf("usage: fake no-secrets FILE...")
	}
	if len(secrets) == 0 {
		ts.Fatalf("the emulator reports no secrets, so the check would pass vacuously")
	}
	found := ""
	for _, file := range files {
		content := ts.ReadFile(file)
		for _, secret := range secrets {
			if strings.Contains(content, secret) {
				found = fmt.Sprintf("%s contains the secret %.4s… (%d chars)", file, secret, len(secret))
				break
			}
		}
		if found != "" {
			break
		}
	}
	switch {
	case found != "" && !neg:
		ts.Fatalf("%s", found)
	case found == "" && neg:
		ts.Fatalf("no secret found in %s", strings.Join(files, ", "))
	}
}

func checkRequestCount(ts *testscript.TestScript, neg bool, emulator *scriptEmulator, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: fake requests N [PATH]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	requests := emulator.server.Requests()[emulator.mark:]
	got := 0
	for _, r := range requests {
		if len(args) == 1 || r.Path == args[1] {
			got++
		}
	}
	if (got == want) == neg {
		var log strings.Builder
		for _, r := range requests {
			fmt.Fprintf(&log, "\n  %s %s %d", r.Method, r.Path, r.Status)
		}
		ts.Fatalf("%d requests to %q since the mark, want %d (negated: %v); log:%s", got, strings.Join(args[1:], ""), want, neg, log.String())
	}
}

// getRaw writes the emulator's body for GET path, as dauth would receive
// it, followed by a newline, as dauth prints it.
func getRaw(ts *testscript.TestScript, emulator *scriptEmulator, path string) {
	token := readStoredToken(ts, filepath.Join("config", "tokens", "default.token.json")).AccessToken
	req, err := http.NewRequest(http.MethodGet, emulator.url+path, nil)
	ts.Check(err)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	emulator.server.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		ts.Fatalf("GET %s: status %d", path, rec.Code)
	}
	fmt.Fprintf(ts.Stdout(), "%s\n", rec.Body.Bytes())
}

// fakeBrowserMain is the BROWSER stand-in. It GETs the URL and follows
// redirects to loopback hosts, as fakediscord open does, and writes one
// line per response to stderr, which dauth passes on to its own stderr.
//
//	fakebrowser [-stray] URL
//
// With -stray it first sends two requests to the redirect URI that must
// not end dauth's wait: GET /favicon.ico and a redirect with a wrong state.
func fakeBrowserMain() {
	os.Exit(runFakeBrowser(os.Args[1:], os.Stderr))
}

func runFakeBrowser(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("fakebrowser", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stray := flags.Bool("stray", false, "first send a favicon request and a wrong-state redirect")
	if err := flags.Parse(args); err != nil || flags.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: fakebrowser [-stray] URL")
		return 2
	}
	target, err := url.Parse(flags.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "fakebrowser: invalid URL: %v\n", err)
		return 2
	}

	client := &http.Client{
		Transport: &http.Transport{Proxy: nil},
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return requireLoopback(req.URL)
		},
	}
	if err := requireLoopback(target); err != nil {
		fmt.Fprintf(stderr, "fakebrowser: %v\n", err)
		return 2
	}

	if *stray {
		redirect, err := url.Parse(target.Query().Get("redirect_uri"))
		if err != nil {
			fmt.Fprintf(stderr, "fakebrowser: invalid redirect_uri: %v\n", err)
			return 2
		}
		favicon := *redirect
		favicon.Path = "/favicon.ico"
		wrongState := *redirect
		wrongState.RawQuery = url.Values{"code": {"stray-code"}, "state": {"wrong-state"}}.Encode()
		browse(client, &favicon, "favicon", stderr)
		browse(client, &wrongState, "wrong state", stderr)
	}

	if status := browse(client, target, "sign-in", stderr); status < 200 || status > 299 {
		return 1
	}
	return 0
}

// resultHeading finds the outcome heading of dauth's loopback pages.
var resultHeading = regexp.MustCompile(`<h1 id="result"[^>]*>([^<]*)</h1>`)

// browse GETs u and reports the final status under label; it returns 0
// when the request failed.
func browse(client *http.Client, u *url.URL, label string, stderr io.Writer) int {
	resp, err := client.Get(u.String())
	if err != nil {
		// The error text contains the URL with its query; leave it out.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		fmt.Fprintf(stderr, "fakebrowser: %s: request failed: %v\n", label, err)
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	path := resp.Request.URL.Path
	if path == "" {
		path = "/"
	}
	heading := ""
	if m := resultHeading.FindSubmatch(body); m != nil {
		heading = fmt.Sprintf(" (page %q)", m[1])
	}
	fmt.Fprintf(stderr, "fakebrowser: %s: GET %s: %d%s\n", label, path, resp.StatusCode, heading)
	return resp.StatusCode
}

func requireLoopback(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("refusing non-HTTP URL scheme %q", u.Scheme)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing non-loopback host %q", host)
}
