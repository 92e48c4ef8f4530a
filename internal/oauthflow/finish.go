package oauthflow

import (
	"net/http"
	"time"
)

// Finish sends the browser the outcome of the sign-in for the code that Wait
// returned. With a nil err the held response gets the success page. With a
// non-nil err it gets a failure page with a generic text, because err may
// contain details that do not belong in a browser.
//
// Call Finish once the code has been exchanged and the tokens saved. Only the
// first call counts, and a call before Wait has returned does nothing. When
// the code came from a pasted line, or Wait returned an error, no response
// is held and Finish has no effect.
func (l *Listener) Finish(err error) {
	select {
	case <-l.waitDone:
	default:
		return
	}

	if err != nil {
		l.setOutcome(failedPage)
		return
	}
	l.setOutcome(successPage)
}

// setOutcome sets the page for the held response. Only the first call counts.
func (l *Listener) setOutcome(p page) {
	l.outcomeOnce.Do(func() {
		l.outcomePage = p
		close(l.outcome)
	})
}

// serveHeld writes the page for the callback that ended the wait with a
// code. It holds the response until Finish or Close sets the outcome, or
// until holdTimeout passes, so that the browser does not report a sign-in
// that the code exchange then fails.
func (l *Listener) serveHeld(w http.ResponseWriter, r *http.Request) {
	timer := time.NewTimer(l.holdTimeout)
	defer timer.Stop()

	select {
	case <-l.outcome:
		writePage(w, http.StatusOK, l.outcomePage)
	case <-timer.C:
		writePage(w, http.StatusOK, neutralPage)
	case <-r.Context().Done():
		// The browser closed the connection, so no page can be sent.
	}
}
