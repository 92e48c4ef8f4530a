package discord

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// mask replaces every secret value in debug output.
const mask = "***"

// isSecretParam reports whether a query, form or JSON field holds a secret:
// an authorization code, a token, a PKCE verifier or a client secret.
func isSecretParam(name string) bool {
	switch strings.ToLower(name) {
	case "code", "access_token", "refresh_token", "token", "code_verifier", "client_secret":
		return true
	}
	return false
}

// DebugTransport writes one line per HTTP request to Out: method, URL,
// status and duration in milliseconds. For a failed request (status >= 400
// or a transport error) it adds the request body and the response body.
//
// Secrets are masked structurally: the URL's query, form-encoded bodies and
// JSON bodies are parsed and the values of code, access_token, refresh_token,
// token, code_verifier and client_secret are replaced by "***", as are the
// token segments of /webhooks/ID/TOKEN and /interactions/ID/TOKEN paths. A
// body that is neither valid form encoding (by its Content-Type) nor valid
// JSON, or is longer than 64 KiB, is replaced by its size. As a second line
// of defense, every secret value of 8 or more characters seen in the request
// (including the Authorization header's credentials) is masked wherever else
// it appears in the record. Headers are never written.
type DebugTransport struct {
	Base http.RoundTripper // nil means http.DefaultTransport
	Out  io.Writer
	Now  func() time.Time // nil means time.Now
}

// RoundTrip implements http.RoundTripper.
func (t *DebugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	now := t.Now
	if now == nil {
		now = time.Now
	}

	send, requestBody, err := snapshotRequestBody(req)
	if err != nil {
		return nil, err
	}

	start := now()
	resp, err := base.RoundTrip(send)
	elapsed := now().Sub(start).Milliseconds()

	rec := debugRecord{secrets: requestSecrets(send)}
	if err != nil {
		rec.linef("%s %s: failed after %d ms: %v", req.Method, maskURL(req.URL), elapsed, err)
		rec.body("request", req.Header.Get("Content-Type"), requestBody(), false)
		rec.writeTo(t.Out)
		return nil, err
	}

	rec.linef("%s %s: %d %s (%d ms)", req.Method, maskURL(req.URL), resp.StatusCode, http.StatusText(resp.StatusCode), elapsed)
	if resp.StatusCode >= 400 {
		rec.body("request", req.Header.Get("Content-Type"), requestBody(), false)
		var head []byte
		head, resp.Body = peekBody(resp.Body)
		rec.body("response", resp.Header.Get("Content-Type"), head, len(head) >= peekLimit)
	}
	rec.writeTo(t.Out)
	return resp, nil
}

// snapshotRequestBody returns the request to send and a function that
// returns the body as sent. A body without GetBody is read up front and
// replaced, because the base transport consumes it.
func snapshotRequestBody(req *http.Request) (*http.Request, func() []byte, error) {
	if !hasBody(req) {
		return req, func() []byte { return nil }, nil
	}

	if req.GetBody != nil {
		return req, func() []byte {
			body, err := req.GetBody()
			if err != nil {
				return nil
			}
			defer body.Close()
			data, _ := io.ReadAll(io.LimitReader(body, peekLimit+1))
			return data
		}, nil
	}

	data, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	send := req.Clone(req.Context())
	send.Body = io.NopCloser(bytes.NewReader(data))
	send.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return send, func() []byte { return data }, nil
}

// debugRecord collects the lines for one request so they are written with a
// single Write and stay together when requests run in parallel.
type debugRecord struct {
	buf     strings.Builder
	secrets []string
}

func (r *debugRecord) linef(format string, args ...any) {
	r.buf.WriteString("debug: ")
	fmt.Fprintf(&r.buf, format, args...)
	r.buf.WriteByte('\n')
}

func (r *debugRecord) body(label, contentType string, data []byte, truncated bool) {
	if len(data) == 0 {
		return
	}
	r.linef("  %s body: %s", label, maskBody(contentType, data, truncated))
}

func (r *debugRecord) writeTo(w io.Writer) {
	if w == nil {
		return
	}
	text := r.buf.String()
	for _, s := range r.secrets {
		text = strings.ReplaceAll(text, s, mask)
	}
	_, _ = io.WriteString(w, text)
}

// minEchoedSecret is the shortest secret value that writeTo replaces by plain
// substring search; shorter values would mask unrelated text such as status
// codes. Real tokens, codes and verifiers are far longer.
const minEchoedSecret = 8

// requestSecrets collects the secret values that the request carries, longest
// first so that a secret containing another is masked whole.
func requestSecrets(req *http.Request) []string {
	var secrets []string
	add := func(s string) {
		if len(s) >= minEchoedSecret {
			secrets = append(secrets, s)
		}
	}

	for name, values := range req.URL.Query() {
		if isSecretParam(name) {
			for _, v := range values {
				add(v)
			}
		}
	}

	scheme, credentials, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	add(credentials)
	if strings.EqualFold(scheme, "Basic") {
		if decoded, err := base64.StdEncoding.DecodeString(credentials); err == nil {
			_, password, _ := strings.Cut(string(decoded), ":")
			add(password)
			if unescaped, err := url.QueryUnescape(password); err == nil {
				add(unescaped)
			}
		}
	}

	if hasBody(req) && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(io.LimitReader(body, peekLimit))
			_ = body.Close()
			if form, err := url.ParseQuery(string(data)); err == nil {
				for name, values := range form {
					if isSecretParam(name) {
						for _, v := range values {
							add(v)
						}
					}
				}
			}
			var v any
			if json.Unmarshal(data, &v) == nil {
				collectJSONSecrets(v, add)
			}
		}
	}

	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	return secrets
}

// collectJSONSecrets passes the string values of secret fields in v to add.
func collectJSONSecrets(v any, add func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for name, child := range v {
			if s, ok := child.(string); ok && isSecretParam(name) {
				add(s)
			} else {
				collectJSONSecrets(child, add)
			}
		}
	case []any:
		for _, child := range v {
			collectJSONSecrets(child, add)
		}
	}
}

// maskURL returns u without userinfo and fragment, with secret query values
// and webhook or interaction tokens in the path masked. The query keeps its
// order and encoding. A query that cannot be parsed is omitted.
func maskURL(u *url.URL) string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(maskPath(u.EscapedPath()))

	if u.RawQuery == "" {
		return b.String()
	}
	query, ok := maskForm(u.RawQuery)
	if !ok {
		b.WriteString("?[query omitted: not valid URL encoding]")
		return b.String()
	}
	b.WriteString("?")
	b.WriteString(query)
	return b.String()
}

// maskPath masks the TOKEN in …/webhooks/ID/TOKEN and …/interactions/ID/TOKEN,
// which authenticate the request by themselves.
func maskPath(path string) string {
	segments := strings.Split(path, "/")
	for i := 0; i+2 < len(segments); i++ {
		if segments[i] == "webhooks" || segments[i] == "interactions" {
			segments[i+2] = mask
			i += 2
		}
	}
	return strings.Join(segments, "/")
}

// maskForm masks secret values in a form-encoded string, keeping the order
// and the encoding of the other pairs. ok is false if any pair is not valid
// URL encoding.
func maskForm(raw string) (masked string, ok bool) {
	pairs := strings.Split(raw, "&")
	for i, pair := range pairs {
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return "", false
		}
		if _, err := url.QueryUnescape(rawValue); err != nil {
			return "", false
		}
		if isSecretParam(name) {
			pairs[i] = rawName + "=" + mask
		}
	}
	return strings.Join(pairs, "&"), true
}

// maskBody returns a body for a debug line with secret fields masked, or a
// placeholder when the body cannot be parsed in full.
func maskBody(contentType string, data []byte, truncated bool) string {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	omitted := func(reason string) string {
		if mediaType == "" {
			return fmt.Sprintf("[%d bytes omitted: %s]", len(data), reason)
		}
		return fmt.Sprintf("[%d bytes of %s omitted: %s]", len(data), mediaType, reason)
	}
	if truncated {
		return omitted("too long to mask")
	}

	// A form body is parsed only when labelled as one: almost any text parses
	// as a form, so a guess could print a secret as a field name.
	if mediaType == "application/x-www-form-urlencoded" {
		if masked, ok := maskForm(string(data)); ok {
			return masked
		}
		return omitted("not valid form encoding")
	}

	if masked, ok := maskJSON(data); ok {
		return masked
	}
	return omitted("not form-encoded or JSON")
}

// maskJSON masks the values of secret fields at any depth. The output is
// compact and sorts object keys.
func maskJSON(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false
	}

	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(maskJSONValue(v)); err != nil {
		return "", false
	}
	return strings.TrimSuffix(out.String(), "\n"), true
}

func maskJSONValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for name, child := range v {
			switch child.(type) {
			case string, []any:
				if isSecretParam(name) {
					v[name] = mask
				} else {
					v[name] = maskJSONValue(child)
				}
			default:
				// Numbers, booleans and null are no secret, and Discord's
				// numeric error "code" and its form-error object under
				// "code" are what the user needs to see.
				v[name] = maskJSONValue(child)
			}
		}
		return v
	case []any:
		for i, child := range v {
			v[i] = maskJSONValue(child)
		}
		return v
	default:
		return v
	}
}
