// Package session hands out a fresh Discord access token before each API call.
//
// Discord rotates the refresh token on every refresh: the old refresh token and
// the old access token stop working at once. A refresh token spent twice is
// therefore a lost sign-in, so load, refresh and save run under a
// cross-process file lock, and the new token set is saved before it is used.
package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"golang.org/x/oauth2"

	"github.com/dauth-cli/dauth/internal/discord"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// DefaultMargin is how long before its expiry an access token is refreshed.
const DefaultMargin = 5 * time.Minute

// lockRetryDelay is how often a waiting process tries the lock again.
const lockRetryDelay = 20 * time.Millisecond

// DefaultLockTimeout is how long a process waits for another one to finish
// with the token lock before giving up.
const DefaultLockTimeout = time.Minute

// refreshTimeout bounds a refresh, which runs to the end even when the
// command is interrupted. The HTTP client's own timeout is shorter.
const refreshTimeout = 2 * time.Minute

// ErrNotLoggedIn means the profile has no stored token set.
var ErrNotLoggedIn = errors.New("not logged in")

// LoginRequiredError means the stored sign-in cannot be used any more: the
// refresh token was rejected, or the stored token set cannot be read.
type LoginRequiredError struct {
	Profile string
	Err     error
}

func (e *LoginRequiredError) Error() string {
	return fmt.Sprintf("sign-in for profile %q is no longer valid: %v", e.Profile, e.Err)
}

func (e *LoginRequiredError) Unwrap() error { return e.Err }

// RefreshFunc exchanges a refresh token for a new token set at the token endpoint.
type RefreshFunc func(ctx context.Context, refreshToken string) (*oauth2.Token, error)

// Session gives out access tokens for one profile.
type Session struct {
	Profile string
	Store   tokenstore.Store
	Refresh RefreshFunc
	// LockPath is the file locked while the token set is loaded, refreshed
	// and saved. It is a separate file, so the store itself is never locked.
	LockPath string
	Now      func() time.Time
	// Margin is how long before expiry a token counts as stale; zero means DefaultMargin.
	Margin time.Duration
	// LockTimeout is how long Lock waits; zero means DefaultLockTimeout.
	LockTimeout time.Duration
	// OnLockWait, when set, is called once when the lock is held by another
	// process, so the user learns why the command pauses.
	OnLockWait func()
	// OnRefreshInterrupted, when set, is called once when ctx ends while a
	// refresh is at Discord: the refresh still runs to the end, so that
	// the rotated tokens are saved, and the caller should say so.
	OnRefreshInterrupted func()
	// RequiredScopes are the OAuth2 scopes the caller's API calls need. Token
	// returns a *MissingScopeError when the stored grant lacks one, instead of
	// letting Discord return 401 and spending a refresh on it.
	RequiredScopes []string
}

// MissingScopeError means the stored grant lacks a scope that the command
// needs; only a new login with that scope can add it.
type MissingScopeError struct {
	Profile string
	Scope   string
	Granted string
}

func (e *MissingScopeError) Error() string {
	granted := e.Granted
	if granted == "" {
		granted = "none recorded"
	}
	return fmt.Sprintf("profile %q was not granted the %s scope (granted: %s)", e.Profile, e.Scope, granted)
}

// Token returns a token set whose access token is valid for at least the
// margin, refreshing and saving it first when needed or when force is set.
func (s *Session) Token(ctx context.Context, force bool) (*tokenstore.TokenSet, error) {
	current, err := s.load()
	if err != nil {
		return nil, err
	}
	if err := s.checkScopes(current); err != nil {
		return nil, err
	}
	if !force && s.fresh(current) {
		return current, nil
	}
	return s.refreshLocked(ctx, current.AccessToken)
}

// checkScopes compares the required scopes with those Discord granted. A
// token set with no scope recorded is let through: Discord then decides.
func (s *Session) checkScopes(ts *tokenstore.TokenSet) error {
	if ts.Scope == "" {
		return nil
	}
	granted := strings.Fields(ts.Scope)
	for _, scope := range s.RequiredScopes {
		if !slices.Contains(granted, scope) {
			return &MissingScopeError{Profile: s.Profile, Scope: scope, Granted: ts.Scope}
		}
	}
	return nil
}

// Do calls call with a fresh access token. When call fails with a 401 from
// Discord, Do re-reads the store (another process may have rotated the
// tokens), refreshes once if nothing newer is there, and retries once.
func (s *Session) Do(ctx context.Context, force bool, call func(ctx context.Context, accessToken string) error) error {
	ts, err := s.Token(ctx, force)
	if err != nil {
		return err
	}
	err = call(ctx, ts.AccessToken)
	if !errors.Is(err, discord.ErrUnauthorized) {
		return err
	}

	ts, err = s.refreshLocked(ctx, ts.AccessToken)
	if err != nil {
		return err
	}
	return call(ctx, ts.AccessToken)
}

// refreshLocked refreshes the stored token set under the lock, unless the
// store already holds an access token other than stale, which another
// process saved while this one waited.
func (s *Session) refreshLocked(ctx context.Context, stale string) (*tokenstore.TokenSet, error) {
	unlock, err := s.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()

	current, err := s.load()
	if err != nil {
		return nil, err
	}
	if current.AccessToken != stale {
		return current, nil
	}

	// Once the refresh request is sent, Discord may already have rotated
	// the tokens, so Ctrl-C must not throw the response away. The refresh
	// and the save after it run to the end, bounded by refreshTimeout and
	// the HTTP client's timeout.
	refreshCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	stopWatch := s.watchInterrupt(ctx)
	token, err := s.Refresh(refreshCtx, current.RefreshToken)
	stopWatch()
	if err != nil {
		return nil, s.refreshError(err)
	}
	next := FromOAuth2(token)
	if next.RefreshToken == "" {
		// RFC 6749 section 6 lets a server keep the old refresh token.
		next.RefreshToken = current.RefreshToken
	}
	if next.Scope == "" {
		next.Scope = current.Scope
	}
	if err := s.Store.Save(s.Profile, next); err != nil {
		// The old refresh token is already spent at Discord, so this
		// sign-in is lost and only a new login can replace it.
		// NOTE: nothing checks before the refresh that the store can be
		// written, so a read-only store or a locked keyring costs the sign-in.
		return nil, &LoginRequiredError{Profile: s.Profile, Err: fmt.Errorf("refreshed the token but could not save it: %w", err)}
	}
	if err := ctx.Err(); err != nil {
		// Saved, so the interrupt can take effect now.
		return nil, err
	}
	return next, nil
}

// watchInterrupt calls OnRefreshInterrupted once if ctx ends while a
// refresh is in flight, at once so the user is not left waiting in silence,
// and returns the function to call when the refresh is over.
func (s *Session) watchInterrupt(ctx context.Context) (stop func()) {
	if s.OnRefreshInterrupted == nil {
		return func() {}
	}
	var once sync.Once
	notify := func() { once.Do(s.OnRefreshInterrupted) }
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
			notify()
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-finished
		if ctx.Err() != nil {
			notify()
		}
	}
}

func (s *Session) load() (*tokenstore.TokenSet, error) {
	ts, err := s.Store.Load(s.Profile)
	var corrupt *tokenstore.CorruptError
	switch {
	case errors.Is(err, tokenstore.ErrNotFound):
		return nil, fmt.Errorf("profile %q: %w", s.Profile, ErrNotLoggedIn)
	case errors.As(err, &corrupt):
		return nil, &LoginRequiredError{Profile: s.Profile, Err: err}
	case err != nil:
		return nil, err
	}
	return ts, nil
}

func (s *Session) fresh(ts *tokenstore.TokenSet) bool {
	margin := s.Margin
	if margin == 0 {
		margin = DefaultMargin
	}
	return !ts.Expiry.IsZero() && s.now().Add(margin).Before(ts.Expiry)
}

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Lock takes the profile's cross-process token lock, waiting until ctx is
// done, and returns the function that releases it. Commands that change
// the stored token set outside Token, such as logout, hold it too.
func (s *Session) Lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(s.LockPath), 0o700); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	fl := flock.New(s.LockPath)
	locked, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.LockPath, err)
	}
	if !locked {
		if s.OnLockWait != nil {
			s.OnLockWait()
		}
		timeout := s.LockTimeout
		if timeout == 0 {
			timeout = DefaultLockTimeout
		}
		waitCtx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		locked, err = fl.TryLockContext(waitCtx, lockRetryDelay)
		switch {
		case locked:
			// Taken, even if the context ended at the same moment.
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case waitCtx.Err() != nil:
			return nil, fmt.Errorf("timed out after %s waiting for another dauth process to release the token lock %s; try again when it has finished", timeout, s.LockPath)
		case err != nil:
			return nil, fmt.Errorf("lock %s: %w", s.LockPath, err)
		default:
			return nil, fmt.Errorf("lock %s: not acquired", s.LockPath)
		}
	}
	return func() { _ = fl.Unlock() }, nil
}

// refreshError turns a refresh failure into the error the CLI maps to an
// exit code: a rejected refresh token means signing in again.
func (s *Session) refreshError(err error) error {
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) && retrieve.ErrorCode == "invalid_grant" {
		return &LoginRequiredError{Profile: s.Profile, Err: errors.New("Discord rejected the refresh token (invalid_grant)")}
	}
	if mapped := TokenEndpointError(err); mapped != nil {
		return mapped
	}
	// Without a response, dauth cannot tell whether Discord rotated the tokens.
	return fmt.Errorf("refresh token: %w; if Discord received the request, the stored sign-in no longer works and the next command will ask for dauth login", err)
}

// TokenEndpointError describes an error response from the token endpoint: a
// 429 becomes a *discord.RateLimitError, a 5xx a *discord.ServerError, an
// invalid_client a *ClientRejectedError. It returns nil when err is not
// such a response (a network failure, say).
func TokenEndpointError(err error) error {
	var retrieve *oauth2.RetrieveError
	if !errors.As(err, &retrieve) {
		return nil
	}
	status := 0
	var header http.Header
	if retrieve.Response != nil {
		status = retrieve.Response.StatusCode
		header = retrieve.Response.Header
	}
	switch {
	case status == http.StatusTooManyRequests:
		rl := discord.RateLimitFrom(header, retrieve.Body)
		rl.Method, rl.Path = http.MethodPost, "/oauth2/token"
		return rl
	case status >= 500:
		return &discord.ServerError{Method: http.MethodPost, Path: "/oauth2/token", Status: status}
	case retrieve.ErrorCode == "invalid_client":
		return &ClientRejectedError{Code: retrieve.ErrorCode, Description: retrieve.ErrorDescription}
	}
	detail := describe(retrieve)
	if detail == "" {
		return fmt.Errorf("token endpoint returned %d", status)
	}
	return fmt.Errorf("token endpoint returned %d: %s", status, detail)
}

// ClientRejectedError means Discord's token endpoint rejected the client ID
// or client secret.
type ClientRejectedError struct {
	Code, Description string
}

func (e *ClientRejectedError) Error() string {
	if e.Description == "" {
		return "Discord rejected the client credentials (" + e.Code + ")"
	}
	return "Discord rejected the client credentials (" + e.Code + ": " + e.Description + ")"
}

func describe(r *oauth2.RetrieveError) string {
	parts := []string{}
	if r.ErrorCode != "" {
		parts = append(parts, r.ErrorCode)
	}
	if r.ErrorDescription != "" {
		parts = append(parts, r.ErrorDescription)
	}
	return strings.Join(parts, ": ")
}

// FromOAuth2 converts an x/oauth2 token into the stored token set, taking
// the space-separated scope list from the token response.
func FromOAuth2(t *oauth2.Token) *tokenstore.TokenSet {
	scope, _ := t.Extra("scope").(string)
	tokenType := t.TokenType
	if tokenType == "" {
		tokenType = "Bearer"
	}
	return &tokenstore.TokenSet{
		AccessToken:  t.AccessToken,
		TokenType:    tokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
		Scope:        scope,
	}
}
