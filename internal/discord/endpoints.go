package discord

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultBaseURL is the origin of Discord's OAuth2 pages and API.
const DefaultBaseURL = "https://discord.com"

// APIVersion is the REST API version dauth calls. Discord's API paths are
// always versioned.
const APIVersion = "v10"

// Endpoints is the set of URLs dauth talks to, all derived from one base URL.
type Endpoints struct {
	AuthURL   string // BASE/oauth2/authorize, opened in the browser
	TokenURL  string // BASE/api/oauth2/token
	RevokeURL string // BASE/api/oauth2/token/revoke
	APIBase   string // BASE/api/v10
}

// EndpointsFor derives the endpoints from base, which is DefaultBaseURL when
// empty and otherwise typically the DAUTH_DISCORD_URL override pointing at an
// emulator.
//
// base must be an absolute URL without query, fragment or userinfo. Its scheme
// must be https, or http when the host is a loopback address (localhost,
// 127.0.0.0/8 or ::1), so that tokens and secrets never cross a network in
// clear text. A path prefix and a trailing slash are allowed.
func EndpointsFor(base string) (Endpoints, error) {
	if base == "" {
		base = DefaultBaseURL
	}

	u, err := url.Parse(base)
	if err != nil {
		return Endpoints{}, fmt.Errorf("invalid Discord base URL: %w", err)
	}
	if err := checkBaseURL(base, u); err != nil {
		return Endpoints{}, fmt.Errorf("invalid Discord base URL %q: %w (want https://HOST, or http://HOST with HOST one of localhost, 127.0.0.0/8, ::1)", u.Redacted(), err)
	}

	root := u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
	return Endpoints{
		AuthURL:   root + "/oauth2/authorize",
		TokenURL:  root + "/api/oauth2/token",
		RevokeURL: root + "/api/oauth2/token/revoke",
		APIBase:   root + "/api/" + APIVersion,
	}, nil
}

// checkBaseURL validates the parsed base URL u. raw is the original text,
// because url.Parse drops an empty fragment ("http://host/#").
func checkBaseURL(raw string, u *url.URL) error {
	switch {
	case u.Scheme == "" || u.Opaque != "" || u.Host == "":
		return fmt.Errorf("not an absolute URL")
	case u.User != nil:
		return fmt.Errorf("userinfo is not allowed")
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("a query is not allowed")
	case strings.Contains(raw, "#"):
		return fmt.Errorf("a fragment is not allowed")
	case u.Hostname() == "":
		return fmt.Errorf("missing host")
	}

	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("http is allowed only on a loopback host, not %q", u.Hostname())
	default:
		return fmt.Errorf("unsupported scheme %q", u.Scheme)
	}
}

// isLoopbackHost reports whether host is "localhost" or a literal loopback IP.
// Other names are not resolved: a name that resolves to loopback today may not
// tomorrow.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
