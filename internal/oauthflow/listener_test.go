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

	redirect, err := url.Parse(rawRedirect)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(redirect)
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
	resp := tl.get(t, "/?code="+testCode+"&state="+testState)
	if resp.status != http.StatusOK {
		t.Errorf("final callback status = %d, want 200", resp.status)
	}
	r := tl.result(t)
	if r.err != nil || r.code != testCode {
		t.Errorf("Wait = (%q, %v), want (%q, nil)", r.code, r.err, testCode)
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
	resp = tl.get(t, "/callback?code="+testCode+"&state="+testState)
	assertStatus(t, resp, http.StatusOK)
	if r := tl.result(t); r.code != testCode {
		t.Errorf("Wait code = %q, want %q", r.code, testCode)
	}
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

	resp := tl.get(t, "/?code="+testCode+"&state="+testState)

	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "Signed in. You can close this tab and return to the terminal.") {
		t.Errorf("success page text missing:\n%s", resp.body)
	}
	if !strings.Contains(resp.body, `<h1 id="result">Signed in</h1>`) {
		t.Errorf("success page has no result heading:\n%s", resp.body)
	}
	r := tl.result(t)
	if r.err != nil {
		t.Fatalf("Wait error: %v", r.err)
	}
	if r.code != testCode {
		t.Errorf("Wait code = %q, want %q", r.code, testCode)
	}
}

func TestListenerPageHeaders(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	responses := map[string]response{
		"not found":   tl.get(t, "/favicon.ico"),
		"wrong state": tl.get(t, "/?code="+testCode+"&state=x"),
		"success":     tl.get(t, "/?code="+testCode+"&state="+testState),
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
	tl.get(t, "/?code="+testCode+"&state="+testState)
	tl.result(t)

	resp := tl.get(t, "/?code=second-code&state="+testState)

	assertStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "already finished") {
		t.Errorf("second callback page does not say the sign-in already finished:\n%s", resp.body)
	}
}

func TestListenerCallbackBeforeWait(t *testing.T) {
	t.Parallel()
	tl := listenOnly(t, "http://localhost:0")
	type sent struct {
		resp response
		err  error
	}
	done := make(chan sent, 1)
	go func() {
		resp, err := tl.trySend(http.MethodGet, "127.0.0.1", "/?code="+testCode+"&state="+testState)
		done <- sent{resp, err}
	}()
	time.Sleep(50 * time.Millisecond)

	tl.startWait(context.Background(), nil)

	r := tl.result(t)
	if r.code != testCode {
		t.Errorf("Wait = (%q, %v), want %q", r.code, r.err, testCode)
	}
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	assertStatus(t, got.resp, http.StatusOK)
}

func TestListenerPagesHaveNoCode(t *testing.T) {
	t.Parallel()
	tl := startListener(t, context.Background(), "http://localhost:0", nil)

	bodies := map[string]string{
		"wrong state": tl.get(t, "/?code="+testCode+"&state=x").body,
		"post":        tl.send(t, http.MethodPost, "127.0.0.1", "/?code="+testCode+"&state="+testState).body,
		"success":     tl.get(t, "/?code="+testCode+"&state="+testState).body,
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

			resp := tl.send(t, http.MethodGet, host, "/?code="+testCode+"&state="+testState)

			assertStatus(t, resp, http.StatusOK)
			if r := tl.result(t); r.code != testCode {
				t.Errorf("Wait = (%q, %v), want %q", r.code, r.err, testCode)
			}
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
	taken, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port

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

	// The port is taken on ::1 only; retry if it happens to be taken on
	// 127.0.0.1 as well.
	for attempt := 0; attempt < 5; attempt++ {
		taken, err := net.Listen("tcp6", "[::1]:0")
		if err != nil {
			t.Fatal(err)
		}
		port := taken.Addr().(*net.TCPAddr).Port

		l, err := Listen(&url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(port)})
		taken.Close()
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
	t.Skip("every port from [::1]:0 was also taken on 127.0.0.1")
}

func TestListenPortInUseFreesIPv4(t *testing.T) {
	t.Parallel()
	hasIPv6Loopback(t)
	taken, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port

	if _, err := Listen(&url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(port)}); err == nil {
		t.Fatal("Listen succeeded with the port taken on ::1")
	}

	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("127.0.0.1:%d still taken after the failed Listen: %v", port, err)
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

func TestListenerPastedSuccess(t *testing.T) {
	t.Parallel()
	pasted := strings.NewReader("http://localhost:3000/?code=" + testCode + "&state=" + testState + "\n")
	tl := startListener(t, context.Background(), "http://localhost:0", pasted)

	r := tl.result(t)

	if r.err != nil || r.code != testCode {
		t.Errorf("Wait = (%q, %v), want (%q, nil)", r.code, r.err, testCode)
	}
}

func TestListenerPastedWrongThenRight(t *testing.T) {
	t.Parallel()
	pasted := strings.NewReader(strings.Join([]string{
		"not a url at all",
		"",
		"http://localhost:3000/?code=wrong-code&state=not-the-state",
		"?code=" + testCode,
		"code=" + testCode + "&state=" + testState,
	}, "\n"))
	tl := startListener(t, context.Background(), "http://localhost:0", pasted)

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

func TestListenerPastedEOFKeepsWaiting(t *testing.T) {
	t.Parallel()
	pasted := strings.NewReader("http://localhost:3000/?code=x&state=not-the-state\n")
	tl := startListener(t, context.Background(), "http://localhost:0", pasted)

	tl.assertSucceedsAfter(t)
}

func TestListenerPastedDenied(t *testing.T) {
	t.Parallel()
	pasted := strings.NewReader("http://localhost:3000/?error=access_denied&state=" + testState + "\n")
	tl := startListener(t, context.Background(), "http://localhost:0", pasted)

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
	tl.get(t, "/?code="+testCode+"&state="+testState)
	tl.result(t)

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
		t.Fatalf("port %d still taken after Close: %v", port, err)
	}
	ln.Close()
}
