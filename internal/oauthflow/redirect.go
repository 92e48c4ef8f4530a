package oauthflow

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ParseRedirectURI parses and checks a redirect URI for the loopback listener.
//
// Discord sends the authorization code to this URI, and dauth receives it on a
// listener on this machine, so the URI must use http:// with host localhost, an
// address in 127.0.0.0/8 or [::1]. The port is the explicit one, or 80 when the
// URI has none, and must not be 0. Fragments and userinfo are rejected. Each
// error names the value and the fix.
func ParseRedirectURI(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid redirect URI %q: %w; use http://localhost:PORT", raw, err)
	}

	if err := checkRedirectURL(u, raw, false); err != nil {
		return nil, err
	}

	return u, nil
}

// checkRedirectURL applies the rules of ParseRedirectURI to u. Port 0 is
// accepted only when allowPortZero is set, which Listen does so that tests can
// ask the kernel for a free port.
func checkRedirectURL(u *url.URL, raw string, allowPortZero bool) error {
	if u.Scheme != "http" || u.Opaque != "" {
		return fmt.Errorf("redirect URI %s must start with http://: dauth receives the code on a plain HTTP listener on this machine; use http://localhost:PORT and register it in the Discord Developer Portal", raw)
	}

	if u.User != nil {
		return fmt.Errorf("redirect URI %s must not contain a user name or password; use http://localhost:PORT", raw)
	}

	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %s must not contain a fragment (#…): browsers never send it to the listener; remove it here and in the Discord Developer Portal", raw)
	}

	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("redirect URI %s is not a loopback address; dauth receives the code on this machine: use http://localhost:PORT and register it in the Discord Developer Portal", raw)
	}

	if _, err := redirectPort(u, raw, allowPortZero); err != nil {
		return err
	}

	return nil
}

// isLoopbackHost reports whether host is "localhost", an IPv4 address in
// 127.0.0.0/8 or the IPv6 loopback address. IPv4-mapped IPv6 forms and zones
// are rejected: browsers do not send loopback traffic to them reliably.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}

	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return false
	}

	if addr.Is4() {
		return addr.IsLoopback()
	}

	return addr == netip.IPv6Loopback()
}

// redirectPort returns the port of u: the explicit one or 80, the default port
// of http://.
func redirectPort(u *url.URL, raw string, allowPortZero bool) (int, error) {
	text := u.Port()
	if text == "" {
		return 80, nil
	}

	port, err := strconv.Atoi(text)
	if err != nil || port < 0 || port > 65535 {
		return 0, fmt.Errorf("redirect URI %s has an invalid port %q; use a port from 1 to 65535, for example http://localhost:3000", raw, text)
	}

	if port == 0 && !allowPortZero {
		return 0, fmt.Errorf("redirect URI %s has port 0; Discord needs the exact registered port, so use a fixed one such as http://localhost:3000", raw)
	}

	return port, nil
}

// redirectPath returns the path that the listener serves: the redirect URI's
// path, or "/" when it is empty.
func redirectPath(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}

	return u.Path
}
