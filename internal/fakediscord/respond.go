package fakediscord

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Rate-limit values the emulator announces. Discord's docs say limits vary
// and must be read from the headers, never hard-coded.
//
// NOTE: these numbers are invented, and the emulator never returns a 429 by
// itself (Remaining stops at 0). Use InjectFault to test rate limiting.
const (
	rateLimitPerWindow = 50
	rateLimitWindow    = time.Second
)

// rateBucket counts requests in the current window of one bucket.
type rateBucket struct {
	start time.Time
	count int
}

// encodeJSON encodes v the way Discord's responses look: no HTML escaping of
// <, > and &, non-ASCII as raw UTF-8, and a space after every ':' and ','.
// The spacing matches Discord's raw error bodies as logged in client
// libraries' bug reports, for example {"message": "401: Unauthorized", "code": 0}.
//
// NOTE: whether Discord sends non-ASCII raw or as \u escapes is not
// documented; raw UTF-8 is a guess.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value encoded here is built by this package from plain types.
		panic(fmt.Sprintf("fakediscord: encode response: %v", err))
	}
	return spaceSeparators(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// spaceSeparators inserts a space after each ':' and ',' outside strings of
// compact JSON.
func spaceSeparators(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}

// writeJSON sends v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(encodeJSON(v))
}

// formBodyError is Discord's error 50035 body (OpenAPI schema ErrorResponse),
// in the field order of the example under "Error Messages" in Discord's API
// reference: code, errors, message.
type formBodyError struct {
	Code    int    `json:"code"`
	Errors  any    `json:"errors"`
	Message string `json:"message"`
}

// writeAPIError sends Discord's REST error body. Discord's generic errors put
// message first, as in {"message": "401: Unauthorized", "code": 0}.
func writeAPIError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	}{message, code})
}

// writeUnauthorized sends the body Discord returns for a missing, invalid,
// expired or revoked token.
func writeUnauthorized(w http.ResponseWriter) {
	writeAPIError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
}

// writeMethodNotAllowed sends Discord's generic 405 body.
func writeMethodNotAllowed(w http.ResponseWriter, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeAPIError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
}

// oauthError is the RFC 6749 section 5.2 error body the token endpoints use.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// writeOAuthError sends an RFC 6749 error body.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, oauthError{Error: code, ErrorDescription: description})
}

// bucketName is a stable, opaque X-RateLimit-Bucket value for a route, like
// the hashes Discord sends.
func bucketName(method, path string) string {
	sum := sha256.Sum256([]byte(method + " " + path))
	return hex.EncodeToString(sum[:8])
}

// setRateLimitHeaders counts r in its bucket and sets the X-RateLimit-*
// headers listed under "Header Format" in Discord's rate-limit docs.
func (s *Server) setRateLimitHeaders(h http.Header, r *http.Request) {
	name := bucketName(r.Method, r.URL.Path)
	now := s.now()

	s.mu.Lock()
	b, ok := s.buckets[name]
	if !ok || !now.Before(b.start.Add(rateLimitWindow)) {
		b = &rateBucket{start: now}
		s.buckets[name] = b
	}
	b.count++
	remaining := max(rateLimitPerWindow-b.count, 0)
	reset := b.start.Add(rateLimitWindow)
	s.mu.Unlock()

	h.Set("X-RateLimit-Limit", strconv.Itoa(rateLimitPerWindow))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", formatSeconds(float64(reset.UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", formatSeconds(reset.Sub(now).Seconds()))
	h.Set("X-RateLimit-Bucket", name)
}

// formatSeconds formats seconds with millisecond precision, as Discord does.
func formatSeconds(seconds float64) string {
	return strconv.FormatFloat(seconds, 'f', 3, 64)
}

// rateLimited is the 429 body (OpenAPI schema RatelimitedResponse).
//
// Discord's rate-limit docs show the body without "code" and call the field
// optional, but the OpenAPI schema requires it. Sending "code": 0 satisfies
// both, and clients must not depend on it.
type rateLimited struct {
	Message    string  `json:"message"`
	RetryAfter float64 `json:"retry_after"`
	Global     bool    `json:"global"`
	Code       int     `json:"code"`
}

// writeFault sends the response f describes.
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	h := w.Header()
	switch {
	case f.Status == http.StatusTooManyRequests:
		s.writeRateLimited(w, r, f)
		return
	case f.Body != "":
		h.Set("Content-Type", "application/json")
		if !json.Valid([]byte(f.Body)) {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(f.Status)
		w.Write([]byte(f.Body))
	case f.Status >= 500:
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "%d: %s", f.Status, http.StatusText(f.Status))
	default:
		writeAPIError(w, f.Status, 0, fmt.Sprintf("%d: %s", f.Status, http.StatusText(f.Status)))
	}
}

// writeRateLimited sends a 429 shaped like the examples in Discord's
// rate-limit docs: Retry-After in whole seconds rounded up, X-RateLimit-Scope,
// X-RateLimit-Global for the global limit, and the JSON body.
func (s *Server) writeRateLimited(w http.ResponseWriter, r *http.Request, f Fault) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter))))
	if f.Global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		reset := s.now().Add(time.Duration(f.RetryAfter * float64(time.Second)))
		h.Set("X-RateLimit-Limit", strconv.Itoa(rateLimitPerWindow))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", formatSeconds(float64(reset.UnixMilli())/1000))
		h.Set("X-RateLimit-Reset-After", formatSeconds(f.RetryAfter))
		h.Set("X-RateLimit-Bucket", bucketName(r.Method, r.URL.Path))
		h.Set("X-RateLimit-Scope", "user")
	}

	w.WriteHeader(http.StatusTooManyRequests)
	if f.Body != "" {
		w.Write([]byte(f.Body))
		return
	}
	w.Write(encodeJSON(rateLimited{
		Message:    "You are being rate limited.",
		RetryAfter: f.RetryAfter,
		Global:     f.Global,
	}))
}
