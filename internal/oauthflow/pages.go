package oauthflow

import (
	"bytes"
	"html/template"
	"net/http"
)

// page is the content of one HTML page that the listener sends to the browser.
// No page ever contains the authorization code.
type page struct {
	// Title is the <title> and the <h1 id="result"> text.
	Title string

	// Message is the main paragraph.
	Message string

	// Detail is an optional second paragraph, such as Discord's error
	// description.
	Detail string

	// Failed selects the red heading of a failure.
	Failed bool

	// Neutral selects a grey heading, for a page that does not know whether
	// the sign-in worked. Failed takes precedence.
	Neutral bool
}

var (
	successPage = page{
		Title:   "Signed in",
		Message: "Signed in. You can close this tab and return to the terminal.",
	}
	failedPage = page{
		Title:   "Sign-in failed",
		Message: "dauth could not finish the sign-in; see the terminal for details.",
		Failed:  true,
	}
	neutralPage = page{
		Title:   "Sign-in finished",
		Message: "Sign-in finished; see the terminal.",
		Neutral: true,
	}
	finishedPage = page{
		Title:   "Sign-in already finished",
		Message: "This sign-in has already ended, and dauth is no longer waiting for it. Return to the terminal. To sign in again, run dauth login.",
		Failed:  true,
	}
	missingStatePage = page{
		Title:   "Sign-in failed: missing state",
		Message: "This request has no state parameter, so dauth cannot tell which sign-in it belongs to. dauth is still waiting: open the URL that dauth login printed in the terminal.",
		Failed:  true,
	}
	wrongStatePage = page{
		Title:   "Sign-in failed: state mismatch",
		Message: "This request belongs to another sign-in attempt (its state does not match). dauth is still waiting: open the URL that dauth login printed in the terminal.",
		Failed:  true,
	}
	repeatedParameterPage = page{
		Title:   "Sign-in failed: repeated parameter",
		Message: "This request contains the code or state parameter more than once, which OAuth 2.0 forbids, so dauth ignored it. dauth is still waiting: open the URL that dauth login printed in the terminal.",
		Failed:  true,
	}
	missingCodePage = page{
		Title:   "Sign-in failed: missing code",
		Message: "This request has no authorization code. dauth is still waiting: open the URL that dauth login printed in the terminal and approve the sign-in.",
		Failed:  true,
	}
	notFoundPage = page{
		Title:   "Not found",
		Message: "dauth serves only the redirect URI on this port.",
		Failed:  true,
	}
	methodNotAllowedPage = page{
		Title:   "Method not allowed",
		Message: "The redirect URI accepts only GET requests.",
		Failed:  true,
	}
)

// deniedPage describes an authorization error that ended the login.
func deniedPage(err *AuthorizeError) page {
	p := page{
		Title:   "Sign-in failed: " + err.Code,
		Message: "Discord did not authorize dauth, so the sign-in has ended. Return to the terminal.",
		Detail:  err.Description,
		Failed:  true,
	}
	if err.Code == "access_denied" {
		p.Title = "Sign-in cancelled"
		p.Message = "The sign-in was cancelled or denied. Return to the terminal; to try again, run dauth login."
	}

	return p
}

// pageTemplate is self-contained: inline CSS, no script and no external
// resources, which the Content-Security-Policy header also enforces.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · dauth</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f4f6;color:#1e1f22;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15);padding:2rem 2.5rem;max-width:32rem}
h1{font-size:1.4rem;margin:0 0 1rem;color:#248046}
h1.failed{color:#da373c}
h1.neutral{color:#4e5058}
p{line-height:1.5;margin:.5rem 0}
.detail{color:#4e5058;font-family:ui-monospace,monospace;font-size:.9rem;overflow-wrap:anywhere}
</style>
</head>
<body>
<main>
<h1 id="result"{{if .Failed}} class="failed"{{else if .Neutral}} class="neutral"{{end}}>{{.Title}}</h1>
<p>{{.Message}}</p>
{{- if .Detail}}
<p class="detail">{{.Detail}}</p>
{{- end}}
</main>
</body>
</html>
`))

// writePage sends p with the given status. The headers keep the page out of
// caches and keep the callback URL, which carries the code, out of Referer
// headers.
func writePage(w http.ResponseWriter, status int, p page) {
	var body bytes.Buffer
	if err := pageTemplate.Execute(&body, p); err != nil {
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}

	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}
