package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/dauth-cli/dauth/internal/discord"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// memStore is an in-memory tokenstore.Store that counts loads and saves.
type memStore struct {
	mu      sync.Mutex
	tokens  map[string]tokenstore.TokenSet
	loads   int
	saves   int
	saveErr error
	loadErr error
}

func newMemStore() *memStore { return &memStore{tokens: map[string]tokenstore.TokenSet{}} }

func (m *memStore) Load(profile string) (*tokenstore.TokenSet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	if m.loadErr != nil {
		return nil, m.loadErr
	}
	ts, ok := m.tokens[profile]
	if !ok {
		return nil, tokenstore.ErrNotFound
	}
	return &ts, nil
}

func (m *memStore) Save(profile string, ts *tokenstore.TokenSet) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saveErr != nil {
		return m.saveErr
	}
	m.saves++
	m.tokens[profile] = *ts
	return nil
}

func (m *memStore) Delete(profile string) error       { delete(m.tokens, profile); return nil }
func (m *memStore) LoadSecret(string) (string, error) { return "", tokenstore.ErrNotFound }
func (m *memStore) SaveSecret(string, string) error   { return nil }
func (m *memStore) DeleteSecret(string) error         { return nil }
func (m *memStore) Describe(profile string) string    { return "memory " + profile }
func (m *memStore) get(profile string) tokenstore.TokenSet {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[profile]
}
func (m *memStore) counts() (loads, saves int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.loads, m.saves
}

// rotatingServer imitates Discord's rotation: each refresh token works
// once, and each refresh issues a new pair.
type rotatingServer struct {
	mu      sync.Mutex
	live    map[string]bool
	next    int
	calls   atomic.Int32
	failure error
}

func newRotatingServer(live string) *rotatingServer {
	return &rotatingServer{live: map[string]bool{live: true}}
}

func (r *rotatingServer) refresh(_ context.Context, refreshToken string) (*oauth2.Token, error) {
	r.calls.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failure != nil {
		return nil, r.failure
	}
	if !r.live[refreshToken] {
		return nil, &oauth2.RetrieveError{ErrorCode: "invalid_grant", Response: &http.Response{StatusCode: 400}}
	}
	delete(r.live, refreshToken)
	r.next++
	next := fmt.Sprintf("refresh-%d", r.next)
	r.live[next] = true
	token := &oauth2.Token{AccessToken: fmt.Sprintf("access-%d", r.next), RefreshToken: next, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
	return token.WithExtra(map[string]any{"scope": "identify guilds"}), nil
}

func newTestSession(t *testing.T, store *memStore, server *rotatingServer, now time.Time) *Session {
	t.Helper()
	return &Session{
		Profile:  "default",
		Store:    store,
		Refresh:  server.refresh,
		LockPath: filepath.Join(t.TempDir(), "locks", "default.lock"),
		Now:      func() time.Time { return now },
	}
}

var base = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func TestTokenFreshNoRefresh(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)

	ts, err := s.Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if ts.AccessToken != "a0" {
		t.Errorf("access token = %q, want a0", ts.AccessToken)
	}
	if n := server.calls.Load(); n != 0 {
		t.Errorf("refresh calls = %d, want 0", n)
	}
	if loads, _ := store.counts(); loads != 1 {
		t.Errorf("store loads = %d, want 1", loads)
	}
}

func TestTokenWithinMarginRefreshes(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Scope: "identify guilds", Expiry: base.Add(4 * time.Minute)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)

	ts, err := s.Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if ts.AccessToken != "access-1" {
		t.Errorf("access token = %q, want access-1", ts.AccessToken)
	}
	saved := store.get("default")
	if saved.RefreshToken != "refresh-1" {
		t.Errorf("saved refresh token = %q, want the rotated refresh-1", saved.RefreshToken)
	}
	if saved.Scope != "identify guilds" {
		t.Errorf("saved scope = %q", saved.Scope)
	}
}

func TestTokenForceRefreshes(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)

	if _, err := s.Token(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if n := server.calls.Load(); n != 1 {
		t.Errorf("refresh calls = %d, want 1", n)
	}
}

func TestTokenNotLoggedIn(t *testing.T) {
	t.Parallel()
	s := newTestSession(t, newMemStore(), newRotatingServer("r0"), base)
	_, err := s.Token(context.Background(), false)
	if !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("err = %v, want ErrNotLoggedIn", err)
	}
}

func TestTokenCorruptStoreNeedsLogin(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.loadErr = &tokenstore.CorruptError{Where: "file /x/default.token.json", Err: errors.New("unexpected end of JSON input")}
	s := newTestSession(t, store, newRotatingServer("r0"), base)
	_, err := s.Token(context.Background(), false)
	var loginRequired *LoginRequiredError
	if !errors.As(err, &loginRequired) {
		t.Fatalf("err = %v, want *LoginRequiredError", err)
	}
}

func TestTokenRejectedRefreshNeedsLogin(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "dead", Expiry: base.Add(-time.Hour)}
	s := newTestSession(t, store, newRotatingServer("r0"), base)

	_, err := s.Token(context.Background(), false)
	var loginRequired *LoginRequiredError
	if !errors.As(err, &loginRequired) {
		t.Fatalf("err = %v, want *LoginRequiredError", err)
	}
	if got := store.get("default").RefreshToken; got != "dead" {
		t.Errorf("stored refresh token = %q, want it kept as it was", got)
	}
}

func TestTokenSaveFailureReported(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(-time.Hour)}
	store.saveErr = errors.New("disk full")
	s := newTestSession(t, store, newRotatingServer("r0"), base)

	ts, err := s.Token(context.Background(), false)
	if err == nil {
		t.Fatalf("Token returned %v and no error, want the save failure", ts)
	}
	if !errors.Is(err, store.saveErr) {
		t.Errorf("err = %v, want it to wrap the save error", err)
	}
	var loginRequired *LoginRequiredError
	if !errors.As(err, &loginRequired) {
		t.Errorf("err = %v, want *LoginRequiredError: the old refresh token is spent", err)
	}
}

func TestTokenRateLimitedRefresh(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(-time.Hour)}
	server := newRotatingServer("r0")
	server.failure = &oauth2.RetrieveError{
		Response: &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"42"}}},
		Body:     []byte(`{"message":"You are being rate limited.","retry_after":42,"global":false}`),
	}
	s := newTestSession(t, store, server, base)

	_, err := s.Token(context.Background(), false)
	var rl *discord.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *discord.RateLimitError", err)
	}
	if rl.RetryAfter != 42*time.Second {
		t.Errorf("RetryAfter = %s, want 42s", rl.RetryAfter)
	}
}

func TestDoUnauthorizedRefreshesOnce(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)

	var seen []string
	err := s.Do(context.Background(), false, func(_ context.Context, token string) error {
		seen = append(seen, token)
		if token == "a0" {
			return &discord.APIError{Status: 401, Message: "401: Unauthorized"}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != "access-1" {
		t.Errorf("tokens used = %v, want [a0 access-1]", seen)
	}
	if n := server.calls.Load(); n != 1 {
		t.Errorf("refresh calls = %d, want 1", n)
	}
}

func TestDoUnauthorizedRetriesOnlyOnce(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)

	calls := 0
	err := s.Do(context.Background(), false, func(context.Context, string) error {
		calls++
		return &discord.APIError{Status: 401}
	})
	if !errors.Is(err, discord.ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", err)
	}
	if calls != 2 {
		t.Errorf("calls = %d, want 2", calls)
	}
}

func TestDoUnauthorizedUsesNewerStoredToken(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)

	var seen []string
	err := s.Do(context.Background(), false, func(_ context.Context, token string) error {
		seen = append(seen, token)
		if token == "a0" {
			// Another process rotates the tokens while this call is in flight.
			store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a-other", RefreshToken: "r-other", Expiry: base.Add(time.Hour)}
			return &discord.APIError{Status: 401}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != "a-other" {
		t.Errorf("tokens used = %v, want [a0 a-other]", seen)
	}
	if n := server.calls.Load(); n != 0 {
		t.Errorf("refresh calls = %d, want 0", n)
	}
}

func TestTokenParallelForceSpendsEachRefreshOnce(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(time.Hour)}
	server := newRotatingServer("r0")
	lockPath := filepath.Join(t.TempDir(), "default.lock")

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &Session{Profile: "default", Store: store, Refresh: server.refresh, LockPath: lockPath, Now: func() time.Time { return base }}
			_, err := s.Token(context.Background(), true)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("parallel Token: %v", err)
		}
	}
	final := store.get("default")
	server.mu.Lock()
	live := server.live[final.RefreshToken]
	server.mu.Unlock()
	if !live {
		t.Errorf("stored refresh token %q is not live at the server", final.RefreshToken)
	}
}

func TestFromOAuth2KeepsScope(t *testing.T) {
	t.Parallel()
	token := (&oauth2.Token{AccessToken: "a", RefreshToken: "r"}).WithExtra(map[string]any{"scope": "identify email"})
	ts := FromOAuth2(token)
	if ts.Scope != "identify email" {
		t.Errorf("Scope = %q", ts.Scope)
	}
	if ts.TokenType != "Bearer" {
		t.Errorf("TokenType = %q, want Bearer", ts.TokenType)
	}
}

func TestTokenMissingScope(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Scope: "guilds", Expiry: base.Add(-time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)
	s.RequiredScopes = []string{"identify"}

	_, err := s.Token(context.Background(), false)
	var missing *MissingScopeError
	if !errors.As(err, &missing) {
		t.Fatalf("err = %v, want *MissingScopeError", err)
	}
	if missing.Scope != "identify" {
		t.Errorf("Scope = %q, want identify", missing.Scope)
	}
	if n := server.calls.Load(); n != 0 {
		t.Errorf("refresh calls = %d, want 0: a refresh cannot add a scope", n)
	}
}

func TestTokenRefreshSurvivesCancel(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.tokens["default"] = tokenstore.TokenSet{AccessToken: "a0", RefreshToken: "r0", Expiry: base.Add(-time.Hour)}
	server := newRotatingServer("r0")
	s := newTestSession(t, store, server, base)
	ctx, cancel := context.WithCancel(context.Background())
	s.Refresh = func(refreshCtx context.Context, refreshToken string) (*oauth2.Token, error) {
		// Ctrl-C arrives while the request is at Discord.
		cancel()
		if err := refreshCtx.Err(); err != nil {
			return nil, err
		}
		return server.refresh(refreshCtx, refreshToken)
	}

	var notices atomic.Int32
	s.OnRefreshInterrupted = func() { notices.Add(1) }

	_, err := s.Token(ctx, false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Token err = %v, want context.Canceled once the tokens are saved", err)
	}
	if got := store.get("default").RefreshToken; got != "refresh-1" {
		t.Errorf("stored refresh token = %q, want the rotated refresh-1", got)
	}
	if n := notices.Load(); n != 1 {
		t.Errorf("OnRefreshInterrupted calls = %d, want 1", n)
	}
}

func TestLockWaitReportedAndBounded(t *testing.T) {
	t.Parallel()
	lockPath := filepath.Join(t.TempDir(), "default.lock")
	holder := &Session{LockPath: lockPath}
	unlock, err := holder.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	waits := 0
	waiter := &Session{LockPath: lockPath, LockTimeout: 100 * time.Millisecond, OnLockWait: func() { waits++ }}
	_, err = waiter.Lock(context.Background())
	if err == nil {
		t.Fatal("Lock succeeded while another holder had it")
	}
	if waits != 1 {
		t.Errorf("OnLockWait calls = %d, want 1", waits)
	}
}
