package fakediscord

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// authorizeBearer returns a copy of the grant of the request's Bearer token,
// or writes Discord's 401 body and reports false.
//
// A token without the scope a route needs also gets 401 {"message":
// "401: Unauthorized", "code": 0}, not 403. Users of the reboxer/discord-oauth2
// library report exactly that for /users/@me/guilds with a token that lacks
// the guilds scope while /users/@me works.
func (s *Server) authorizeBearer(w http.ResponseWriter, r *http.Request, scope string) (grant, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		writeUnauthorized(w)
		return grant{}, false
	}

	s.mu.Lock()
	g, ok := s.liveGrantByAccessToken(token)
	var snapshot grant
	if ok {
		snapshot = *g
	}
	s.mu.Unlock()

	if !ok || (scope != "" && !slices.Contains(snapshot.scopes, scope)) {
		writeUnauthorized(w)
		return grant{}, false
	}
	return snapshot, true
}

// handleCurrentUser serves GET /api/v10/users/@me, which needs the identify
// scope; the email scope adds email and verified.
func (s *Server) handleCurrentUser(w http.ResponseWriter, r *http.Request) {
	g, ok := s.authorizeBearer(w, r, "identify")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.currentUserResponse(slices.Contains(g.scopes, "email")))
}

// guildListMax is the largest and default limit of /users/@me/guilds.
const guildListMax = 200

// fieldError is one entry of a field's "_errors" list in an Invalid Form
// Body response. Its code is a string such as "BASE_TYPE_REQUIRED", as in
// the example under "Error Messages" in Discord's API reference, although
// the OpenAPI schema InnerErrors declares an integer.
type fieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// guildQuery is the validated query of /users/@me/guilds.
type guildQuery struct {
	before, after       uint64
	hasBefore, hasAfter bool
	limit               int
	withCounts          bool
}

// parseGuildQuery validates before, after, limit and with_counts and
// collects a problem per invalid field, as Discord's error 50035 does.
//
// NOTE: the error codes and messages follow the shape of Discord's Invalid
// Form Body errors (code, message per field); the exact texts are a guess.
func parseGuildQuery(r *http.Request) (guildQuery, map[string]any) {
	q := r.URL.Query()
	query := guildQuery{limit: guildListMax}
	problems := map[string]any{}
	addProblem := func(field, code, message string) {
		problems[field] = map[string]any{"_errors": []fieldError{{Code: code, Message: message}}}
	}

	if q.Has("limit") {
		raw := q.Get("limit")
		n, err := strconv.Atoi(raw)
		switch {
		case err != nil:
			addProblem("limit", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not int.", raw))
		case n < 1:
			addProblem("limit", "NUMBER_TYPE_MIN", "Int value should be greater than or equal to 1.")
		case n > guildListMax:
			addProblem("limit", "NUMBER_TYPE_MAX", fmt.Sprintf("Int value should be less than or equal to %d.", guildListMax))
		default:
			query.limit = n
		}
	}
	for _, field := range []string{"before", "after"} {
		if !q.Has(field) {
			continue
		}
		raw := q.Get(field)
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil || strings.HasPrefix(raw, "+") {
			addProblem(field, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", raw))
			continue
		}
		if field == "before" {
			query.before, query.hasBefore = id, true
		} else {
			query.after, query.hasAfter = id, true
		}
	}
	if q.Has("with_counts") {
		switch raw := q.Get("with_counts"); strings.ToLower(raw) {
		case "true", "1":
			query.withCounts = true
		case "false", "0":
		default:
			addProblem("with_counts", "BOOLEAN_TYPE_COERCE", fmt.Sprintf("Value %q is not a valid boolean.", raw))
		}
	}
	return query, problems
}

// handleCurrentUserGuilds serves GET /api/v10/users/@me/guilds, which needs
// the guilds scope. Guilds come sorted by ID; after selects IDs greater than
// it and before IDs less than it.
func (s *Server) handleCurrentUserGuilds(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorizeBearer(w, r, "guilds"); !ok {
		return
	}
	query, problems := parseGuildQuery(r)
	if len(problems) > 0 {
		writeJSON(w, http.StatusBadRequest, formBodyError{Code: 50035, Errors: problems, Message: "Invalid Form Body"})
		return
	}

	type indexed struct {
		g     guild
		index int
	}
	var selected []indexed
	for i, g := range s.guilds {
		if query.hasAfter && g.id <= query.after {
			continue
		}
		if query.hasBefore && g.id >= query.before {
			continue
		}
		selected = append(selected, indexed{g, i})
	}
	// NOTE: Discord's docs do not say which end of the range a page comes
	// from when only before is given. The emulator returns the guilds closest
	// to before, as message pagination does, still in ascending order.
	if len(selected) > query.limit {
		if query.hasBefore && !query.hasAfter {
			selected = selected[len(selected)-query.limit:]
		} else {
			selected = selected[:query.limit]
		}
	}

	page := make([]guild, 0, len(selected))
	for _, item := range selected {
		if query.withCounts {
			item.g = withCounts(item.g, item.index)
		}
		page = append(page, item.g)
	}
	writeJSON(w, http.StatusOK, page)
}

// authorizationInfo is the /oauth2/@me body (OpenAPI schema
// OAuth2GetAuthorizationResponse).
type authorizationInfo struct {
	Application application `json:"application"`
	Scopes      []string    `json:"scopes"`
	Expires     string      `json:"expires"`
	User        *user       `json:"user,omitempty"`
}

// handleCurrentAuthorization serves GET /api/v10/oauth2/@me: any valid Bearer
// token may call it, and user is present only with the identify scope.
func (s *Server) handleCurrentAuthorization(w http.ResponseWriter, r *http.Request) {
	g, ok := s.authorizeBearer(w, r, "")
	if !ok {
		return
	}
	info := authorizationInfo{
		Application: emulatedApplication(g.clientID),
		Scopes:      g.scopes,
		// The docs' example: "2021-01-23T02:33:17.017000+00:00".
		Expires: g.accessExpires.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
	}
	if slices.Contains(g.scopes, "identify") {
		u := s.user
		info.User = &u
	}
	writeJSON(w, http.StatusOK, info)
}
