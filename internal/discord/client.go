package discord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseBytes bounds how much of a response body Do reads. Discord's
// largest responses (200 guilds with counts) are well under 1 MiB.
const maxResponseBytes = 32 << 20

// Client calls Discord's REST API with a user's bearer token.
type Client struct {
	// HTTP sends the requests. NewHTTPClient builds one with the retry and
	// debug transports and a timeout.
	HTTP *http.Client
	// APIBase is the versioned API root, Endpoints.APIBase.
	APIBase string
	// UserAgent is sent on every request, such as
	// "dauth/1.2.3 (+https://github.com/dauth-cli/dauth)".
	UserAgent string
}

// Response is a complete API response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte // as received, never re-encoded
}

// Request is one API request for Send. Do covers the common case.
type Request struct {
	Method string // "" means GET
	// Path is relative to the API base, such as "/users/@me". A path starting
	// with the base's own path ("/api/v10/users/@me") and an absolute URL under
	// the API base are accepted too. A query in Path is merged with Query.
	Path   string
	Query  url.Values
	Header http.Header // extra headers; Authorization is always set from Token
	Body   []byte      // nil means no body
	Token  string      // access token; "" sends no Authorization header
}

// Do sends one request to APIBase+path with "Authorization: Bearer TOKEN".
// A non-nil body is sent as application/json.
//
// A 2xx response returns the Response and a nil error. Any other status
// returns the Response together with an error: *RateLimitError for 429, *ServerError
// for 5xx and *APIError otherwise (errors.Is(err, ErrUnauthorized) for 401).
// Network failures are wrapped with the method and path, as in
// "GET /users/@me: …", and return a nil Response.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte, token string) (*Response, error) {
	return c.Send(ctx, Request{Method: method, Path: path, Query: query, Body: body, Token: token})
}

// Send is Do with extra headers. A Content-Type in r.Header replaces the JSON
// default for a request body.
func (c *Client) Send(ctx context.Context, r Request) (*Response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}

	target, apiPath, err := c.resolve(r.Path, r.Query)
	if err != nil {
		return nil, err
	}

	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, apiPath, err)
	}
	c.setHeaders(req, r)

	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, apiPath, withoutURL(err))
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading response: %w", method, apiPath, withoutURL(err))
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("%s %s: response body is larger than %d MiB", method, apiPath, maxResponseBytes>>20)
	}

	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return out, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		rl := RateLimitFrom(resp.Header, data)
		rl.Method, rl.Path = method, apiPath
		return out, rl
	case resp.StatusCode >= 500:
		return out, &ServerError{Method: method, Path: apiPath, Status: resp.StatusCode, Body: data}
	default:
		return out, newAPIError(method, apiPath, resp.StatusCode, data)
	}
}

func (c *Client) setHeaders(req *http.Request, r Request) {
	for name, values := range r.Header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if r.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}

	req.Header.Del("Authorization")
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
}

// CheckPath reports whether Do would accept path: a path under the API
// base, with no fragment, no "." or ".." segments and no other host. It
// sends nothing.
func (c *Client) CheckPath(path string) error {
	_, _, err := c.resolve(path, nil)
	return err
}

// resolve turns a request path into the full URL and the API path used in
// messages, which never carries the query.
func (c *Client) resolve(path string, query url.Values) (target, apiPath string, err error) {
	if c.HTTP == nil {
		return "", "", errors.New("discord client has no HTTP client")
	}
	base, err := url.Parse(strings.TrimSuffix(c.APIBase, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", "", fmt.Errorf("invalid API base URL %q: want an absolute URL such as %s/api/%s", c.APIBase, DefaultBaseURL, APIVersion)
	}
	basePath := base.EscapedPath()

	apiPath, rawQuery, err := splitRequestPath(path, base)
	if err != nil {
		return "", "", err
	}
	if apiPath == basePath || strings.HasPrefix(apiPath, basePath+"/") {
		apiPath = strings.TrimPrefix(apiPath, basePath)
	}
	if apiPath == "" {
		apiPath = "/"
	}
	if err := checkSegments(apiPath); err != nil {
		return "", "", err
	}

	u, err := url.Parse(base.Scheme + "://" + base.Host + basePath + apiPath)
	if err != nil {
		return "", "", fmt.Errorf("invalid API path %q: %w", apiPath, err)
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", "", fmt.Errorf("invalid query in API path %q: %w", apiPath, err)
	}
	for name, vs := range query {
		for _, v := range vs {
			values.Add(name, v)
		}
	}
	u.RawQuery = values.Encode()
	return u.String(), apiPath, nil
}

// splitRequestPath separates path and query, and checks that an absolute URL
// points under the API base, so the bearer token goes to no other host.
func splitRequestPath(path string, base *url.URL) (apiPath, rawQuery string, err error) {
	u, parseErr := url.Parse(path)
	if parseErr == nil && (u.Scheme != "" || u.Host != "") {
		basePath := base.EscapedPath()
		underBase := strings.EqualFold(u.Scheme, base.Scheme) &&
			strings.EqualFold(u.Host, base.Host) &&
			u.User == nil &&
			(u.EscapedPath() == basePath || strings.HasPrefix(u.EscapedPath(), basePath+"/"))
		if !underBase {
			return "", "", fmt.Errorf("rejected URL %q: requests may go only to paths under %s", u.Redacted(), base.Redacted())
		}
		if strings.Contains(path, "#") {
			return "", "", fmt.Errorf("invalid API path %q: a fragment is not allowed", u.Redacted())
		}
		return u.EscapedPath(), u.RawQuery, nil
	}

	apiPath, rawQuery, _ = strings.Cut(path, "?")
	if strings.Contains(path, "#") {
		return "", "", fmt.Errorf("invalid API path %q: a fragment is not allowed", apiPath)
	}
	if !strings.HasPrefix(apiPath, "/") {
		apiPath = "/" + apiPath
	}
	return apiPath, rawQuery, nil
}

// checkSegments rejects "." and ".." segments, which a server or proxy might
// resolve to a path outside the API base.
func checkSegments(apiPath string) error {
	for _, segment := range strings.Split(apiPath, "/") {
		unescaped, err := url.PathUnescape(segment)
		if err != nil {
			return fmt.Errorf("invalid API path %q: %w", apiPath, err)
		}
		if unescaped == "." || unescaped == ".." {
			return fmt.Errorf("invalid API path %q: %q segments are not allowed", apiPath, unescaped)
		}
	}
	return nil
}

// withoutURL drops the *url.Error layer that net/http adds, because its
// message repeats the full URL including the query.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
