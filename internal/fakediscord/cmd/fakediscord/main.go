// Command fakediscord runs the Discord emulator of package fakediscord as a
// loopback HTTP server, and replaces a browser in demos and black-box tests.
//
//	fakediscord serve [-addr 127.0.0.1:0] [-mode approve|deny|consent] [-guilds N] [-url-file FILE] [-redirect-uri URI]
//	fakediscord open URL
//
// serve prints the base URL (http://127.0.0.1:PORT) on stdout, and to the URL
// file if one is given, then serves until SIGINT or SIGTERM. It logs each
// request's method, path and status on stderr, never the query, which carries
// codes. It listens only on loopback addresses.
//
// open fetches URL and follows redirects as a browser would, but only to
// loopback hosts, and exits 0 if the final response is 2xx. It prints nothing
// on stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const usage = `usage:
  fakediscord serve [-addr 127.0.0.1:0] [-mode approve|deny|consent] [-guilds N] [-url-file FILE] [-redirect-uri URI]
  fakediscord open URL
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the subcommand in args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "open":
		return open(ctx, args[1:], stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "fakediscord: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("fakediscord serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:0", "loopback `host:port` to listen on; port 0 picks a free port")
	modeName := flags.String("mode", "approve", "how the emulated user answers authorization requests: approve, deny or consent")
	guilds := flags.Int("guilds", 3, "number of guilds the emulated user is in")
	urlFile := flags.String("url-file", "", "`file` to write the base URL to, in addition to stdout")
	var redirectURIs []string
	flags.Func("redirect-uri", "register `uri` as a redirect URI of both default apps, in addition to "+fakediscord.DefaultRedirectURI+" (repeatable)", func(uri string) error {
		redirectURIs = append(redirectURIs, uri)
		return nil
	})
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "fakediscord serve: unexpected argument %q\n", flags.Arg(0))
		return exitUsage
	}
	mode, ok := fakediscord.ParseMode(*modeName)
	if !ok {
		fmt.Fprintf(stderr, "fakediscord serve: invalid -mode %q: use approve, deny or consent\n", *modeName)
		return exitUsage
	}
	if *guilds < 1 {
		fmt.Fprintf(stderr, "fakediscord serve: invalid -guilds %d: must be at least 1\n", *guilds)
		return exitUsage
	}
	listenAddr, err := loopbackListenAddr(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "fakediscord serve: %v\n", err)
		return exitUsage
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	apps := fakediscord.DefaultApps()
	for i := range apps {
		apps[i].RedirectURIs = append(apps[i].RedirectURIs, redirectURIs...)
	}
	emulator := fakediscord.New(fakediscord.Options{
		Apps:       apps,
		GuildCount: *guilds,
		// The query is left out of the log because it carries codes and state.
		OnRequest: func(req fakediscord.Request) {
			logger.Info("request", "method", req.Method, "path", req.Path, "status", req.Status)
		},
	})
	emulator.SetMode(mode)

	listener, err := net.Listen("tcp", listenAddr)
	if err != nil {
		fmt.Fprintf(stderr, "fakediscord serve: listen on %s: %v\n", listenAddr, err)
		return exitError
	}
	baseURL := "http://" + listener.Addr().String()
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(baseURL+"\n"), 0o600); err != nil {
			listener.Close()
			fmt.Fprintf(stderr, "fakediscord serve: write URL file: %v\n", err)
			return exitError
		}
	}
	fmt.Fprintln(stdout, baseURL)
	logger.Info("serving", "url", baseURL, "mode", mode.String(), "guilds", *guilds)

	server := &http.Server{
		Handler:           emulator,
		ReadHeaderTimeout: 10 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(listener) }()

	select {
	case err := <-serveErr:
		logger.Error("server stopped", "error", err)
		return exitError
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown failed", "error", err)
		return exitError
	}
	logger.Info("stopped")
	return exitOK
}

// loopbackListenAddr checks that addr names a loopback host and returns the
// address to listen on. "localhost" becomes 127.0.0.1 so that the printed
// URL does not depend on name resolution.
func loopbackListenAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("invalid -addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("invalid -addr %q: the emulator listens only on a loopback address such as 127.0.0.1 or [::1]", addr)
	}
	return addr, nil
}

// maxRedirects matches the limit of Go's default HTTP client.
const maxRedirects = 10

func open(ctx context.Context, args []string, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, "fakediscord open: expected exactly one URL\n"+usage)
		return exitUsage
	}
	target, err := url.Parse(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "fakediscord open: invalid URL: %v\n", err)
		return exitUsage
	}
	if err := checkLoopbackURL(target); err != nil {
		fmt.Fprintf(stderr, "fakediscord open: %v\n", err)
		return exitUsage
	}

	client := &http.Client{
		// No proxy: every request goes to a loopback address directly.
		Transport: &http.Transport{Proxy: nil},
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return checkLoopbackURL(req.URL)
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "fakediscord open: %v\n", err)
		return exitUsage
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error text of a failed request contains the full URL,
		// query included; report only the redacted form.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			fmt.Fprintf(stderr, "fakediscord open: GET %s: %v\n", redact(urlErr.URL), urlErr.Err)
		} else {
			fmt.Fprintf(stderr, "fakediscord open: GET %s: %v\n", redact(target.String()), err)
		}
		return exitError
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(stderr, "fakediscord open: GET %s: final response status %s\n", redact(resp.Request.URL.String()), resp.Status)
		return exitError
	}
	return exitOK
}

// checkLoopbackURL accepts only http and https URLs whose host is a loopback
// IP address or "localhost"; other names are not resolved at all.
func checkLoopbackURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("refusing %s URL %s: only http and https are followed", u.Scheme, redact(u.String()))
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing non-loopback host %q: fakediscord open follows only loopback URLs", host)
	}
	return nil
}

// redact drops the query and fragment, which can carry codes and state.
func redact(rawURL string) string {
	base, _, _ := strings.Cut(rawURL, "?")
	base, _, _ = strings.Cut(base, "#")
	return base
}
