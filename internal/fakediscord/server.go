// Package fakediscord is an in-process emulator of the parts of Discord that
// dauth uses: the OAuth2 authorization code grant with PKCE (authorize page,
// token, refresh and revocation endpoints) and the v10 REST routes
// /users/@me, /users/@me/guilds and /oauth2/@me.
//
// It follows Discord's documented behaviour rather than what is convenient for
// a client. Redirect URIs must match byte for byte, and codes are single use
// and live 100 seconds. Refresh tokens rotate, and the old access and refresh
// tokens stop working at once. Tests check the responses against the schemas
// of Discord's official OpenAPI description (see testdata). Where Discord's
// behaviour is not documented, the code names the source it follows or marks
// the choice as a guess with a NOTE.
//
// Besides Discord's routes, a Server serves a JSON admin surface under
// /_fake/ (mode, faults, request log, issued secrets, token liveness) for
// black-box tests that run the fakediscord command. That surface does not
// exist on Discord; see adminPrefix for its routes.
//
// Sources cited in this package: the OAuth2 and rate-limit pages of
// github.com/discord/discord-api-docs (docs/topics/oauth2.mdx,
// docs/topics/rate-limits.md), Discord's OpenAPI description
// (github.com/discord/discord-api-spec), RFC 6749, RFC 7009 and RFC 7636.
package fakediscord

//go:generate go run ./internal/schemagen -spec $DISCORD_OPENAPI -commit 74fda0fad044407ea280043a03ffc9bc64c4e49e -out testdata/discord-schemas.json

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Client IDs, secret and redirect URI of the applications DefaultApps returns.
const (
	ConfidentialClientID     = "1000000000000000001"
	ConfidentialClientSecret = "fake-client-secret"
	PublicClientID           = "1000000000000000002"
	DefaultRedirectURI       = "http://localhost:3000"
)

// DefaultAccessTokenTTL is the access token lifetime Discord reports today
// (expires_in 604800 in the token response examples of the OAuth2 docs).
const DefaultAccessTokenTTL = 604800 * time.Second

// codeTTL is how long an authorization code stays valid. A Discord staff
// reply in the discord/discord-api-docs issue tracker states that codes "are
// one time use and expire 100 seconds after creation".
const codeTTL = 100 * time.Second

// consentTTL bounds how long a consent page can be submitted.
const consentTTL = 10 * time.Minute

// App is an OAuth2 application registered with the emulator, as in Discord's
// Developer Portal.
type App struct {
	// ClientID is the application ID, a snowflake string.
	ClientID string
	// ClientSecret is the client secret; "" makes the app a public client,
	// which must use PKCE and sends no secret.
	ClientSecret string
	// RedirectURIs are the registered redirect URIs, compared byte for byte.
	RedirectURIs []string
}

// DefaultApps returns a confidential app and a public app, both registered
// with DefaultRedirectURI.
func DefaultApps() []App {
	return []App{
		{ClientID: ConfidentialClientID, ClientSecret: ConfidentialClientSecret, RedirectURIs: []string{DefaultRedirectURI}},
		{ClientID: PublicClientID, RedirectURIs: []string{DefaultRedirectURI}},
	}
}

// Mode is the emulated user's response to an authorization request.
type Mode int

const (
	// ModeApprove grants every valid request at once, as for a user who
	// clicks "Authorize".
	ModeApprove Mode = iota
	// ModeDeny rejects every valid request, as for a user who clicks "Cancel".
	ModeDeny
	// ModeConsent shows a consent page whose Authorize and Cancel buttons
	// decide, for tests that drive a real browser.
	ModeConsent
)

// String returns the mode's name as used by the admin surface and the
// fakediscord command: approve, deny or consent.
func (m Mode) String() string {
	switch m {
	case ModeApprove:
		return "approve"
	case ModeDeny:
		return "deny"
	case ModeConsent:
		return "consent"
	default:
		return "unknown"
	}
}

// ParseMode converts "approve", "deny" or "consent" to a Mode.
func ParseMode(name string) (Mode, bool) {
	for _, m := range []Mode{ModeApprove, ModeDeny, ModeConsent} {
		if m.String() == name {
			return m, true
		}
	}
	return ModeApprove, false
}

// Options configures a Server. The zero value is usable.
type Options struct {
	// Apps are the registered applications; nil means DefaultApps().
	Apps []App
	// Now is the clock for code, token and rate-limit expiry; nil means time.Now.
	Now func() time.Time
	// AccessTokenTTL is the access token lifetime; 0 means DefaultAccessTokenTTL.
	AccessTokenTTL time.Duration
	// GuildCount is the number of guilds the emulated user is in; 0 means 3.
	GuildCount int
	// OnRequest, when set, is called after each emulated Discord request is
	// served (admin requests excluded), with the entry added to Requests.
	OnRequest func(Request)
}

// Fault makes the next Times requests that match Method and Path fail with
// Status before the emulator handles them.
//
// A 429 gets Discord's rate-limit headers and body built from RetryAfter
// (seconds) and Global. A 5xx gets a plain-text body. Any other status gets
// Discord's generic JSON error {"message": "<status>", "code": 0}. A non-empty
// Body replaces the generated body.
type Fault struct {
	// Method is the HTTP method to match; "" matches every method.
	Method string `json:"method"`
	// Path is the URL path to match exactly, without the query.
	Path string `json:"path"`
	// Status is the HTTP status code to return.
	Status int `json:"status"`
	// RetryAfter is the wait in seconds a 429 announces.
	RetryAfter float64 `json:"retry_after"`
	// Global marks a 429 as hitting the global rate limit.
	Global bool `json:"global"`
	// Times is how many requests fail; values below 1 mean 1.
	Times int `json:"times"`
	// Body, when not empty, is sent instead of the generated body.
	Body string `json:"body"`
}

// Request is one entry of the request log.
type Request struct {
	Method string `json:"method"`
	// Path is the URL path without the query, which can carry codes.
	Path   string `json:"path"`
	Status int    `json:"status"`
}

// Server emulates Discord. Its methods are safe for concurrent use.
type Server struct {
	onRequest      func(Request)
	now            func() time.Time
	accessTokenTTL time.Duration
	apps           []App
	user           user
	guilds         []guild

	mu       sync.Mutex
	mode     Mode
	faults   []Fault
	requests []Request
	codes    map[string]*authCode
	pending  map[string]*pendingAuthorization
	access   map[string]*grant
	refresh  map[string]*grant
	grants   []*grant
	issued   []string
	buckets  map[string]*rateBucket
}

// New returns a Server configured by opts.
func New(opts Options) *Server {
	apps := opts.Apps
	if apps == nil {
		apps = DefaultApps()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	ttl := opts.AccessTokenTTL
	if ttl == 0 {
		ttl = DefaultAccessTokenTTL
	}
	guildCount := opts.GuildCount
	if guildCount == 0 {
		guildCount = 3
	}

	s := &Server{
		now:            now,
		accessTokenTTL: ttl,
		user:           emulatedUser(),
		guilds:         emulatedGuilds(guildCount),
		codes:          map[string]*authCode{},
		pending:        map[string]*pendingAuthorization{},
		access:         map[string]*grant{},
		refresh:        map[string]*grant{},
		buckets:        map[string]*rateBucket{},
		onRequest:      opts.OnRequest,
	}
	for _, app := range apps {
		app.RedirectURIs = slices.Clone(app.RedirectURIs)
		s.apps = append(s.apps, app)
	}
	return s
}

// ServeHTTP routes a request to the emulated Discord endpoint or to the
// admin surface under /_fake/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}

	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		entry := Request{Method: r.Method, Path: r.URL.Path, Status: rec.status}
		s.mu.Lock()
		s.requests = append(s.requests, entry)
		s.mu.Unlock()
		if s.onRequest != nil {
			s.onRequest(entry)
		}
	}()

	if f, ok := s.takeFault(r); ok {
		s.writeFault(rec, r, f)
		return
	}
	s.route(rec, r)
}

// route dispatches on the path. Discord serves the OAuth2 endpoints both
// unversioned and under /api/v10 (the docs' examples use both), so both are
// accepted here.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oauth2/authorize", "/api/oauth2/authorize":
		switch r.Method {
		case http.MethodGet:
			s.handleAuthorize(w, r)
		case http.MethodPost:
			s.handleConsentDecision(w, r)
		default:
			writeMethodNotAllowed(w, http.MethodGet, http.MethodPost)
		}
	case "/api/oauth2/token", "/api/v10/oauth2/token":
		s.withRateLimitHeaders(w, r, http.MethodPost, s.handleToken)
	case "/api/oauth2/token/revoke", "/api/v10/oauth2/token/revoke":
		s.withRateLimitHeaders(w, r, http.MethodPost, s.handleRevoke)
	case "/api/v10/users/@me":
		s.withRateLimitHeaders(w, r, http.MethodGet, s.handleCurrentUser)
	case "/api/v10/users/@me/guilds":
		s.withRateLimitHeaders(w, r, http.MethodGet, s.handleCurrentUserGuilds)
	case "/api/v10/oauth2/@me":
		s.withRateLimitHeaders(w, r, http.MethodGet, s.handleCurrentAuthorization)
	default:
		writeAPIError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

// withRateLimitHeaders checks the method, adds the X-RateLimit-* headers
// Discord sends on API responses and then calls handle.
func (s *Server) withRateLimitHeaders(w http.ResponseWriter, r *http.Request, method string, handle http.HandlerFunc) {
	if r.Method != method {
		writeMethodNotAllowed(w, method)
		return
	}
	s.setRateLimitHeaders(w.Header(), r)
	handle(w, r)
}

// SetMode sets how the emulated user responds to later authorization requests.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// InjectFault queues f; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) {
	if f.Times < 1 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFault consumes one use of the first fault matching r.
func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.Path != r.URL.Path || (f.Method != "" && f.Method != r.Method) {
			continue
		}
		matched := *f
		f.Times--
		if f.Times == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return matched, true
	}
	return Fault{}, false
}

// RefreshTokenLive reports whether token is a refresh token that the token
// endpoint would accept now.
func (s *Server) RefreshTokenLive(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[token]
	return ok && !g.revoked
}

// AccessTokenLive reports whether token is an access token that the API
// would accept now: issued, not rotated away, not revoked and not expired.
func (s *Server) AccessTokenLive(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.liveGrantByAccessToken(token)
	return ok
}

// Secrets returns the client secrets of the registered apps and every
// authorization code, access token, refresh token and consent request ID the
// emulator has issued, so tests can check that none of them leaks into output.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var secrets []string
	for _, app := range s.apps {
		if app.ClientSecret != "" {
			secrets = append(secrets, app.ClientSecret)
		}
	}
	return append(secrets, s.issued...)
}

// Requests returns the log of requests served, excluding the admin surface.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Authorizations returns the number of live grants: authorizations whose
// refresh token still works.
func (s *Server) Authorizations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := 0
	for _, g := range s.grants {
		if !g.revoked {
			live++
		}
	}
	return live
}

// app returns the registered app with clientID.
func (s *Server) app(clientID string) (*App, bool) {
	for i := range s.apps {
		if s.apps[i].ClientID == clientID {
			return &s.apps[i], true
		}
	}
	return nil, false
}

// statusRecorder remembers the status code written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status = status
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}
