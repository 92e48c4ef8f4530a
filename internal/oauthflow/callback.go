package oauthflow

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// AuthorizeError is an error that the authorization server sent to the
// redirect URI with the right state, such as access_denied when the user
// cancels the consent screen (RFC 6749, section 4.1.2.1).
type AuthorizeError struct {
	// Code is the error parameter, for example "access_denied".
	Code string

	// Description is the error_description parameter, which may be empty.
	Description string
}

// Error returns a message that names the error code and Discord's description.
func (e *AuthorizeError) Error() string {
	msg := "Discord rejected the authorization request (" + e.Code + ")"
	if e.Code == "access_denied" {
		msg = "the sign-in was cancelled or denied in the browser (access_denied)"
	}

	if e.Description != "" {
		msg += ": " + e.Description
	}

	return msg
}

// verdict is the outcome of checking one callback query against the state.
type verdict struct {
	// end is set when the query ends the login, with code set on success
	// and err set on an authorization error.
	end  bool
	code string
	err  *AuthorizeError

	// status and page are what the browser gets.
	status int
	page   page

	// problem explains a query that does not end the login to a user who
	// pasted it. It never repeats the query, which may contain a code.
	problem string
}

// judgeCallback checks a redirect query against the expected state. Only a
// query with exactly one state value equal to state, and at most one code
// value, can end the login.
func judgeCallback(query url.Values, state string) verdict {
	// RFC 6749, section 3.1: request and response parameters must not be
	// included more than once. With two codes, the one that Wait would pick
	// may not be the one that Discord issued.
	for _, name := range []string{"state", "code"} {
		if len(query[name]) > 1 {
			return verdict{
				status:  http.StatusBadRequest,
				page:    repeatedParameterPage,
				problem: "The pasted URL contains the " + name + " parameter more than once. Paste the address from the browser's address bar unchanged.",
			}
		}
	}

	states := query["state"]
	if len(states) == 0 || states[0] == "" {
		return verdict{
			status:  http.StatusBadRequest,
			page:    missingStatePage,
			problem: "The pasted URL has no state parameter. Paste the whole address from the browser's address bar.",
		}
	}

	if subtle.ConstantTimeCompare([]byte(states[0]), []byte(state)) != 1 {
		return verdict{
			status:  http.StatusBadRequest,
			page:    wrongStatePage,
			problem: "The pasted URL belongs to another sign-in attempt (its state does not match). Open the URL printed by this dauth login and paste the address that the browser ends on.",
		}
	}

	if code := query.Get("error"); code != "" {
		authErr := &AuthorizeError{
			Code:        cleanText(code, 100),
			Description: cleanText(query.Get("error_description"), 500),
		}
		return verdict{end: true, err: authErr, status: http.StatusOK, page: deniedPage(authErr)}
	}

	code := query.Get("code")
	if code == "" {
		return verdict{
			status:  http.StatusBadRequest,
			page:    missingCodePage,
			problem: "The pasted URL has no code parameter. Paste the address that the browser ends on after you approve the sign-in.",
		}
	}

	return verdict{end: true, code: code, status: http.StatusOK, page: successPage}
}

// parsePasted turns a pasted line into a redirect query. The line may be the
// whole redirected URL, whose scheme, host, port and path must match
// redirect, or its path and query, whose path must match, or only its query,
// with or without the leading "?". ok is false for any other line, and when
// the query contains none of code, state and error.
func parsePasted(line string, redirect *url.URL) (query url.Values, ok bool) {
	text := strings.Trim(strings.TrimSpace(line), `"'<>`)

	rawQuery, ok := pastedQuery(text, redirect)
	if !ok {
		return nil, false
	}

	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, false
	}

	if !query.Has("code") && !query.Has("state") && !query.Has("error") {
		return nil, false
	}

	return query, true
}

// pastedQuery returns the raw query of a pasted URL, path and query, or bare
// query. ok is false when a URL or path does not match redirect.
func pastedQuery(text string, redirect *url.URL) (rawQuery string, ok bool) {
	switch {
	case strings.HasPrefix(text, "?"):
		return text[1:], true

	case strings.HasPrefix(text, "/"):
		u, err := url.Parse(text)
		// "//host/path" is a URL with a host but no scheme, not a path.
		if err != nil || u.Host != "" || redirectPath(u) != redirectPath(redirect) {
			return "", false
		}
		return u.RawQuery, true

	case hasScheme(text):
		u, err := url.Parse(text)
		if err != nil || !matchesRedirect(u, redirect) {
			return "", false
		}
		return u.RawQuery, true
	}

	return text, true
}

// hasScheme reports whether text starts with a URI scheme followed by a
// colon (RFC 3986, section 3.1). A bare query does not, because "=" or "&"
// comes before any colon in it.
func hasScheme(text string) bool {
	for i, r := range text {
		switch {
		case r == ':':
			return i > 0
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}

	return false
}

// matchesRedirect reports whether u has the scheme, host, port and path of
// redirect and no user name. The port may be left out when it is 80, which is
// how browsers show it. Hosts compare case-insensitively, as browsers
// lowercase them.
func matchesRedirect(u, redirect *url.URL) bool {
	return strings.EqualFold(u.Scheme, redirect.Scheme) &&
		u.Opaque == "" &&
		u.User == nil &&
		strings.EqualFold(u.Hostname(), redirect.Hostname()) &&
		portOrDefault(u) == portOrDefault(redirect) &&
		redirectPath(u) == redirectPath(redirect)
}

// portOrDefault returns the port of an http URL, or "80" when it has none.
func portOrDefault(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}

	return "80"
}

// cleanText drops control and format characters (such as bidi overrides) and cuts s to at most limit runes, so
// that a value from a URL cannot rewrite the terminal when it is printed.
func cleanText(s string, limit int) string {
	var b strings.Builder
	count := 0
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if count == limit {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		count++
	}

	return b.String()
}

// notRedirectMessage is printed for a pasted line that is not a redirect URL.
func notRedirectMessage(redirect *url.URL) string {
	return fmt.Sprintf("That line is not a redirect URL. After you approve the sign-in, paste the whole address from the browser's address bar; it starts with %s?code=", redirectBase(redirect))
}

// redirectBase returns the redirect URI without its query, with "/" as the
// path when it has none.
func redirectBase(redirect *url.URL) string {
	u := *redirect
	u.RawQuery = ""
	u.Path = redirectPath(redirect)
	u.RawPath = ""

	return u.String()
}
