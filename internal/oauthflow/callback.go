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
// query with exactly one state value equal to state can end the login.
func judgeCallback(query url.Values, state string) verdict {
	states := query["state"]
	if len(states) != 1 || states[0] == "" {
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
// whole redirected URL or only its query, with or without the leading "?".
// ok is false when the line holds none of code, state and error.
func parsePasted(line string) (query url.Values, ok bool) {
	text := strings.Trim(strings.TrimSpace(line), `"'<>`)

	if strings.Contains(text, "://") {
		u, err := url.Parse(text)
		if err != nil {
			return nil, false
		}
		text = u.RawQuery
	}

	query, err := url.ParseQuery(strings.TrimPrefix(text, "?"))
	if err != nil {
		return nil, false
	}

	if !query.Has("code") && !query.Has("state") && !query.Has("error") {
		return nil, false
	}

	return query, true
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
