package oauthflow

import (
	"strings"
	"testing"
)

func TestParseRedirectURIValid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		raw      string
		wantHost string
		wantPort int
		wantPath string
	}{
		{raw: "http://localhost:3000", wantHost: "localhost", wantPort: 3000, wantPath: "/"},
		{raw: "http://localhost:3000/callback", wantHost: "localhost", wantPort: 3000, wantPath: "/callback"},
		{raw: "http://LOCALHOST:8080/", wantHost: "LOCALHOST", wantPort: 8080, wantPath: "/"},
		{raw: "http://localhost", wantHost: "localhost", wantPort: 80, wantPath: "/"},
		{raw: "http://127.0.0.1:53682/cb", wantHost: "127.0.0.1", wantPort: 53682, wantPath: "/cb"},
		{raw: "http://127.1.2.3:3000", wantHost: "127.1.2.3", wantPort: 3000, wantPath: "/"},
		{raw: "http://[::1]:3000", wantHost: "::1", wantPort: 3000, wantPath: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()

			u, err := ParseRedirectURI(tt.raw)
			if err != nil {
				t.Fatalf("ParseRedirectURI(%q) error: %v", tt.raw, err)
			}
			if got := u.Hostname(); got != tt.wantHost {
				t.Errorf("host = %q, want %q", got, tt.wantHost)
			}
			port, err := redirectPort(u, tt.raw, false)
			if err != nil {
				t.Fatalf("redirectPort error: %v", err)
			}
			if port != tt.wantPort {
				t.Errorf("port = %d, want %d", port, tt.wantPort)
			}
			if got := redirectPath(u); got != tt.wantPath {
				t.Errorf("path = %q, want %q", got, tt.wantPath)
			}
		})
	}
}

func TestParseRedirectURIInvalid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{name: "https", raw: "https://localhost:3000", want: []string{"https://localhost:3000", "must start with http://", "http://localhost:PORT"}},
		{name: "custom scheme", raw: "myapp://callback", want: []string{"myapp://callback", "http://"}},
		{name: "opaque", raw: "http:localhost:3000", want: []string{"http:localhost:3000", "http://"}},
		{name: "public host", raw: "http://example.com:3000", want: []string{"redirect URI http://example.com:3000 is not a loopback address", "use http://localhost:PORT", "Developer Portal"}},
		{name: "private address", raw: "http://192.168.1.10:3000", want: []string{"192.168.1.10", "not a loopback address"}},
		{name: "any address", raw: "http://0.0.0.0:3000", want: []string{"0.0.0.0", "not a loopback address"}},
		{name: "any IPv6 address", raw: "http://[::]:3000", want: []string{"[::]", "not a loopback address"}},
		{name: "mapped IPv4", raw: "http://[::ffff:127.0.0.1]:3000", want: []string{"not a loopback address"}},
		{name: "zone", raw: "http://[::1%25lo]:3000", want: []string{"not a loopback address"}},
		{name: "localhost subdomain", raw: "http://evil.localhost:3000", want: []string{"not a loopback address"}},
		{name: "userinfo", raw: "http://user:pw@localhost:3000", want: []string{"user name or password"}},
		{name: "fragment", raw: "http://localhost:3000/#done", want: []string{"http://localhost:3000/#done", "fragment"}},
		{name: "empty fragment", raw: "http://localhost:3000/#", want: []string{"fragment"}},
		{name: "port zero", raw: "http://localhost:0", want: []string{"http://localhost:0", "port 0", "http://localhost:3000"}},
		{name: "port too large", raw: "http://localhost:70000", want: []string{"invalid port \"70000\""}},
		{name: "unparsable", raw: "http://localhost:30a0", want: []string{"http://localhost:30a0"}},
		{name: "empty", raw: "", want: []string{"must start with http://"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := ParseRedirectURI(tt.raw)
			if err == nil {
				t.Fatalf("ParseRedirectURI(%q) = nil error, want one", tt.raw)
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not contain %q", err, part)
				}
			}
		})
	}
}
