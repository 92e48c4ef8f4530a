package cmd

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

var authorizeURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+/oauth2/authorize\?\S+`)

// TestLoginRemotePaste signs in with --no-browser: the test plays a user
// who opens the printed URL on another machine and pastes the address the
// browser ended on, first one from another attempt (wrong state), then the
// right one.
func TestLoginRemotePaste(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakediscord.Options{})
	stdinReader, stdinWriter := io.Pipe()
	var stdout, stderr syncBuffer
	f := h.factory(nil, stdinReader, &stdout, &stderr)

	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), []string{"login", "--no-browser", "--client-id", fakediscord.PublicClientID}, f)
	}()

	printed := waitFor(t, &stderr, authorizeURL)
	redirected := followToRedirect(t, printed)

	wrong, err := url.Parse(redirected)
	if err != nil {
		t.Fatal(err)
	}
	query := wrong.Query()
	query.Set("state", "state-of-another-attempt")
	wrong.RawQuery = query.Encode()
	if _, err := io.WriteString(stdinWriter, wrong.String()+"\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &stderr, regexp.MustCompile(`belongs to another sign-in attempt`))

	if _, err := io.WriteString(stdinWriter, redirected+"\n"); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("login did not finish after the right URL was pasted; stderr:\n%s", stderr.String())
	}
	stdinWriter.Close()

	if code != ExitOK {
		t.Fatalf("login exit %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if stdout.String() != "" {
		t.Errorf("login stdout = %q, want empty", stdout.String())
	}
	if !strings.Contains(stderr.String(), "Logged in as ") {
		t.Errorf("stderr does not say who logged in:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "code=") {
		t.Errorf("stderr repeats a pasted URL's query:\n%s", stderr.String())
	}
	if res := h.run(t, nil, nil, "me", "--jq", ".id"); res.stdout != `"`+fakediscord.UserID+`"`+"\n" {
		t.Errorf("me after a remote login: exit %d, stdout %q", res.code, res.stdout)
	}
}

// waitFor polls buf until re matches and returns the match.
func waitFor(t *testing.T, buf *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindString(buf.String()); m != "" {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no match for %s in stderr:\n%s", re, buf.String())
	return ""
}

// followToRedirect GETs the authorize URL on the emulator (approve mode)
// and returns the redirect URI with code and state it sends the browser to,
// without visiting it, as when the browser runs on another machine.
func followToRedirect(t *testing.T, authorize string) string {
	t.Helper()
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	location := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || !strings.Contains(location, "code=") {
		t.Fatalf("authorize: status %d, Location %q; want a redirect with a code", resp.StatusCode, location)
	}
	return location
}
