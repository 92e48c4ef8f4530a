package oauthflow

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestJudgeCallback(t *testing.T) {
	t.Parallel()

	const state = "the-state"
	tests := []struct {
		name       string
		query      string
		wantEnd    bool
		wantCode   string
		wantErr    string
		wantStatus int
	}{
		{name: "success", query: "code=abc&state=the-state", wantEnd: true, wantCode: "abc", wantStatus: http.StatusOK},
		{name: "access denied", query: "error=access_denied&error_description=The+resource+owner+denied+the+request&state=the-state", wantEnd: true, wantErr: "access_denied", wantStatus: http.StatusOK},
		{name: "error wins over code", query: "error=server_error&code=abc&state=the-state", wantEnd: true, wantErr: "server_error", wantStatus: http.StatusOK},
		{name: "missing state", query: "code=abc", wantStatus: http.StatusBadRequest},
		{name: "empty state", query: "code=abc&state=", wantStatus: http.StatusBadRequest},
		{name: "wrong state", query: "code=abc&state=other", wantStatus: http.StatusBadRequest},
		{name: "state prefix", query: "code=abc&state=the-stat", wantStatus: http.StatusBadRequest},
		{name: "duplicate state", query: "code=abc&state=the-state&state=the-state", wantStatus: http.StatusBadRequest},
		{name: "duplicate code", query: "code=abc&code=def&state=the-state", wantStatus: http.StatusBadRequest},
		{name: "duplicate code same value", query: "code=abc&code=abc&state=the-state", wantStatus: http.StatusBadRequest},
		{name: "duplicate code with error", query: "error=access_denied&code=a&code=b&state=the-state", wantStatus: http.StatusBadRequest},
		{name: "denied wrong state", query: "error=access_denied&state=other", wantStatus: http.StatusBadRequest},
		{name: "missing code", query: "state=the-state", wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			query, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			v := judgeCallback(query, state)

			if v.end != tt.wantEnd {
				t.Errorf("end = %v, want %v", v.end, tt.wantEnd)
			}
			if v.code != tt.wantCode {
				t.Errorf("code = %q, want %q", v.code, tt.wantCode)
			}
			gotErr := ""
			if v.err != nil {
				gotErr = v.err.Code
			}
			if gotErr != tt.wantErr {
				t.Errorf("error code = %q, want %q", gotErr, tt.wantErr)
			}
			if v.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", v.status, tt.wantStatus)
			}
			if !v.end && v.problem == "" {
				t.Error("a query that does not end the login has no problem message")
			}
		})
	}
}

func TestParsePasted(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		redirect  string
		line      string
		wantOK    bool
		wantCode  string
		wantState string
	}{
		{name: "full URL", line: "http://localhost:3000/?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "full URL without slash", line: "http://localhost:3000?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "full URL upper-case host", line: "HTTP://LocalHost:3000/?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "full URL with fragment", line: "http://localhost:3000/?code=abc&state=s1#_=_", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "full URL with path", redirect: "http://localhost:3000/callback", line: "http://localhost:3000/callback?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "default port left out", redirect: "http://127.0.0.1:80", line: "http://127.0.0.1/?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "default port given", redirect: "http://127.0.0.1", line: "http://127.0.0.1:80/?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "IPv6 host", redirect: "http://[::1]:3000", line: "http://[::1]:3000/?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "path and query", line: "/?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "path and query with path", redirect: "http://localhost:3000/callback", line: "/callback?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "query with question mark", line: "?code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "bare query", line: "code=abc&state=s1", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "bare query with colon", line: "code=abc&state=s1:x", wantOK: true, wantCode: "abc", wantState: "s1:x"},
		{name: "spaces and quotes", line: "  'http://localhost:3000/?code=abc&state=s1'\r", wantOK: true, wantCode: "abc", wantState: "s1"},
		{name: "error only", line: "http://localhost:3000/?error=access_denied&state=s1", wantOK: true, wantState: "s1"},
		{name: "plain text", line: "hello there", wantOK: false},
		{name: "other URL", line: "https://discord.com/app", wantOK: false},
		{name: "bad escape", line: "code=%zz&state=s1", wantOK: false},
		{name: "other host", line: "http://attacker.example:3000/?code=abc&state=s1", wantOK: false},
		{name: "loopback address for localhost", line: "http://127.0.0.1:3000/?code=abc&state=s1", wantOK: false},
		{name: "other port", line: "http://localhost:3001/?code=abc&state=s1", wantOK: false},
		{name: "port left out", line: "http://localhost/?code=abc&state=s1", wantOK: false},
		{name: "other scheme", line: "https://localhost:3000/?code=abc&state=s1", wantOK: false},
		{name: "other path", line: "http://localhost:3000/other?code=abc&state=s1", wantOK: false},
		{name: "path missing", redirect: "http://localhost:3000/callback", line: "http://localhost:3000/?code=abc&state=s1", wantOK: false},
		{name: "user name", line: "http://attacker.example@localhost:3000/?code=abc&state=s1", wantOK: false},
		{name: "scheme left out", line: "localhost:3000/?code=abc&state=s1", wantOK: false},
		{name: "scheme-relative URL", line: "//attacker.example:3000/?code=abc&state=s1", wantOK: false},
		{name: "other relative path", line: "/other?code=abc&state=s1", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			rawRedirect := tt.redirect
			if rawRedirect == "" {
				rawRedirect = "http://localhost:3000"
			}
			redirect, err := url.Parse(rawRedirect)
			if err != nil {
				t.Fatal(err)
			}

			query, ok := parsePasted(tt.line, redirect)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if got := query.Get("code"); got != tt.wantCode {
				t.Errorf("code = %q, want %q", got, tt.wantCode)
			}
			if got := query.Get("state"); got != tt.wantState {
				t.Errorf("state = %q, want %q", got, tt.wantState)
			}
		})
	}
}

func TestAuthorizeErrorMessage(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		err  AuthorizeError
		want string
	}{
		{
			name: "access denied",
			err:  AuthorizeError{Code: "access_denied", Description: "The resource owner or authorization server denied the request"},
			want: "the sign-in was cancelled or denied in the browser (access_denied): The resource owner or authorization server denied the request",
		},
		{
			name: "other error",
			err:  AuthorizeError{Code: "invalid_scope"},
			want: "Discord rejected the authorization request (invalid_scope)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{name: "plain", in: "Access denied", limit: 100, want: "Access denied"},
		{name: "escape sequence", in: "bad\x1b[2Jnews\r\n", limit: 100, want: "bad[2Jnews"},
		{name: "bidi override", in: "a\u202eb", limit: 100, want: "ab"},
		{name: "cut", in: "abcdef", limit: 3, want: "abc…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := cleanText(tt.in, tt.limit); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPagesSelfContained(t *testing.T) {
	t.Parallel()

	pages := map[string]page{
		"success":       successPage,
		"failed":        failedPage,
		"neutral":       neutralPage,
		"repeated":      repeatedParameterPage,
		"finished":      finishedPage,
		"missing state": missingStatePage,
		"wrong state":   wrongStatePage,
		"missing code":  missingCodePage,
		"not found":     notFoundPage,
		"method":        methodNotAllowedPage,
		"denied":        deniedPage(&AuthorizeError{Code: "access_denied", Description: `<script>alert("x")</script>`}),
	}
	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			var body strings.Builder
			if err := pageTemplate.Execute(&body, p); err != nil {
				t.Fatalf("Execute error: %v", err)
			}
			html := body.String()

			if !strings.Contains(html, "<title>"+p.Title) {
				t.Errorf("page has no <title> with %q", p.Title)
			}
			if !strings.Contains(html, `<h1 id="result"`) {
				t.Error(`page has no <h1 id="result">`)
			}
			for _, external := range []string{"<script", "src=", "href=", "url(", "@import"} {
				if strings.Contains(html, external) {
					t.Errorf("page contains %q", external)
				}
			}
		})
	}
}
