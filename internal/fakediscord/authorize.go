package fakediscord

import (
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// knownScopes are the values of the OAuth2Scopes enum in Discord's OpenAPI
// description; the OAuth2 docs list the same names.
func knownScopes() []string {
	return []string{
		"identify", "email", "connections", "guilds", "guilds.join",
		"guilds.members.read", "gdm.join", "bot", "rpc", "rpc.notifications.read",
		"rpc.voice.read", "rpc.voice.write", "rpc.video.read", "rpc.video.write",
		"rpc.screenshare.read", "rpc.screenshare.write", "rpc.activities.write",
		"webhook.incoming", "messages.read", "applications.builds.upload",
		"applications.builds.read", "applications.commands",
		"applications.commands.permissions.update", "applications.commands.update",
		"applications.store.update", "applications.entitlements", "activities.read",
		"activities.write", "activities.invites.write", "relationships.read", "voice",
		"dm_channels.read", "role_connections.write", "openid",
	}
}

// Error descriptions sent in authorization error redirects. Both are quoted
// from Discord redirects in bug reports: access_denied after the user clicked
// Cancel (nhost/hasura-auth issue tracker) and invalid_scope for an unknown
// scope (discord/discord-api-docs issue tracker).
const (
	accessDeniedDescription = "The resource owner or authorization server denied the request"
	invalidScopeDescription = "The requested scope is invalid, unknown, or malformed."
)

// authRequest is a validated authorization request.
type authRequest struct {
	clientID    string
	redirectURI string
	state       string
	challenge   string
	scopes      []string
}

// authCode is an issued authorization code.
type authCode struct {
	authRequest
	expires time.Time
	used    bool
	// grant is the grant the code was exchanged for, revoked if the code is
	// presented again.
	grant *grant
}

// pendingAuthorization is a request waiting for the user's decision on the consent page.
type pendingAuthorization struct {
	authRequest
	expires time.Time
}

// handleAuthorize serves GET /oauth2/authorize.
//
// An unknown client_id or a redirect_uri that is not registered gets an
// error page and no redirect, because redirecting would send the user to an
// address the app's owner never approved (RFC 6749 section 4.1.2.1). Every
// later error is reported to the redirect URI.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()

	app, ok := s.app(q.Get("client_id"))
	if !ok {
		writeErrorPage(w, http.StatusBadRequest, "Unknown application",
			"The client_id in this link does not belong to any application.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	// NOTE: Discord may fall back to the app's first registered URI when
	// redirect_uri is missing; the emulator rejects that, and dauth always
	// sends one.
	if !slices.Contains(app.RedirectURIs, redirectURI) {
		writeErrorPage(w, http.StatusBadRequest, "Invalid OAuth2 redirect_uri",
			"The redirect_uri in this link is not registered for this application.")
		return
	}

	req := authRequest{
		clientID:    app.ClientID,
		redirectURI: redirectURI,
		state:       q.Get("state"),
	}
	if rt := q.Get("response_type"); rt != "code" {
		// NOTE: Discord also supports response_type=token (implicit grant);
		// the emulator does not.
		redirectError(w, r, req, "unsupported_response_type", "The authorization server does not support obtaining an authorization code using this method.")
		return
	}

	scopes, ok := parseScopes(q.Get("scope"))
	if !ok {
		redirectError(w, r, req, "invalid_scope", invalidScopeDescription)
		return
	}
	req.scopes = scopes

	challenge, problem := checkChallenge(app, q.Get("code_challenge"), q.Get("code_challenge_method"))
	if problem != "" {
		redirectError(w, r, req, "invalid_request", problem)
		return
	}
	req.challenge = challenge

	s.mu.Lock()
	mode := s.mode
	skipConsent := q.Get("prompt") == "none" && s.hasGrantCovering(req.clientID, req.scopes)
	s.mu.Unlock()

	switch {
	case mode == ModeDeny:
		redirectError(w, r, req, "access_denied", accessDeniedDescription)
	case mode == ModeConsent && !skipConsent:
		s.showConsentPage(w, req)
	default:
		s.redirectWithCode(w, r, req)
	}
}

// parseScopes splits the space-separated scope parameter, dropping
// duplicates, and reports false if it is empty or names an unknown scope.
func parseScopes(param string) ([]string, bool) {
	fields := strings.Fields(param)
	if len(fields) == 0 {
		return nil, false
	}
	known := knownScopes()
	var scopes []string
	for _, f := range fields {
		if !slices.Contains(known, f) {
			return nil, false
		}
		if !slices.Contains(scopes, f) {
			scopes = append(scopes, f)
		}
	}
	return scopes, true
}

// checkChallenge validates the PKCE parameters (RFC 7636 section 4.3) and
// returns the challenge, or a description of the problem.
//
// Discord advertises only S256 in code_challenge_methods_supported
// (https://discord.com/.well-known/oauth-authorization-server), and RFC 7636
// makes "plain" the default when the method is missing, so a missing method
// is rejected too. A public client has no secret, so PKCE is its only proof
// that the token request comes from the same client.
func checkChallenge(app *App, challenge, method string) (string, string) {
	if challenge == "" && method == "" {
		if app.ClientSecret == "" {
			return "", "code_challenge is required for public clients."
		}
		return "", ""
	}
	if challenge == "" {
		return "", "code_challenge is required when code_challenge_method is given."
	}
	if method != "S256" {
		return "", "code_challenge_method must be S256."
	}
	// An S256 challenge is BASE64URL(SHA256(verifier)) without padding:
	// 43 characters.
	if len(challenge) != 43 || strings.Trim(challenge, base64URLAlphabet) != "" {
		return "", "code_challenge is not a valid S256 challenge."
	}
	return challenge, ""
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// hasGrantCovering reports whether the user already has a live grant for
// clientID that includes every scope; prompt=none then skips the consent
// screen, as the OAuth2 docs describe. The caller holds s.mu.
func (s *Server) hasGrantCovering(clientID string, scopes []string) bool {
	for _, g := range s.grants {
		if g.revoked || g.clientID != clientID {
			continue
		}
		covered := true
		for _, scope := range scopes {
			if !slices.Contains(g.scopes, scope) {
				covered = false
				break
			}
		}
		if covered {
			return true
		}
	}
	return false
}

// redirectWithCode issues a code for req and redirects to its redirect URI.
func (s *Server) redirectWithCode(w http.ResponseWriter, r *http.Request, req authRequest) {
	code := randomToken()

	s.mu.Lock()
	s.codes[code] = &authCode{authRequest: req, expires: s.now().Add(codeTTL)}
	s.issued = append(s.issued, code)
	s.mu.Unlock()

	params := url.Values{"code": {code}}
	if req.state != "" {
		params.Set("state", req.state)
	}
	http.Redirect(w, r, appendQuery(req.redirectURI, params), http.StatusFound)
}

// redirectError sends an RFC 6749 section 4.1.2.1 error to the redirect URI.
// The parameters come in the order error, error_description, state.
func redirectError(w http.ResponseWriter, r *http.Request, req authRequest, code, description string) {
	params := url.Values{"error": {code}, "error_description": {description}}
	if req.state != "" {
		params.Set("state", req.state)
	}
	http.Redirect(w, r, appendQuery(req.redirectURI, params), http.StatusFound)
}

// appendQuery adds params to uri, keeping any query it already has byte for
// byte and placing them before a fragment.
func appendQuery(uri string, params url.Values) string {
	base, fragment, hasFragment := strings.Cut(uri, "#")
	separator := "?"
	if strings.Contains(base, "?") {
		separator = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			separator = ""
		}
	}
	out := base + separator + params.Encode()
	if hasFragment {
		out += "#" + fragment
	}
	return out
}

// showConsentPage stores req and renders the page where the user decides.
func (s *Server) showConsentPage(w http.ResponseWriter, req authRequest) {
	id := randomToken()

	s.mu.Lock()
	s.pending[id] = &pendingAuthorization{authRequest: req, expires: s.now().Add(consentTTL)}
	s.issued = append(s.issued, id)
	s.mu.Unlock()

	setPageHeaders(w)
	w.WriteHeader(http.StatusOK)
	consentPage.Execute(w, consentPageData{
		ClientID:    req.clientID,
		RedirectURI: req.redirectURI,
		Scopes:      req.scopes,
		RequestID:   id,
	})
}

// handleConsentDecision serves POST /oauth2/authorize, the consent page's form.
func (s *Server) handleConsentDecision(w http.ResponseWriter, r *http.Request) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		writeErrorPage(w, http.StatusBadRequest, "Invalid request", "The consent form must be submitted as a form.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeErrorPage(w, http.StatusBadRequest, "Invalid request", "The consent form could not be read.")
		return
	}

	id := r.PostForm.Get("request")
	s.mu.Lock()
	p, ok := s.pending[id]
	delete(s.pending, id)
	expired := ok && !s.now().Before(p.expires)
	s.mu.Unlock()
	if !ok || expired {
		writeErrorPage(w, http.StatusBadRequest, "Authorization expired",
			"This authorization request is unknown, already answered or expired. Start the sign-in again.")
		return
	}

	switch r.PostForm.Get("decision") {
	case "authorize":
		s.redirectWithCode(w, r, p.authRequest)
	case "cancel":
		redirectError(w, r, p.authRequest, "access_denied", accessDeniedDescription)
	default:
		writeErrorPage(w, http.StatusBadRequest, "Invalid request", "The decision must be authorize or cancel.")
	}
}

// setPageHeaders sets the headers of the emulator's self-contained HTML pages.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Frame-Options", "DENY")
}

// writeErrorPage renders an authorization error that is shown to the user
// instead of being redirected.
func writeErrorPage(w http.ResponseWriter, status int, title, detail string) {
	setPageHeaders(w)
	w.WriteHeader(status)
	errorPage.Execute(w, struct{ Title, Detail string }{title, detail})
}

type consentPageData struct {
	ClientID    string
	RedirectURI string
	Scopes      []string
	RequestID   string
}

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Discord – Authorize application</title>
<style>
body { font-family: sans-serif; background: #313338; color: #f2f3f5; display: flex; justify-content: center; padding-top: 4rem; }
main { background: #2b2d31; padding: 2rem; border-radius: 8px; max-width: 28rem; }
button { font-size: 1rem; padding: 0.6rem 1.4rem; border: 0; border-radius: 4px; margin-right: 0.5rem; }
#authorize { background: #5865f2; color: #fff; }
#cancel { background: transparent; color: #f2f3f5; }
</style>
</head>
<body>
<main>
<h1>Authorize access to your account</h1>
<p>Application <code>{{.ClientID}}</code> wants to:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p>You will be redirected to <code>{{.RedirectURI}}</code>.</p>
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="request" value="{{.RequestID}}">
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
<button type="submit" name="decision" value="authorize" id="authorize">Authorize</button>
</form>
</main>
</body>
</html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Discord – {{.Title}}</title>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Detail}}</p>
</body>
</html>
`))
