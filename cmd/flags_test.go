package cmd

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// runWithRunF runs `dauth ARGS` with the subcommand that newCmd builds
// swapped in, so its runF receives the parsed options instead of running.
// It returns the exit code Main would return.
func runWithRunF(t *testing.T, newCmd func(a *app) *cobra.Command, args []string) int {
	t.Helper()
	f := &Factory{
		In:     strings.NewReader(""),
		Out:    io.Discard,
		ErrOut: io.Discard,
		Getenv: func(string) (string, bool) { return "", false },
	}
	a := &app{f: f}
	root := newRootCmd(a)
	sub := newCmd(a)
	for _, c := range root.Commands() {
		if c.Name() == sub.Name() {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(sub)
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return ExitOK
	}
	return exitCode(err)
}

func TestFlagsLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		want     loginOptions
		wantCode int
	}{
		{name: "defaults", args: nil, want: loginOptions{Timeout: 5 * time.Minute}},
		{
			name: "all",
			args: []string{"--client-id", "1", "--redirect-uri", "http://localhost:8080", "--scopes", "identify email", "--client-secret-stdin", "--no-browser", "--insecure-storage", "--timeout", "90s"},
			want: loginOptions{ClientID: "1", RedirectURI: "http://localhost:8080", Scopes: "identify email", ClientSecretStdin: true, NoBrowser: true, InsecureStorage: true, Timeout: 90 * time.Second},
		},
		{name: "zero timeout", args: []string{"--timeout", "0s"}, wantCode: ExitUsage},
		{name: "negative timeout", args: []string{"--timeout", "-1m"}, wantCode: ExitUsage},
		{name: "bad duration", args: []string{"--timeout", "soon"}, wantCode: ExitUsage},
		{name: "secret as flag", args: []string{"--client-secret", "x"}, wantCode: ExitUsage},
		{name: "argument", args: []string{"extra"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *loginOptions
			code := runWithRunF(t, func(a *app) *cobra.Command {
				return newLoginCmd(a, func(_ context.Context, o *loginOptions) error { got = o; return nil })
			}, append([]string{"login"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			if tt.wantCode != ExitOK {
				return
			}
			got.flags = tt.want.flags // pointers; TestFlagsLoginOverrides checks them
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestFlagsLoginOverrides(t *testing.T) {
	t.Parallel()
	var got *loginOptions
	code := runWithRunF(t, func(a *app) *cobra.Command {
		return newLoginCmd(a, func(_ context.Context, o *loginOptions) error { got = o; return nil })
	}, []string{"login", "--client-id", "", "--insecure-storage"})
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if got.flags.ClientID == nil || *got.flags.ClientID != "" {
		t.Errorf("flags.ClientID = %v, want a pointer to the empty value given", got.flags.ClientID)
	}
	if got.flags.RedirectURI != nil {
		t.Errorf("flags.RedirectURI = %v, want nil for a flag not given", *got.flags.RedirectURI)
	}
	if got.flags.Storage == nil || *got.flags.Storage != "file" {
		t.Errorf("flags.Storage = %v, want file", got.flags.Storage)
	}
}

func TestFlagsMe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		want     meOptions
		wantCode int
	}{
		{name: "defaults"},
		{name: "json", args: []string{"--json"}, want: meOptions{Output: jsonOutput{JSON: true}}},
		{name: "jq implies json", args: []string{"--jq", ".id"}, want: meOptions{Output: jsonOutput{JSON: true, JQ: ".id"}}},
		{name: "refresh", args: []string{"--refresh"}, want: meOptions{Refresh: true}},
		{name: "bad jq", args: []string{"--jq", ".["}, wantCode: ExitUsage},
		{name: "unknown flag", args: []string{"--all"}, wantCode: ExitUsage},
		{name: "bad profile", args: []string{"--profile", "a/b"}, wantCode: ExitUsage},
		{name: "argument", args: []string{"extra"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *meOptions
			code := runWithRunF(t, func(a *app) *cobra.Command {
				return newMeCmd(a, func(_ context.Context, o *meOptions) error { got = o; return nil })
			}, append([]string{"me"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			if tt.wantCode != ExitOK {
				return
			}
			if got.Refresh != tt.want.Refresh || got.Output.JSON != tt.want.Output.JSON || got.Output.JQ != tt.want.Output.JQ {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestFlagsGuilds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		want     guildsOptions
		wantCode int
	}{
		{name: "defaults"},
		{name: "json refresh", args: []string{"--json", "--refresh"}, want: guildsOptions{Refresh: true, Output: jsonOutput{JSON: true}}},
		{name: "jq", args: []string{"--jq", "length"}, want: guildsOptions{Output: jsonOutput{JSON: true, JQ: "length"}}},
		{name: "bad jq", args: []string{"--jq", "nope("}, wantCode: ExitUsage},
		{name: "unknown flag", args: []string{"--paginate"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *guildsOptions
			code := runWithRunF(t, func(a *app) *cobra.Command {
				return newGuildsCmd(a, func(_ context.Context, o *guildsOptions) error { got = o; return nil })
			}, append([]string{"guilds"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			if tt.wantCode != ExitOK {
				return
			}
			if got.Refresh != tt.want.Refresh || got.Output.JSON != tt.want.Output.JSON || got.Output.JQ != tt.want.Output.JQ {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestFlagsStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		want     statusOptions
		wantCode int
	}{
		{name: "defaults"},
		{name: "all json", args: []string{"--all", "--json"}, want: statusOptions{All: true, Output: jsonOutput{JSON: true}}},
		{name: "jq", args: []string{"--jq", ".state"}, want: statusOptions{Output: jsonOutput{JSON: true, JQ: ".state"}}},
		{name: "bad jq", args: []string{"--jq", "{"}, wantCode: ExitUsage},
		{name: "argument", args: []string{"work"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *statusOptions
			code := runWithRunF(t, func(a *app) *cobra.Command {
				return newStatusCmd(a, func(_ context.Context, o *statusOptions) error { got = o; return nil })
			}, append([]string{"status"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			if tt.wantCode != ExitOK {
				return
			}
			if got.All != tt.want.All || got.Output.JSON != tt.want.Output.JSON || got.Output.JQ != tt.want.Output.JQ {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestFlagsTokenLogout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		args        []string
		wantRefresh bool
		wantForget  bool
		wantCode    int
	}{
		{name: "token", args: []string{"token"}},
		{name: "token refresh", args: []string{"token", "--refresh"}, wantRefresh: true},
		{name: "token json", args: []string{"token", "--json"}, wantCode: ExitUsage},
		{name: "token argument", args: []string{"token", "x"}, wantCode: ExitUsage},
		{name: "logout", args: []string{"logout"}},
		{name: "logout forget", args: []string{"logout", "--forget-app"}, wantForget: true},
		{name: "logout unknown flag", args: []string{"logout", "--all"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var refresh, forget bool
			code := runWithRunF(t, func(a *app) *cobra.Command {
				if tt.args[0] == "token" {
					return newTokenCmd(a, func(_ context.Context, o *tokenOptions) error { refresh = o.Refresh; return nil })
				}
				return newLogoutCmd(a, func(_ context.Context, o *logoutOptions) error { forget = o.ForgetApp; return nil })
			}, tt.args)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			if refresh != tt.wantRefresh {
				t.Errorf("Refresh = %v, want %v", refresh, tt.wantRefresh)
			}
			if forget != tt.wantForget {
				t.Errorf("ForgetApp = %v, want %v", forget, tt.wantForget)
			}
		})
	}
}

func TestFlagsAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantPath  string
		wantMeth  string
		wantQuery string
		wantBody  string
		wantPage  bool
		wantCode  int
	}{
		{name: "get", args: []string{"/users/@me"}, wantPath: "/users/@me", wantMeth: "GET"},
		{name: "relative path", args: []string{"users/@me"}, wantPath: "/users/@me", wantMeth: "GET"},
		{name: "fields make post", args: []string{"/x", "-f", "a=1", "-f", "b=c=d"}, wantPath: "/x", wantMeth: "POST", wantBody: `{"a":"1","b":"c=d"}`},
		{name: "get fields query", args: []string{"/x", "-X", "get", "-f", "limit=2", "-f", "limit=3"}, wantPath: "/x", wantMeth: "GET", wantQuery: "limit=2&limit=3"},
		{name: "paginate fields query", args: []string{"/x", "--paginate", "-f", "limit=200"}, wantPath: "/x", wantMeth: "GET", wantQuery: "limit=200", wantPage: true},
		{name: "delete", args: []string{"/x", "--method", "DELETE"}, wantPath: "/x", wantMeth: "DELETE"},
		{name: "no path", args: nil, wantCode: ExitUsage},
		{name: "two paths", args: []string{"/a", "/b"}, wantCode: ExitUsage},
		{name: "absolute URL", args: []string{"https://discord.com/api/v10/users/@me"}, wantCode: ExitUsage},
		{name: "bad method", args: []string{"/x", "-X", "BREW"}, wantCode: ExitUsage},
		{name: "paginate post", args: []string{"/x", "--paginate", "-X", "POST"}, wantCode: ExitUsage},
		{name: "field without value", args: []string{"/x", "-f", "novalue"}, wantCode: ExitUsage},
		{name: "field without key", args: []string{"/x", "-f", "=v"}, wantCode: ExitUsage},
		{name: "bad jq", args: []string{"/x", "--jq", ".["}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *apiOptions
			code := runWithRunF(t, func(a *app) *cobra.Command {
				return newAPICmd(a, func(_ context.Context, o *apiOptions) error { got = o; return nil })
			}, append([]string{"api"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d", code, tt.wantCode)
			}
			if tt.wantCode != ExitOK {
				return
			}
			if got.Path != tt.wantPath {
				t.Errorf("Path = %q, want %q", got.Path, tt.wantPath)
			}
			if got.Method != tt.wantMeth {
				t.Errorf("Method = %q, want %q", got.Method, tt.wantMeth)
			}
			if q := got.query.Encode(); q != tt.wantQuery {
				t.Errorf("query = %q, want %q", q, tt.wantQuery)
			}
			if string(got.body) != tt.wantBody {
				t.Errorf("body = %q, want %q", got.body, tt.wantBody)
			}
			if got.Paginate != tt.wantPage {
				t.Errorf("Paginate = %v, want %v", got.Paginate, tt.wantPage)
			}
		})
	}
}
