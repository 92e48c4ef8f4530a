package oauthflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	testState = "state-0123456789abcdef"
	testCode  = "CODE-must-not-leak-42"
)

// waitResult is what Wait returned.
type waitResult struct {
	code string
	err  error
}

// testListener is a Listener on a kernel-chosen port with a running Wait.
type testListener struct {
	listener *Listener
	results  chan waitResult
	errOut   *bytes.Buffer
	client   *http.Client
}

// startListener listens on rawRedirect (which normally has port 0) and
// starts Wait with the given context and pasted input.
func startListener(t *testing.T, ctx context.Context, rawRedirect string, pasted io.Reader) *testListener {
	t.Helper()

	tl := listenOnly(t, rawRedirect)
	tl.startWait(ctx, pasted)

	return tl
}

func listenOnly(t *testing.T, rawRedirect string) *testListener {
	t.Helper()
	return listenHolding(t, rawRedirect, holdTimeout)
}

// listenHolding is listenOnly with the given hold timeout.
func listenHolding(t *testing.T, rawRedirect string, hold time.Duration) *testListener {
	t.Helper()

	redirect, err := url.Parse(rawRedirect)
	if err != nil {
		t.Fatal(err)
	}
	l, err := listen(redirect, hold)
	if err != nil {
		t.Fatalf("Listen(%s) error: %v", rawRedirect, err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close error: %v", err)
		}
	})

	transport := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	t.Cleanup(transport.CloseIdleConnections)

	return &testListener{
		listener: l,
		results:  make(chan waitResult, 1),
		errOut:   &bytes.Buffer{},
		client: &http.Client{
			Transport: transport,
			Timeout:   10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
}

func (tl *testListener) startWait(ctx context.Context, pasted io.Reader) {
	go func() {
		code, err := tl.listener.Wait(ctx, testState, pasted, tl.errOut)
		tl.results <- waitResult{code: code, err: err}
	}()
}

// response is a received HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   string
}

// send sends a request to host (an address literal) on the listener's port.
func (tl *testListener) send(t *testing.T, method, host, pathAndQuery string) response {
	t.Helper()

	resp, err := tl.trySend(method, host, pathAndQuery)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// trySend is send for goroutines other than the test's, which must not call
// t.Fatal.
func (tl *testListener) trySend(method, host, pathAndQuery string) (response, error) {
	target := "http://" + net.JoinHostPort(host, strconv.Itoa(tl.listener.Port())) + pathAndQuery
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		return response{}, err
	}
	resp, err := tl.client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("reading the body of %s: %w", target, err)
	}

	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}, nil
}

func (tl *testListener) get(t *testing.T, pathAndQuery string) response {
	t.Helper()
	return tl.send(t, http.MethodGet, "127.0.0.1", pathAndQuery)
}

// sent is the outcome of a request sent by sendAsync.
type sent struct {
	resp response
	err  error
}

// sendAsync sends a request from another goroutine, for a callback whose
// response the listener holds.
func (tl *testListener) sendAsync(method, host, pathAndQuery string) <-chan sent {
	done := make(chan sent, 1)
	go func() {
		resp, err := tl.trySend(method, host, pathAndQuery)
		done <- sent{resp, err}
	}()

	return done
}

// getAsync is sendAsync for a GET to 127.0.0.1.
func (tl *testListener) getAsync(pathAndQuery string) <-chan sent {
	return tl.sendAsync(http.MethodGet, "127.0.0.1", pathAndQuery)
}

// awaitResponse waits for the response to a request from sendAsync.
func awaitResponse(t *testing.T, done <-chan sent) response {
	t.Helper()

	select {
	case got := <-done:
		if got.err != nil {
			t.Fatal(got.err)
		}
		return got.resp
	case <-time.After(10 * time.Second):
		t.Fatal("no response within 10s")
		return response{}
	}
}

// assertNoResponse fails if a response to the request from sendAsync has
// arrived.
func assertNoResponse(t *testing.T, done <-chan sent) {
	t.Helper()

	select {
	case got := <-done:
		t.Fatalf("response arrived (status %d, error %v), want it held; body:\n%s", got.resp.status, got.err, got.resp.body)
	case <-time.After(100 * time.Millisecond):
	}
}

// succeed sends the right callback, waits for Wait to return its code,
// calls Finish(nil) and returns the response.
func (tl *testListener) succeed(t *testing.T) response {
	t.Helper()

	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	r := tl.result(t)
	if r.err != nil || r.code != testCode {
		t.Errorf("Wait = (%q, %v), want (%q, nil)", r.code, r.err, testCode)
	}
	tl.listener.Finish(nil)

	return awaitResponse(t, done)
}

// result waits for Wait to return.
func (tl *testListener) result(t *testing.T) waitResult {
	t.Helper()

	select {
	case r := <-tl.results:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return within 10s")
		return waitResult{}
	}
}

// assertStillWaiting fails if Wait has returned.
func (tl *testListener) assertStillWaiting(t *testing.T) {
	t.Helper()

	select {
	case r := <-tl.results:
		t.Fatalf("Wait returned (%q, %v), want it still waiting", r.code, r.err)
	case <-time.After(50 * time.Millisecond):
	}
}

// assertSucceedsAfter sends the right callback and checks that Wait returns
// its code, which shows that the earlier requests did not end the wait.
func (tl *testListener) assertSucceedsAfter(t *testing.T) {
	t.Helper()

	tl.assertStillWaiting(t)
	resp := tl.succeed(t)
	if resp.status != http.StatusOK {
		t.Errorf("final callback status = %d, want 200", resp.status)
	}
}

func assertStatus(t *testing.T, resp response, want int) {
	t.Helper()
	if resp.status != want {
		t.Errorf("status = %d, want %d; body:\n%s", resp.status, want, resp.body)
	}
}

func hasIPv6Loopback(t *testing.T) {
	t.Helper()

	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	ln.Close()
}

func TestListenerFaviconNotFound(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/favicon.ico")

	assertStatus(t, resp, http.StatusNotFound)
	tl.assertSucceedsAfter(t)
}

func TestListenerOtherPathNotFound(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0/callback", nil)

	resp := tl.get(t, "/?code="+testCode+"&state="+testState)

	assertStatus(t, resp, http.StatusNotFound)
	tl.assertStillWaiting(t)
	done := tl.getAsync("/callback?code=" + testCode + "&state=" + testState)
	if r := tl.result(t); r.code != testCode {
		t.Errorf("Wait code = %q, want %q", r.code, testCode)
	}
	tl.listener.Finish(nil)
	assertStatus(t, awaitResponse(t, done), http.StatusOK)
}

func TestListenerPostNotAllowed(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.send(t, http.MethodPost, "127.0.0.1", "/?code="+testCode+"&state="+testState)

	assertStatus(t, resp, http.StatusMethodNotAllowed)
	if got := resp.header.Get("Allow"); got != "GET" {
		t.Errorf("Allow = %q, want GET", got)
	}
	tl.assertSucceedsAfter(t)
}

func TestListenerHeadNotAllowed(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.send(t, http.MethodHead, "127.0.0.1", "/?code="+testCode+"&state="+testState)

	assertStatus(t, resp, http.StatusMethodNotAllowed)
	tl.assertSucceedsAfter(t)
}

func TestListenerWrongState(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?code="+testCode+"&state=not-the-state")

	assertStatus(t, resp, http.StatusBadRequest)
	if !strings.Contains(resp.body, "state mismatch") {
		t.Errorf("body does not name the state mismatch:\n%s", resp.body)
	}
	tl.assertSucceedsAfter(t)
}

func TestListenerMissingState(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?code="+testCode)

	assertStatus(t, resp, http.StatusBadRequest)
	if !strings.Contains(resp.body, "missing state") {
		t.Errorf("body does not name the missing state:\n%s", resp.body)
	}
	tl.assertSucceedsAfter(t)
}

func TestListenerMissingCode(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?state="+testState)

	assertStatus(t, resp, http.StatusBadRequest)
	tl.assertSucceedsAfter(t)
}

func TestListenerDeniedWrongStateIgnored(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?error=access_denied&state=not-the-state")

	assertStatus(t, resp, http.StatusBadRequest)
	tl.assertSucceedsAfter(t)
}

func TestListenerDeniedRightState(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request&state="+testState)

	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "The resource owner or authorization server denied the request") {
		t.Errorf("page does not show Discord's description:\n%s", resp.body)
	}
	r := tl.result(t)
	var authErr *AuthorizeError
	if !errors.As(r.err, &authErr) {
		t.Fatalf("Wait error = %v, want *AuthorizeError", r.err)
	}
	if authErr.Code != "access_denied" {
		t.Errorf("Code = %q, want access_denied", authErr.Code)
	}
	if authErr.Description != "The resource owner or authorization server denied the request" {
		t.Errorf("Description = %q", authErr.Description)
	}
	if r.code != "" {
		t.Errorf("Wait code = %q, want empty", r.code)
	}
}

func TestListenerDeniedDescriptionEscaped(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?error=access_denied&error_description="+url.QueryEscape(`<img src=x onerror=alert(1)>`)+"&state="+testState)

	if strings.Contains(resp.body, "<img") {
		t.Errorf("page contains the description unescaped:\n%s", resp.body)
	}
	tl.result(t)
}

func TestListenerSuccess(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)

	r := tl.result(t)

	if r.err != nil {
		t.Fatalf("Wait error: %v", r.err)
	}
	if r.code != testCode {
		t.Errorf("Wait code = %q, want %q", r.code, testCode)
	}
	tl.listener.Finish(nil)
	resp := awaitResponse(t, done)
	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "Signed in. You can close this tab and return to the terminal.") {
		t.Errorf("success page text missing:\n%s", resp.body)
	}
	if !strings.Contains(resp.body, `<h1 id="result">Signed in</h1>`) {
		t.Errorf("success page has no result heading:\n%s", resp.body)
	}
}

func TestListenerHoldsUntilFinish(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)

	assertNoResponse(t, done)

	tl.listener.Finish(nil)
	resp := awaitResponse(t, done)
	if !strings.Contains(resp.body, `<h1 id="result">Signed in</h1>`) {
		t.Errorf("page after Finish(nil) is not the success page:\n%s", resp.body)
	}
}

func TestListenerFinishErrorPage(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)
	const errText = "invalid_grant: secret-detail-from-token-endpoint"

	tl.listener.Finish(errors.New(errText))

	resp := awaitResponse(t, done)
	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, `<h1 id="result" class="failed">Sign-in failed</h1>`) {
		t.Errorf("page has no failed result heading:\n%s", resp.body)
	}
	if !strings.Contains(resp.body, "dauth could not finish the sign-in; see the terminal for details.") {
		t.Errorf("page has no pointer to the terminal:\n%s", resp.body)
	}
	if strings.Contains(resp.body, "Signed in") {
		t.Errorf("failure page says Signed in:\n%s", resp.body)
	}
	for _, leak := range []string{"invalid_grant", "secret-detail", testCode} {
		if strings.Contains(resp.body, leak) {
			t.Errorf("failure page contains %q:\n%s", leak, resp.body)
		}
	}
}

func TestListenerFinishFirstCallWins(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)

	tl.listener.Finish(errors.New("invalid_client"))
	tl.listener.Finish(nil)

	resp := awaitResponse(t, done)
	if !strings.Contains(resp.body, ">Sign-in failed</h1>") {
		t.Errorf("page is not the failure page of the first Finish:\n%s", resp.body)
	}
}

func TestListenerFinishBeforeWaitReturns(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	tl.assertStillWaiting(t)

	tl.listener.Finish(nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)

	assertNoResponse(t, done)
	tl.listener.Finish(errors.New("invalid_grant"))
	resp := awaitResponse(t, done)
	if !strings.Contains(resp.body, ">Sign-in failed</h1>") {
		t.Errorf("page is not the failure page of the Finish after Wait:\n%s", resp.body)
	}
}

func TestListenerCloseWithoutFinish(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)

	if err := tl.listener.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}

	resp := awaitResponse(t, done)
	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, `<h1 id="result" class="neutral">Sign-in finished</h1>`) {
		t.Errorf("page has no neutral result heading:\n%s", resp.body)
	}
	if !strings.Contains(resp.body, "Sign-in finished; see the terminal.") {
		t.Errorf("page has no pointer to the terminal:\n%s", resp.body)
	}
}

func TestListenerFinishThenClose(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)

	tl.listener.Finish(nil)
	if err := tl.listener.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}

	resp := awaitResponse(t, done)
	if !strings.Contains(resp.body, `<h1 id="result">Signed in</h1>`) {
		t.Errorf("Close replaced the page of Finish(nil):\n%s", resp.body)
	}
}

func TestListenerHoldTimeout(t *testing.T) {
	t.Parallel()
	tl := listenHolding(t, "http://localhost:0", 300*time.Millisecond)
	tl.startWait(context.Background(), nil)
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	tl.result(t)

	resp := awaitResponse(t, done)

	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, ">Sign-in finished</h1>") {
		t.Errorf("page after the hold timeout is not the neutral page:\n%s", resp.body)
	}
}

func TestListenerWriteTimeoutCoversHold(t *testing.T) {
	t.Parallel()
	tl := listenOnly(t, "http://localhost:0")

	if got := tl.listener.server.WriteTimeout; got <= holdTimeout {
		t.Errorf("WriteTimeout = %s, want more than the hold timeout %s", got, holdTimeout)
	}
}

func TestListenerFinishAfterPasted(t *testing.T) {
	t.Parallel()
	tl := listenOnly(t, "http://localhost:0")
	tl.startWait(context.Background(), strings.NewReader(tl.redirectBase()+"?code="+testCode+"&state="+testState+"\n"))
	if r := tl.result(t); r.code != testCode {
		t.Fatalf("Wait = (%q, %v), want %q", r.code, r.err, testCode)
	}

	tl.listener.Finish(nil)

	resp := tl.get(t, "/?code=other-code&state="+testState)
	if !strings.Contains(resp.body, "already finished") {
		t.Errorf("callback after the pasted code does not get the already-finished page:\n%s", resp.body)
	}
}

func TestListenerRepeatedCode(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?code=a&code=b&state="+testState)

	assertStatus(t, resp, http.StatusBadRequest)
	if !strings.Contains(resp.body, "repeated parameter") {
		t.Errorf("body does not name the repeated parameter:\n%s", resp.body)
	}
	tl.assertSucceedsAfter(t)
}

func TestListenerRepeatedState(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	resp := tl.get(t, "/?code="+testCode+"&state="+testState+"&state="+testState)

	assertStatus(t, resp, http.StatusBadRequest)
	if !strings.Contains(resp.body, "repeated parameter") {
		t.Errorf("body does not name the repeated parameter:\n%s", resp.body)
	}
	tl.assertSucceedsAfter(t)
}

func TestListenerPageHeaders(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	responses := map[string]response{
		"not found":   tl.get(t, "/favicon.ico"),
		"wrong state": tl.get(t, "/?code="+testCode+"&state=x"),
		"success":     tl.succeed(t),
	}
	want := map[string]string{
		"Content-Type":    "text/html; charset=utf-8",
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
	}
	for name, resp := range responses {
		for key, value := range want {
			if got := resp.header.Get(key); got != value {
				t.Errorf("%s: %s = %q, want %q", name, key, got, value)
			}
		}
	}
}

func TestListenerCallbackAfterSuccess(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	tl.succeed(t)

	resp := tl.get(t, "/?code=second-code&state="+testState)

	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "already finished") {
		t.Errorf("second callback page does not say the sign-in already finished:\n%s", resp.body)
	}
}

func TestListenerCallbackBeforeWait(t *testing.T) {
	t.Parallel()
	tl := listenOnly(t, "http://localhost:0")
	done := tl.getAsync("/?code=" + testCode + "&state=" + testState)
	time.Sleep(50 * time.Millisecond)

	tl.startWait(context.Background(), nil)

	r := tl.result(t)
	if r.code != testCode {
		t.Errorf("Wait = (%q, %v), want %q", r.code, r.err, testCode)
	}
	tl.listener.Finish(nil)
	assertStatus(t, awaitResponse(t, done), http.StatusOK)
}

func TestListenerPagesHaveNoCode(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	bodies := map[string]string{
		"wrong state": tl.get(t, "/?code="+testCode+"&state=x").body,
		"post":        tl.send(t, http.MethodPost, "127.0.0.1", "/?code="+testCode+"&state="+testState).body,
		"success":     tl.succeed(t).body,
		"after":       tl.get(t, "/?code="+testCode+"&state="+testState).body,
	}

	for name, body := range bodies {
		if strings.Contains(body, testCode) {
			t.Errorf("%s page contains the code:\n%s", name, body)
		}
	}
}

func TestListenerBothStacksReceive(t *testing.T) {
	t.Parallel()
	hasIPv6Loopback(t)

	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			tl := startListener(t, context.Background(), "http://localhost:0", nil)

			done := tl.sendAsync(http.MethodGet, host, "/?code="+testCode+"&state="+testState)

			if r := tl.result(t); r.code != testCode {
				t.Errorf("Wait = (%q, %v), want %q", r.code, r.err, testCode)
			}
			tl.listener.Finish(nil)
			assertStatus(t, awaitResponse(t, done), http.StatusOK)
		})
	}
}

func TestListenerSingleAddress(t *testing.T) {
	t.Parallel()

	tests := []struct {
		redirect string
		listened string
		other    string
	}{
		{redirect: "http://127.0.0.1:0", listened: "127.0.0.1", other: "::1"},
		{redirect: "http://[::1]:0", listened: "::1", other: "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.listened, func(t *testing.T) {
			t.Parallel()
			hasIPv6Loopback(t)
			tl := listenOnly(t, tt.redirect)
			port := strconv.Itoa(tl.listener.Port())

			if conn, err := net.Dial("tcp", net.JoinHostPort(tt.other, port)); err == nil {
				conn.Close()
				t.Errorf("listener also accepts connections on %s", tt.other)
			}
			conn, err := net.Dial("tcp", net.JoinHostPort(tt.listened, port))
			if err != nil {
				t.Fatalf("dialing %s: %v", tt.listened, err)
			}
			conn.Close()
		})
	}
}

func TestListenPortInUseIPv4(t *testing.T) {
	t.Parallel()
	occupied, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer occupied.Close()
	port := occupied.Addr().(*net.TCPAddr).Port

	_, err = Listen(&url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(port)})

	var inUse *PortInUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("Listen error = %v, want *PortInUseError", err)
	}
	if inUse.Addr != "127.0.0.1" || inUse.Port != port {
		t.Errorf("PortInUseError = %s:%d, want 127.0.0.1:%d", inUse.Addr, inUse.Port, port)
	}
	if !strings.Contains(err.Error(), "port "+strconv.Itoa(port)+" is already in use") {
		t.Errorf("message %q does not name the port", err)
	}
	if !strings.Contains(err.Error(), "--redirect-uri") {
		t.Errorf("message %q does not say how to pick another port", err)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v does not wrap EADDRINUSE", err)
	}
}

func TestListenPortInUseIPv6Only(t *testing.T) {
	t.Parallel()
	hasIPv6Loopback(t)

	// The port is occupied on ::1 only; retry if it happens to be occupied on
	// 127.0.0.1 as well.
	for attempt := 0; attempt < 5; attempt++ {
		occupied, err := net.Listen("tcp6", "[::1]:0")
		if err != nil {
			t.Fatal(err)
		}
		port := occupied.Addr().(*net.TCPAddr).Port

		l, err := Listen(&url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(port)})
		occupied.Close()
		if l != nil {
			l.Close()
		}

		var inUse *PortInUseError
		if !errors.As(err, &inUse) {
			t.Fatalf("Listen error = %v, want *PortInUseError", err)
		}
		if inUse.Addr == "127.0.0.1" {
			continue
		}
		if inUse.Addr != "::1" || inUse.Port != port {
			t.Errorf("PortInUseError = %s:%d, want ::1:%d", inUse.Addr, inUse.Port, port)
		}
		if !strings.Contains(err.Error(), "port "+strconv.Itoa(port)) {
			t.Errorf("message %q does not name the port", err)
		}
		return
	}
	t.Skip("every port from [::1]:0 was also occupied on 127.0.0.1")
}

func TestListenPortInUseFreesIPv4(t *testing.T) {
	t.Parallel()
	hasIPv6Loopback(t)
	occupied, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer occupied.Close()
	port := occupied.Addr().(*net.TCPAddr).Port

	if _, err := Listen(&url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(port)}); err == nil {
		t.Fatal("Listen succeeded with the port occupied on ::1")
	}

	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("127.0.0.1:%d still occupied after the failed Listen: %v", port, err)
	}
	ln.Close()
}

func TestListenRejectsNonLoopback(t *testing.T) {
	t.Parallel()

	for _, host := range []string{"0.0.0.0:0", "[::]:0", "example.com:0", "192.168.1.1:0"} {
		l, err := Listen(&url.URL{Scheme: "http", Host: host})
		if l != nil {
			l.Close()
		}
		if err == nil {
			t.Errorf("Listen(http://%s) = nil error, want a loopback error", host)
		}
	}
}

// redirectBase returns the redirect URI with the listener's actual port.
func (tl *testListener) redirectBase() string {
	return "http://localhost:" + strconv.Itoa(tl.listener.Port()) + "/"
}

// startPasted listens on http://localhost:0 and starts Wait with the given
// pasted lines, in which BASE stands for the redirect URI.
func startPasted(t *testing.T, lines ...string) *testListener {
	t.Helper()

	tl := listenOnly(t, "http://localhost:0")
	text := strings.ReplaceAll(strings.Join(lines, "\n")+"\n", "BASE", tl.redirectBase())
	tl.startWait(context.Background(), strings.NewReader(text))

	return tl
}

func TestListenerPastedSuccess(t *testing.T) {
	t.Parallel()
	tl := startPasted(t, "BASE?code="+testCode+"&state="+testState)

	r := tl.result(t)

	if r.err != nil || r.code != testCode {
		t.Errorf("Wait = (%q, %v), want (%q, nil)", r.code, r.err, testCode)
	}
}

func TestListenerPastedWrongThenRight(t *testing.T) {
	t.Parallel()
	tl := startPasted(t,
		"not a url at all",
		"",
		"BASE?code=wrong-code&state=not-the-state",
		"?code="+testCode,
		"code="+testCode+"&state="+testState,
	)

	r := tl.result(t)

	if r.err != nil || r.code != testCode {
		t.Errorf("Wait = (%q, %v), want (%q, nil)", r.code, r.err, testCode)
	}
	messages := tl.errOut.String()
	for _, want := range []string{"not a redirect URL", "another sign-in attempt", "no state parameter"} {
		if !strings.Contains(messages, want) {
			t.Errorf("errOut does not contain %q:\n%s", want, messages)
		}
	}
	if strings.Count(messages, "\n") != 3 {
		t.Errorf("errOut has %d lines, want 3 (one per rejected line):\n%s", strings.Count(messages, "\n"), messages)
	}
	for _, secret := range []string{testCode, "wrong-code"} {
		if strings.Contains(messages, secret) {
			t.Errorf("errOut repeats the code %q:\n%s", secret, messages)
		}
	}
}

func TestListenerPastedForeignURL(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		line string
	}{
		{name: "host", line: "http://attacker.example:PORT/?code=" + testCode + "&state=" + testState},
		{name: "port", line: "http://localhost:1/?code=" + testCode + "&state=" + testState},
		{name: "path", line: "http://localhost:PORT/other?code=" + testCode + "&state=" + testState},
		{name: "scheme", line: "https://localhost:PORT/?code=" + testCode + "&state=" + testState},
		{name: "relative path", line: "/other?code=" + testCode + "&state=" + testState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tl := listenOnly(t, "http://localhost:0")
			line := strings.ReplaceAll(tt.line, "PORT", strconv.Itoa(tl.listener.Port()))
			tl.startWait(context.Background(), strings.NewReader(line+"\n"))

			tl.assertSucceedsAfter(t)

			messages := tl.errOut.String()
			if !strings.Contains(messages, "not a redirect URL") {
				t.Errorf("errOut does not reject the line:\n%s", messages)
			}
			if !strings.Contains(messages, "starts with "+tl.redirectBase()+"?code=") {
				t.Errorf("errOut does not name the redirect URI with the actual port:\n%s", messages)
			}
			if strings.Contains(messages, testCode) {
				t.Errorf("errOut repeats the code:\n%s", messages)
			}
		})
	}
}

func TestListenerPastedPathAndQuery(t *testing.T) {
	t.Parallel()
	tl := startPasted(t, "/?code="+testCode+"&state="+testState)

	r := tl.result(t)

	if r.err != nil || r.code != testCode {
		t.Errorf("Wait = (%q, %v), want (%q, nil)", r.code, r.err, testCode)
	}
}

func TestListenerPastedRepeatedCode(t *testing.T) {
	t.Parallel()
	tl := startPasted(t, "BASE?code=a&code=b&state="+testState)

	tl.assertSucceedsAfter(t)

	if messages := tl.errOut.String(); !strings.Contains(messages, "code parameter more than once") {
		t.Errorf("errOut does not name the repeated code:\n%s", messages)
	}
}

func TestListenerPastedEOFKeepsWaiting(t *testing.T) {
	t.Parallel()
	tl := startPasted(t, "BASE?code=x&state=not-the-state")

	tl.assertSucceedsAfter(t)
}

func TestListenerPastedDenied(t *testing.T) {
	t.Parallel()
	tl := startPasted(t, "BASE?error=access_denied&state="+testState)

	r := tl.result(t)

	var authErr *AuthorizeError
	if !errors.As(r.err, &authErr) {
		t.Errorf("Wait error = %v, want *AuthorizeError", r.err)
	}
}

func TestListenerTimeout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	tl := startListener(t, ctx, "http://localhost:0", nil)

	r := tl.result(t)

	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("Wait error = %v, want context.DeadlineExceeded", r.err)
	}
}

func TestListenerCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	tl := startListener(t, ctx, "http://localhost:0", nil)
	tl.assertStillWaiting(t)

	cancel()

	if r := tl.result(t); !errors.Is(r.err, context.Canceled) {
		t.Errorf("Wait error = %v, want context.Canceled", r.err)
	}
}

func TestListenerClosedDuringWait(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	tl.assertStillWaiting(t)

	if err := tl.listener.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}

	if r := tl.result(t); !errors.Is(r.err, ErrListenerClosed) {
		t.Errorf("Wait error = %v, want ErrListenerClosed", r.err)
	}
}

func TestListenerWaitTwice(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)
	tl.succeed(t)

	if _, err := tl.listener.Wait(context.Background(), testState, nil, nil); err == nil {
		t.Error("second Wait = nil error, want one")
	}
}

func TestListenerClosePortFree(t *testing.T) {
	t.Parallel()
	tl := listenOnly(t, "http://127.0.0.1:0")
	port := tl.listener.Port()

	if err := tl.listener.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}

	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d still occupied after Close: %v", port, err)
	}
	ln.Close()
}
