package oauthflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts of the loopback HTTP server. A browser sends one small GET, so
// these only bound connections that stall or stay idle.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10

	// holdTimeout bounds how long a callback that ended the wait with a code
	// waits for Finish or Close before it gets the neutral page.
	holdTimeout = 2 * time.Minute

	// pageWriteTimeout is the time allowed to send a page once the handler
	// writes it. The server's WriteTimeout is holdTimeout plus this.
	pageWriteTimeout = 30 * time.Second

	// shutdownTimeout bounds how long Close waits for the last page to be
	// sent before it drops the connections.
	shutdownTimeout = 5 * time.Second

	// zeroPortAttempts is how often Listen retries a kernel-chosen port that
	// turns out to be taken on ::1.
	zeroPortAttempts = 5
)

// ErrListenerClosed is returned by Wait when the listener was closed before a
// callback ended the wait.
var ErrListenerClosed = errors.New("the loopback listener was closed before the sign-in finished")

// PortInUseError reports that the redirect URI's port is taken on one of the
// loopback addresses that Listen needs.
type PortInUseError struct {
	// Addr is the loopback address, "127.0.0.1" or "::1".
	Addr string

	// Port is the port of the redirect URI.
	Port int

	// Err is the error from the operating system.
	Err error
}

// Error names the port and how to free it or choose another one.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d is already in use on %s: stop the program using it (for example `lsof -i :%d`), or pick a free port with --redirect-uri http://localhost:PORT and register that URI in the Developer Portal", e.Port, e.Addr, e.Port)
}

// Unwrap returns the error from the operating system.
func (e *PortInUseError) Unwrap() error { return e.Err }

// Listener receives the authorization redirect on the loopback interface.
//
// It serves only GET on the redirect URI's path. Each callback is handed to
// the single running Wait, which judges it. A callback that arrives before
// Wait starts waits until then. The browser request whose code ends the wait
// gets its page only when the caller reports the outcome of the code
// exchange with Finish, so the browser never shows "Signed in" for a code
// that the token endpoint then rejects.
type Listener struct {
	// redirect is the redirect URI, with the actual port when it had port 0.
	redirect *url.URL
	path     string
	port     int

	listeners []net.Listener
	server    *http.Server
	serving   sync.WaitGroup

	callbacks chan callback

	waitStarted  atomic.Bool
	waitDone     chan struct{}
	waitDoneOnce sync.Once

	// holdTimeout is how long the response to the callback that ended the
	// wait with a code waits for outcome.
	holdTimeout time.Duration

	// outcome is closed by the first of Finish and Close, after outcomePage
	// is set. The held response then gets outcomePage.
	outcome     chan struct{}
	outcomePage page
	outcomeOnce sync.Once

	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// callback is one request to the redirect path, waiting for Wait's verdict.
type callback struct {
	query url.Values
	reply chan verdict
}

// Listen starts the loopback listener for the redirect URI.
//
// For host localhost it listens on both 127.0.0.1 and [::1] on the same port,
// because a browser may resolve localhost to either (Chromium tries ::1
// first). When the machine has no IPv6 loopback at all, it goes on with
// 127.0.0.1 alone, but a port in use on either address fails with
// *PortInUseError. A 127.x.y.z or [::1] host is listened on as given. With
// port 0, which is meant for tests, the kernel picks a free port and Port
// returns it. Listen never listens on a non-loopback address.
func Listen(redirect *url.URL) (*Listener, error) {
	return listen(redirect, holdTimeout)
}

// listen is Listen with the hold timeout as a parameter, so that tests can
// shorten it.
func listen(redirect *url.URL, hold time.Duration) (*Listener, error) {
	if err := checkRedirectURL(redirect, redirect.String(), true); err != nil {
		return nil, err
	}

	port, err := redirectPort(redirect, redirect.String(), true)
	if err != nil {
		return nil, err
	}

	listeners, err := listenLoopback(redirect.Hostname(), port)
	if err != nil {
		return nil, err
	}

	actualPort := listeners[0].Addr().(*net.TCPAddr).Port
	l := &Listener{
		redirect:    withPort(redirect, actualPort),
		path:        redirectPath(redirect),
		port:        actualPort,
		listeners:   listeners,
		callbacks:   make(chan callback),
		waitDone:    make(chan struct{}),
		holdTimeout: hold,
		outcome:     make(chan struct{}),
		closed:      make(chan struct{}),
	}
	l.server = &http.Server{
		Handler:           http.HandlerFunc(l.serveCallback),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		// net/http sets the write deadline when it has read the request
		// headers, and the clock keeps running while the handler blocks.
		// A WriteTimeout shorter than the hold would drop the held page
		// and leave the browser with an empty response. ReadTimeout needs
		// no such margin: for a request without a body, the server clears
		// the read deadline before it calls the handler (Go 1.26).
		WriteTimeout:   hold + pageWriteTimeout,
		IdleTimeout:    idleTimeout,
		MaxHeaderBytes: maxHeaderBytes,
	}

	for _, ln := range listeners {
		l.serving.Add(1)
		go func() {
			defer l.serving.Done()
			// After Close, Serve returns http.ErrServerClosed. Any other
			// error only stops this address from accepting, and the
			// caller's timeout still ends Wait.
			_ = l.server.Serve(ln)
		}()
	}

	return l, nil
}

// listenLoopback opens the TCP listeners for a loopback host and port.
func listenLoopback(host string, port int) ([]net.Listener, error) {
	if !strings.EqualFold(host, "localhost") {
		network := "tcp4"
		if strings.Contains(host, ":") {
			network = "tcp6"
		}

		ln, err := listenTCP(network, host, port)
		if err != nil {
			return nil, err
		}
		return []net.Listener{ln}, nil
	}

	// With port 0 the kernel picks a port that is free on 127.0.0.1 only,
	// so a clash on ::1 is worth another try with a new port.
	attempts := 1
	if port == 0 {
		attempts = zeroPortAttempts
	}

	for i := 1; ; i++ {
		listeners, err := listenBothStacks(port)

		var inUse *PortInUseError
		if err == nil || i == attempts || !errors.As(err, &inUse) || inUse.Addr != "::1" {
			return listeners, err
		}
	}
}

// listenBothStacks listens on 127.0.0.1 and then on ::1 with the same port.
// It goes on with 127.0.0.1 alone when the machine has no IPv6 loopback.
func listenBothStacks(port int) ([]net.Listener, error) {
	v4, err := listenTCP("tcp4", "127.0.0.1", port)
	if err != nil {
		return nil, err
	}

	actual := v4.Addr().(*net.TCPAddr).Port
	v6, err := listenTCP("tcp6", "::1", actual)
	if err != nil {
		if isNoIPv6(err) {
			return []net.Listener{v4}, nil
		}
		_ = v4.Close()
		return nil, err
	}

	return []net.Listener{v4, v6}, nil
}

// listenTCP listens on one literal loopback address, so no name is resolved.
func listenTCP(network, host string, port int) (net.Listener, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))

	ln, err := net.Listen(network, addr)
	if err != nil {
		if isAddrInUse(err) {
			return nil, &PortInUseError{Addr: host, Port: port, Err: err}
		}
		return nil, fmt.Errorf("listening on %s for the OAuth2 redirect: %w", addr, err)
	}

	return ln, nil
}

// Port returns the port that the listener listens on, which differs from
// the redirect URI's port only when that is 0.
func (l *Listener) Port() int {
	return l.port
}

// withPort returns redirect with the given port when its port is 0, and
// redirect itself otherwise.
func withPort(redirect *url.URL, port int) *url.URL {
	if redirect.Port() != "0" {
		return redirect
	}

	u := *redirect
	u.Host = net.JoinHostPort(redirect.Hostname(), strconv.Itoa(port))
	return &u
}

// serveCallback handles one HTTP request. Only GET on the redirect path reaches
// Wait; the rest never ends the wait.
func (l *Listener) serveCallback(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != l.path {
		writePage(w, http.StatusNotFound, notFoundPage)
		return
	}

	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, http.StatusMethodNotAllowed, methodNotAllowedPage)
		return
	}

	cb := callback{query: r.URL.Query(), reply: make(chan verdict, 1)}
	select {
	case l.callbacks <- cb:
	case <-l.waitDone:
		writePage(w, http.StatusOK, finishedPage)
		return
	case <-l.closed:
		writePage(w, http.StatusServiceUnavailable, finishedPage)
		return
	case <-r.Context().Done():
		return
	}

	// Wait sends a verdict on the buffered reply channel of every callback
	// it receives, so this receive returns.
	v := <-cb.reply
	if v.end && v.err == nil {
		l.serveHeld(w, r)
		return
	}
	writePage(w, v.status, v.page)
}

// Wait returns the authorization code from the first valid redirect.
//
// A redirect arrives as a GET to the redirect URI or, when pasted is not nil,
// as a line read from pasted, copied from a browser on another machine. A
// pasted line is the final redirected URL, whose scheme, host, port and path
// must match the redirect URI, or only its query, with or without the path.
// Both go through the same checks. Wait ends on
//   - the right state and a code: it returns the code. When the code came
//     from the browser, the browser gets no page yet: call Finish with the
//     result of the code exchange;
//   - the right state and an error parameter: it returns *AuthorizeError,
//     and the browser gets the error page at once;
//   - ctx done: it returns ctx.Err(), so context.DeadlineExceeded for a
//     timeout and context.Canceled for an interrupt;
//   - Close: it returns ErrListenerClosed.
//
// A missing or wrong state, a missing code, or a code or state parameter that
// appears more than once (RFC 6749, section 3.1, forbids repeated
// parameters) does not end the wait, and the browser gets a 400 page. For a
// pasted line, a message that explains the problem goes to errOut. It never
// repeats the line, which may contain a code. EOF on pasted only stops
// reading it. Wait does not close pasted, and a read that is blocked on it
// when Wait returns ends only when that read returns. After Wait returns,
// further callbacks get a page saying that the sign-in has already ended.
// Wait may be called once per Listener.
func (l *Listener) Wait(ctx context.Context, state string, pasted io.Reader, errOut io.Writer) (string, error) {
	if !l.waitStarted.CompareAndSwap(false, true) {
		return "", errors.New("oauthflow: Wait called twice on one Listener")
	}
	defer l.waitDoneOnce.Do(func() { close(l.waitDone) })

	if errOut == nil {
		errOut = io.Discard
	}

	var lines <-chan pastedLine
	if pasted != nil {
		lines = l.readPasted(pasted)
	}

	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()

		case <-l.closed:
			return "", ErrListenerClosed

		case cb := <-l.callbacks:
			v := judgeCallback(cb.query, state)
			cb.reply <- v
			if v.end {
				return v.result()
			}

		case line, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			if line.err != nil {
				fmt.Fprintf(errOut, "Reading the pasted URL failed: %v. Finish the sign-in in the browser instead.\n", line.err)
				continue
			}
			if strings.TrimSpace(line.text) == "" {
				continue
			}

			query, isRedirect := parsePasted(line.text, l.redirect)
			if !isRedirect {
				fmt.Fprintln(errOut, notRedirectMessage(l.redirect))
				continue
			}

			v := judgeCallback(query, state)
			if v.end {
				return v.result()
			}
			fmt.Fprintln(errOut, v.problem)
		}
	}
}

// result returns what Wait returns for a verdict that ends the login.
func (v verdict) result() (string, error) {
	if v.err != nil {
		return "", v.err
	}

	return v.code, nil
}

// pastedLine is one line read from the pasted input, or the error that
// stopped the reading.
type pastedLine struct {
	text string
	err  error
}

// readPasted reads r line by line in a goroutine. The channel is closed at
// EOF or after a read error, and the goroutine stops sending once Wait has
// returned.
func (l *Listener) readPasted(r io.Reader) <-chan pastedLine {
	lines := make(chan pastedLine)

	go func() {
		defer close(lines)

		scanner := bufio.NewScanner(r)
		for scanner.Scan() {
			select {
			case lines <- pastedLine{text: scanner.Text()}:
			case <-l.waitDone:
				return
			}
		}

		if err := scanner.Err(); err != nil {
			select {
			case lines <- pastedLine{err: err}:
			case <-l.waitDone:
			}
		}
	}()

	return lines
}

// Close stops the listener. A held response that Finish has not released
// gets a neutral page that points to the terminal. Close then lets pages
// already being sent finish, for at most a few seconds, so that the browser
// still shows the result after Wait has returned. A running Wait returns
// ErrListenerClosed.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.setOutcome(neutralPage)
		close(l.closed)

		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := l.server.Shutdown(ctx); err != nil {
			_ = l.server.Close()
			l.closeErr = fmt.Errorf("closing the loopback listener on port %d: %w", l.port, err)
		}

		// A Serve goroutine that had not started yet when Shutdown ran
		// does not own its listener, so close every listener here too.
		for _, ln := range l.listeners {
			_ = ln.Close()
		}
		l.serving.Wait()
	})

	return l.closeErr
}
