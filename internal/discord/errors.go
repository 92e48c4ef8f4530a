package discord

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrUnauthorized matches, through errors.Is, an *APIError with status 401:
// Discord rejected the access token.
var ErrUnauthorized = errors.New("unauthorized")

// APIError is a non-2xx API response other than 429 and 5xx. Discord's
// error body is {"code": n, "message": s, "errors"?: {…}}.
type APIError struct {
	Method string
	Path   string // API path without the query, such as "/users/@me"
	Status int
	// Code is Discord's JSON error code (50001 is Missing Access), 0 if absent.
	Code    int
	Message string
	// Details lists the per-field messages from the "errors" object as
	// "field.path: message", sorted by field path.
	Details []string
	Body    []byte // response body as received
}

// Error returns a line such as "GET /users/@me: 403 Missing Access (code 50001)".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.Status, e.statusMessage())
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", e.Code)
	}
	if len(e.Details) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Details, "; "))
	}
	return b.String()
}

// statusMessage returns Discord's message, or the HTTP status text when there
// is none. Discord words some messages as "401: Unauthorized", so a leading
// copy of the status code is dropped.
func (e *APIError) statusMessage() string {
	msg := strings.TrimPrefix(e.Message, strconv.Itoa(e.Status)+": ")
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return msg
}

// Is reports whether target is ErrUnauthorized and the status is 401.
func (e *APIError) Is(target error) bool {
	return target == ErrUnauthorized && e.Status == http.StatusUnauthorized
}

// maxErrorDetails caps APIError.Details so one bad request body cannot turn
// into a screenful of messages.
const maxErrorDetails = 10

func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status, Body: body}

	var payload struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &payload) != nil {
		return e
	}
	e.Code = payload.Code
	e.Message = payload.Message

	var tree any
	if len(payload.Errors) > 0 && json.Unmarshal(payload.Errors, &tree) == nil {
		collectErrorDetails("", tree, &e.Details)
		sort.Strings(e.Details)
		if len(e.Details) > maxErrorDetails {
			e.Details = e.Details[:maxErrorDetails]
		}
	}
	return e
}

// collectErrorDetails walks Discord's nested "errors" object, where every
// leaf is {"_errors": [{"code": s, "message": s}]} under keys that spell the
// field path (array indexes appear as "0", "1", …).
func collectErrorDetails(path string, node any, out *[]string) {
	obj, ok := node.(map[string]any)
	if !ok {
		return
	}

	for key, child := range obj {
		if key != "_errors" {
			collectErrorDetails(joinFieldPath(path, key), child, out)
			continue
		}
		list, _ := child.([]any)
		for _, item := range list {
			entry, _ := item.(map[string]any)
			msg, _ := entry["message"].(string)
			if msg == "" {
				msg, _ = entry["code"].(string)
			}
			if path == "" {
				*out = append(*out, msg)
			} else {
				*out = append(*out, path+": "+msg)
			}
		}
	}
}

func joinFieldPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// RateLimitError is a 429 response that dauth did not wait out, either because
// the wait was longer than RetryTransport.MaxWait or because the request was
// limited again after one wait.
type RateLimitError struct {
	RetryAfter time.Duration // 0 when Discord gave no wait
	Global     bool
	Scope      string // X-RateLimit-Scope: "user", "global" or "shared"
	Method     string
	Path       string
}

// Error returns a line such as
// "rate limited by Discord on GET /users/@me: retry after 42s".
func (e *RateLimitError) Error() string {
	var b strings.Builder
	b.WriteString("rate limited by Discord")
	if e.Global {
		b.WriteString(" (global limit)")
	}
	if e.Method != "" || e.Path != "" {
		fmt.Fprintf(&b, " on %s %s", e.Method, e.Path)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ": retry after %s", e.RetryAfter.Round(time.Millisecond))
	} else {
		b.WriteString(": retry later")
	}
	return b.String()
}

// RateLimitFrom reads a 429 response's headers and body. The wait is the larger
// of the Retry-After header (seconds) and the body's retry_after (float
// seconds); Global is set by either the body's "global" or the
// X-RateLimit-Global header. Method and Path are left for the caller.
func RateLimitFrom(h http.Header, body []byte) *RateLimitError {
	wait, _ := retryAfter(h, body)
	e := &RateLimitError{
		RetryAfter: wait,
		Global:     strings.EqualFold(h.Get("X-RateLimit-Global"), "true"),
		Scope:      h.Get("X-RateLimit-Scope"),
	}

	var payload struct {
		Global bool `json:"global"`
	}
	if json.Unmarshal(body, &payload) == nil && payload.Global {
		e.Global = true
	}
	return e
}

// retryAfter returns the larger of the Retry-After header and the body's
// retry_after, and whether either was present and valid.
func retryAfter(h http.Header, body []byte) (time.Duration, bool) {
	var wait time.Duration
	found := false

	// NOTE: the HTTP-date form of Retry-After is not parsed; Discord sends seconds.
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			if d, ok := secondsToDuration(secs); ok {
				wait, found = d, true
			}
		}
	}

	var payload struct {
		RetryAfter *float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &payload) == nil && payload.RetryAfter != nil {
		if d, ok := secondsToDuration(*payload.RetryAfter); ok {
			found = true
			wait = max(wait, d)
		}
	}
	return wait, found
}

// secondsToDuration converts a non-negative number of seconds, saturating
// instead of overflowing.
func secondsToDuration(secs float64) (time.Duration, bool) {
	if math.IsNaN(secs) || secs < 0 {
		return 0, false
	}
	if secs >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64), true
	}
	return time.Duration(secs * float64(time.Second)), true
}

// ServerError is a 5xx response, returned after RetryTransport has retried a GET
// or HEAD, or at once for other methods.
type ServerError struct {
	Method string
	Path   string
	Status int
	Body   []byte // response body as received
}

// Error returns a line such as "GET /users/@me: Discord server error 502 Bad Gateway".
func (e *ServerError) Error() string {
	return fmt.Sprintf("%s %s: Discord server error %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
}
