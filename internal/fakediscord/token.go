package fakediscord

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxFormBytes bounds the form bodies the emulator reads.
const maxFormBytes = 64 << 10

// grant is one authorization: the access and refresh token currently valid
// for it. Refreshing replaces both tokens; revoking ends the grant.
type grant struct {
	clientID      string
	scopes        []string
	accessToken   string
	refreshToken  string
	accessExpires time.Time
	revoked       bool
}

// tokenResponse is the token endpoint's success body, in the field order of
// the "Access Token Response" example in Discord's OAuth2 docs.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// randomToken returns 30 random alphanumeric characters (about 178 bits),
// the length and alphabet of the codes and tokens in Discord's docs.
func randomToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, 30)
	random := make([]byte, 64)
	for len(out) < cap(out) {
		rand.Read(random)
		for _, b := range random {
			// Bytes from 248 up are dropped so that each character is
			// equally likely (248 = 4 × 62).
			if b < 248 && len(out) < cap(out) {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// readForm parses a token or revocation request body. Discord's OAuth2 docs:
// "the token and token revocation URLs will only accept a content type of
// application/x-www-form-urlencoded. JSON content is not permitted and will
// return an error."
//
// NOTE: the exact error body Discord sends for a wrong content type is not
// documented; this one is a guess in RFC 6749 form.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request",
			"Content-Type must be application/x-www-form-urlencoded.")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return nil, false
	}
	return r.PostForm, true
}

// authenticateClient identifies and authenticates the client by HTTP Basic
// (RFC 6749 section 2.3.1: client_id and secret form-encoded, then base64) or
// by client_id and client_secret form fields. Discord accepts both methods
// and, for apps marked "Public Client", none ("none" in its
// token_endpoint_auth_methods_supported).
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request, form url.Values) (*App, bool) {
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if basicID, basicSecret, ok := basicAuth(r); ok {
		// RFC 6749 section 2.3 forbids using more than one authentication
		// method in a request.
		if form.Has("client_secret") || (clientID != "" && clientID != basicID) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request",
				"Use either HTTP Basic or form fields to authenticate the client, not both.")
			return nil, false
		}
		clientID, secret = basicID, basicSecret
	} else if r.Header.Get("Authorization") != "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "")
		return nil, false
	}

	app, ok := s.app(clientID)
	if !ok || !secretMatches(app.ClientSecret, secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "")
		return nil, false
	}
	return app, true
}

// basicAuth decodes an RFC 6749 section 2.3.1 Basic header.
func basicAuth(r *http.Request) (string, string, bool) {
	user, password, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(password)
	if err1 != nil || err2 != nil {
		return "", "", false
	}
	return id, secret, true
}

// secretMatches compares in constant time. A public client (want "") must
// send no secret.
func secretMatches(want, got string) bool {
	if want == "" {
		return got == ""
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// handleToken serves POST /api/oauth2/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	app, ok := s.authenticateClient(w, r, form)
	if !ok {
		return
	}

	switch form.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, app, form)
	case "refresh_token":
		s.refreshGrant(w, app, form)
	default:
		// NOTE: Discord also supports client_credentials, which the emulator
		// does not.
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
	}
}

// exchangeCode implements RFC 6749 section 4.1.3 with the RFC 7636 check.
// The error description for a bad code is Discord's, as quoted in reports in
// the discord/discord-api-docs issue tracker. The one for redirect_uri
// follows the same pattern.
func (s *Server) exchangeCode(w http.ResponseWriter, app *App, form url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()

	c, ok := s.codes[form.Get("code")]
	if !ok || c.clientID != app.ClientID || !s.now().Before(c.expires) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "code" in request.`)
		return
	}
	if c.used {
		// RFC 6749 section 4.1.2: the server SHOULD revoke tokens already
		// issued from a code that is presented twice.
		if c.grant != nil {
			s.revokeGrant(c.grant)
		}
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "code" in request.`)
		return
	}
	if form.Get("redirect_uri") != c.redirectURI {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "redirect_uri" in request.`)
		return
	}
	// NOTE: Discord's wording for PKCE failures is not documented.
	if !verifierMatches(c.challenge, form.Get("code_verifier"), form.Has("code_verifier")) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "code_verifier" in request.`)
		return
	}

	c.used = true
	g := &grant{clientID: app.ClientID, scopes: c.scopes}
	s.grants = append(s.grants, g)
	c.grant = g
	s.issueTokens(w, g)
}

// verifierMatches applies RFC 7636 section 4.6. A verifier is 43 to 128
// unreserved characters. A verifier sent for a code issued without a
// challenge is rejected, so a client that believes it uses PKCE notices.
func verifierMatches(challenge, verifier string, sent bool) bool {
	if challenge == "" {
		return !sent
	}
	if len(verifier) < 43 || len(verifier) > 128 || strings.Trim(verifier, base64URLAlphabet+".~") != "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	computed := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) == 1
}

// refreshGrant rotates the grant's tokens: Discord returns a new refresh
// token on every refresh, and the old refresh and access tokens stop working.
func (s *Server) refreshGrant(w http.ResponseWriter, app *App, form url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()

	g, ok := s.refresh[form.Get("refresh_token")]
	if !ok || g.revoked || g.clientID != app.ClientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", `Invalid "refresh_token" in request.`)
		return
	}
	s.issueTokens(w, g)
}

// issueTokens replaces g's tokens with new ones and sends the token
// response. The caller holds s.mu.
func (s *Server) issueTokens(w http.ResponseWriter, g *grant) {
	delete(s.access, g.accessToken)
	delete(s.refresh, g.refreshToken)

	g.accessToken = randomToken()
	g.refreshToken = randomToken()
	g.accessExpires = s.now().Add(s.accessTokenTTL)
	s.access[g.accessToken] = g
	s.refresh[g.refreshToken] = g
	s.issued = append(s.issued, g.accessToken, g.refreshToken)

	// RFC 6749 section 5.1: responses carrying tokens must not be cached.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:  g.accessToken,
		TokenType:    "Bearer",
		ExpiresIn:    int64(s.accessTokenTTL / time.Second),
		RefreshToken: g.refreshToken,
		Scope:        strings.Join(g.scopes, " "),
	})
}

// handleRevoke serves POST /api/oauth2/token/revoke (RFC 7009). Discord's
// OAuth2 docs state that revoking a token revokes every active access or
// refresh token of that authorization, whatever the token_type_hint.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	app, ok := s.authenticateClient(w, r, form)
	if !ok {
		return
	}
	token := form.Get("token")
	if token == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", `Missing "token" in request.`)
		return
	}

	s.mu.Lock()
	g, ok := s.access[token]
	if !ok {
		g, ok = s.refresh[token]
	}
	// RFC 7009 section 2.2: an unknown token, or one issued to another
	// client, is not an error and is left alone.
	if ok && g.clientID == app.ClientID {
		s.revokeGrant(g)
	}
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, struct{}{})
}

// revokeGrant ends g. The caller holds s.mu.
func (s *Server) revokeGrant(g *grant) {
	g.revoked = true
	delete(s.access, g.accessToken)
	delete(s.refresh, g.refreshToken)
}

// liveGrantByAccessToken returns the grant whose current, unexpired access
// token is token. The caller holds s.mu.
func (s *Server) liveGrantByAccessToken(token string) (*grant, bool) {
	g, ok := s.access[token]
	if !ok || g.revoked || !s.now().Before(g.accessExpires) {
		return nil, false
	}
	return g, true
}
