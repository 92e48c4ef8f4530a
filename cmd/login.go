package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/dauth-cli/dauth/internal/config"
	"github.com/dauth-cli/dauth/internal/discord"
	"github.com/dauth-cli/dauth/internal/oauthflow"
	"github.com/dauth-cli/dauth/internal/session"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

type loginOptions struct {
	ClientID          string
	RedirectURI       string
	Scopes            string
	ClientSecretStdin bool
	NoBrowser         bool
	InsecureStorage   bool
	Timeout           time.Duration

	flags config.Overrides
}

func newLoginCmd(a *app, runF func(context.Context, *loginOptions) error) *cobra.Command {
	opts := &loginOptions{}
	c := &cobra.Command{
		Use:   "login",
		Short: "Sign in to Discord in the browser and store the tokens",
		Long: `Sign in to Discord with OAuth2 (authorization code with PKCE).

dauth listens on the redirect URI (default http://localhost:3000), opens the
authorize page in the browser, exchanges the code for tokens and stores them
in the OS keyring. Register the redirect URI in the Discord Developer Portal
(OAuth2 > Redirects) exactly as dauth uses it, byte for byte.

The client secret is read from DAUTH_CLIENT_SECRET or, with
--client-secret-stdin, from the first line of standard input; it is never a
flag value, because other users can read a process's arguments. Without a
secret dauth signs in as a public client (enable "Public Client" in the
Developer Portal). Settings other than the secret are remembered in the
config file, so later commands need no flags.

With --no-browser, dauth only prints the URL. If you open it on another
machine, paste the URL the browser was sent to (it starts with the redirect
URI and fails to load) into this terminal.`,
		Example: `  dauth login --client-id 123456789012345678
  printf '%s\n' "$SECRET" | dauth login --client-id 123456789012345678 --client-secret-stdin
  dauth login --redirect-uri http://localhost:8080 --scopes "identify guilds email"
  dauth login --no-browser            # sign in from another machine's browser`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fl := c.Flags()
			if fl.Changed("client-id") {
				opts.flags.ClientID = &opts.ClientID
			}
			if fl.Changed("redirect-uri") {
				opts.flags.RedirectURI = &opts.RedirectURI
			}
			if fl.Changed("scopes") {
				opts.flags.Scopes = &opts.Scopes
			}
			if opts.InsecureStorage {
				file := "file"
				opts.flags.Storage = &file
			}
			if opts.Timeout <= 0 {
				return usageErr(fmt.Errorf("invalid --timeout %s: must be positive", opts.Timeout))
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.loginRun(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.ClientID, "client-id", "", "Discord application (client) ID (env DAUTH_CLIENT_ID)")
	f.StringVar(&opts.RedirectURI, "redirect-uri", "", "redirect URI registered for the app (env DAUTH_REDIRECT_URI, default "+config.DefaultRedirectURI+")")
	f.StringVar(&opts.Scopes, "scopes", "", "space-separated OAuth2 scopes (env DAUTH_SCOPES, default \"identify guilds\")")
	f.BoolVar(&opts.ClientSecretStdin, "client-secret-stdin", false, "read the client secret from the first line of standard input")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, "print the authorize URL instead of opening a browser, and accept the redirected URL pasted on standard input")
	f.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "keep tokens in a file (mode 0600) under the config directory instead of the OS keyring (env DAUTH_STORAGE=file; DAUTH_STORAGE=keyring moves them back)")
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for the browser to come back")
	return c
}

func (a *app) loginRun(ctx context.Context, opts *loginOptions) error {
	s, file, configPath, err := a.settings(opts.flags)
	if err != nil {
		return err
	}
	if s.ClientID == "" {
		return usageErr(errMissingClientID)
	}
	if err := config.ValidateClientID(s.ClientID); err != nil {
		return usageErr(err)
	}
	redirect, err := oauthflow.ParseRedirectURI(s.RedirectURI)
	if err != nil {
		return usageErr(err)
	}
	endpoints, err := a.endpoints()
	if err != nil {
		return err
	}
	store, err := a.store(s)
	if err != nil {
		return err
	}

	// Find a missing or locked keyring now, not after the user has
	// approved the app in the browser.
	if _, err := store.Load(a.profile); err != nil && !storeReadable(err) {
		return err
	}

	secret, err := a.loginSecret(opts, s, file.Profiles[a.profile], store)
	if err != nil {
		return err
	}
	cfg := oauthflow.Config{
		ClientID:     s.ClientID,
		ClientSecret: secret,
		RedirectURI:  s.RedirectURI,
		Scopes:       s.Scopes,
		AuthURL:      endpoints.AuthURL,
		TokenURL:     endpoints.TokenURL,
	}

	// The listener must be up before the browser can be sent to Discord.
	listener, err := oauthflow.Listen(redirect)
	if err != nil {
		return err
	}
	defer listener.Close()

	req, err := oauthflow.NewRequest(cfg)
	if err != nil {
		return err
	}
	code, err := a.awaitCode(ctx, opts, listener, req)
	if err != nil {
		return err
	}

	httpClient := a.httpClient()
	exchangeCtx := context.WithValue(ctx, oauth2.HTTPClient, httpClient)
	token, err := oauthflow.Exchange(exchangeCtx, cfg, code, req.Verifier)
	if err != nil {
		listener.Finish(err)
		return exchangeError(err)
	}

	// The browser's page waits for this outcome, so it never shows
	// "Signed in" for a sign-in that failed after the redirect. The tokens
	// exist at Discord now, so the save runs to the end even when the
	// command is interrupted, and the interrupt takes effect after it.
	ts := session.FromOAuth2(token)
	err = a.saveLoginLocked(context.WithoutCancel(ctx), store, ts, secret, configPath, s)
	listener.Finish(err)
	if err != nil {
		return err
	}
	return a.reportLogin(ctx, s, store, ts, a.apiClient(httpClient, endpoints))
}

// reportLogin prints where the tokens went and who signed in, which takes
// one /users/@me call when the identify scope was granted.
func (a *app) reportLogin(ctx context.Context, s config.Settings, store tokenstore.Store, ts *tokenstore.TokenSet, client *discord.Client) error {
	interrupted := func() error {
		fmt.Fprintf(a.f.ErrOut, "Logged in (profile %q); interrupted before fetching the user.\n", a.profile)
		return ctx.Err()
	}
	if ctx.Err() != nil {
		return interrupted()
	}

	if s.Storage == config.StorageFile {
		fmt.Fprintf(a.f.ErrOut, "Tokens are stored in %s\n", store.Describe(a.profile))
	}
	if !slices.Contains(strings.Fields(ts.Scope), "identify") {
		fmt.Fprintf(a.f.ErrOut, "Logged in (profile %q). Without the identify scope dauth cannot show who signed in, and dauth me will not work.\n", a.profile)
		return nil
	}

	_, user, err := client.CurrentUser(ctx, ts.AccessToken)
	switch {
	case err != nil && ctx.Err() != nil:
		return interrupted()
	case err != nil:
		fmt.Fprintf(a.f.ErrOut, "Logged in (profile %q), but fetching the user failed: %v\n", a.profile, err)
		return nil
	}
	fmt.Fprintf(a.f.ErrOut, "Logged in as %s (%s)\n", displayName(user.Username, user.GlobalName), user.ID)
	return nil
}

// maxSecretBytes bounds the line read by --client-secret-stdin; Discord's
// client secrets are 32 characters.
const maxSecretBytes = 1024

// loginSecret returns the client secret for this login: from standard input
// with --client-secret-stdin, else DAUTH_CLIENT_SECRET, else the one stored
// for this client ID, else "" (public client).
func (a *app) loginSecret(opts *loginOptions, s config.Settings, stored *config.Profile, store tokenstore.Store) (string, error) {
	if opts.ClientSecretStdin {
		return a.readSecretLine()
	}
	if v := a.env("DAUTH_CLIENT_SECRET"); v != "" {
		return v, nil
	}
	return a.storedSecretFor(s, stored, store)
}

// readSecretLine reads the client secret from the first line of standard
// input, without reading further: later lines may be pasted redirect URLs.
func (a *app) readSecretLine() (string, error) {
	var line []byte
	for {
		b, err := a.stdin.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("read client secret from standard input: %w", err)
		}
		if b == '\n' {
			break
		}
		if len(line) == maxSecretBytes {
			return "", usageErr(fmt.Errorf("--client-secret-stdin: the first line of standard input is longer than %d bytes; it must hold only the client secret", maxSecretBytes))
		}
		line = append(line, b)
	}
	secret := strings.TrimSpace(string(line))
	if secret == "" {
		return "", usageErr(errors.New("--client-secret-stdin: the first line of standard input is empty; pipe the client secret from the Developer Portal's OAuth2 page into dauth login"))
	}
	return secret, nil
}

// awaitCode prints the authorize URL, opens the browser unless --no-browser is set,
// and waits for the code on the listener (and, with --no-browser, on stdin).
func (a *app) awaitCode(ctx context.Context, opts *loginOptions, listener *oauthflow.Listener, req *oauthflow.Request) (string, error) {
	fmt.Fprintf(a.f.ErrOut, "Open this URL in a browser to sign in to Discord:\n\n  %s\n\n", req.URL)

	var pasted io.Reader
	if opts.NoBrowser {
		fmt.Fprintln(a.f.ErrOut, "Waiting for the browser. If it runs on another machine, paste the URL it was redirected to here and press Enter.")
		pasted = a.stdin
	} else {
		opener := a.f.NewOpener(a.f.Getenv, a.f.ErrOut)
		go func() {
			if err := opener.Open(req.URL); err != nil {
				fmt.Fprintf(a.f.ErrOut, "Could not open a browser (%v); open the URL above yourself.\n", err)
			}
		}()
		fmt.Fprintln(a.f.ErrOut, "Waiting for the browser to come back...")
	}

	waitCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	code, err := listener.Wait(waitCtx, req.State, pasted, a.f.ErrOut)
	switch {
	case err == nil:
		return code, nil
	case ctx.Err() != nil:
		return "", ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return "", fmt.Errorf("timed out after %s waiting for the browser to come back; run dauth login again, or raise --timeout", opts.Timeout)
	}
	return "", err
}

// saveLoginLocked runs saveLogin under the profile's token lock, so a
// refresh running in another process cannot overwrite the new sign-in
// with the rotated tokens of the old one.
func (a *app) saveLoginLocked(ctx context.Context, store tokenstore.Store, ts *tokenstore.TokenSet, secret string, configPath string, s config.Settings) error {
	lockPath, err := a.lockPath()
	if err != nil {
		return err
	}
	locker := &session.Session{LockPath: lockPath, OnLockWait: a.reportLockWait}
	unlock, err := locker.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return a.saveLogin(ctx, store, ts, secret, configPath, s)
}

// saveLogin stores the secret, the token set and the settings. The stored
// secret is made to match this login: replaced by a new one, or deleted when
// the login used none, so a secret of another app is never sent later. When
// a later step fails, saveLogin restores what the earlier steps replaced, so
// a failed login leaves the previous sign-in as it was.
func (a *app) saveLogin(ctx context.Context, store tokenstore.Store, ts *tokenstore.TokenSet, secret string, configPath string, s config.Settings) error {
	previousSecret, previousSecretErr := store.LoadSecret(a.profile)
	previousToken, previousTokenErr := store.Load(a.profile)
	restoreSecret := func() {
		if previousSecretErr == nil {
			_ = store.SaveSecret(a.profile, previousSecret)
		} else {
			_ = store.DeleteSecret(a.profile)
		}
	}
	restoreToken := func() {
		if previousTokenErr == nil {
			_ = store.Save(a.profile, previousToken)
		} else {
			_ = store.Delete(a.profile)
		}
	}

	switch {
	case secret != "" && (previousSecretErr != nil || previousSecret != secret):
		if err := store.SaveSecret(a.profile, secret); err != nil {
			return fmt.Errorf("save client secret: %w", err)
		}
	case secret == "" && previousSecretErr == nil:
		if err := store.DeleteSecret(a.profile); err != nil {
			return fmt.Errorf("remove the client secret of the previous app: %w", err)
		}
	}
	if err := store.Save(a.profile, ts); err != nil {
		restoreSecret()
		return fmt.Errorf("save tokens: %w", err)
	}

	err := config.Update(ctx, configPath, func(file *config.File) error {
		file.Profiles[a.profile] = &config.Profile{
			ClientID:    s.ClientID,
			RedirectURI: s.RedirectURI,
			Scopes:      s.Scopes,
			Storage:     s.Storage,
		}
		return nil
	})
	if err != nil {
		restoreToken()
		restoreSecret()
		return fmt.Errorf("save settings to %s: %w", configPath, err)
	}

	// The sign-in is saved; a leftover in the other store is only reported.
	if err := a.clearOtherStore(s, true); err != nil {
		fmt.Fprintf(a.f.ErrOut, "Warning: %v\n", err)
	}
	return nil
}

// exchangeError explains a failed code exchange.
func exchangeError(err error) error {
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) && retrieve.ErrorCode == "invalid_grant" {
		detail := "invalid_grant"
		if retrieve.ErrorDescription != "" {
			detail += ": " + retrieve.ErrorDescription
		}
		return fmt.Errorf("Discord rejected the authorization code (%s); check that the redirect URI matches the Developer Portal byte for byte, then run dauth login again", detail)
	}
	if mapped := session.TokenEndpointError(err); mapped != nil {
		return mapped
	}
	return fmt.Errorf("exchange the authorization code: %w", err)
}

// storeReadable reports whether a Load error still lets login save a new
// token set: nothing stored yet, or a stored set that the login replaces.
func storeReadable(err error) bool {
	var corrupt *tokenstore.CorruptError
	return errors.Is(err, tokenstore.ErrNotFound) || errors.As(err, &corrupt)
}

func displayName(username string, globalName *string) string {
	if globalName != nil && *globalName != "" {
		return *globalName
	}
	return username
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr(fmt.Errorf("%s takes no arguments, got %q", c.CommandPath(), args[0]))
	}
	return nil
}
