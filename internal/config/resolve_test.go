package config

import (
	"reflect"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	stored := &Profile{ClientID: "1000000000000000033", RedirectURI: "http://localhost:4000", Scopes: []string{"identify", "email"}, Storage: "file"}
	fullEnv := map[string]string{
		"DAUTH_CLIENT_ID":    "1000000000000000022",
		"DAUTH_REDIRECT_URI": "http://localhost:5000",
		"DAUTH_SCOPES":       "identify,connections",
		"DAUTH_STORAGE":      "keyring",
	}
	allFlags := Overrides{
		ClientID:    ptr("1000000000000000011"),
		RedirectURI: ptr("http://127.0.0.1:6000/cb"),
		Scopes:      ptr("guilds guilds.members.read"),
		Storage:     ptr("file"),
	}

	tests := []struct {
		name   string
		flags  Overrides
		env    map[string]string
		stored *Profile
		want   Settings
	}{
		{
			name: "defaults",
			want: Settings{Profile: "default", RedirectURI: DefaultRedirectURI, Scopes: []string{"identify", "guilds"}, Storage: "keyring"},
		},
		{
			name:   "stored over defaults",
			stored: stored,
			want:   Settings{Profile: "default", ClientID: "1000000000000000033", RedirectURI: "http://localhost:4000", Scopes: []string{"identify", "email"}, Storage: "file"},
		},
		{
			name:   "env over stored",
			env:    fullEnv,
			stored: stored,
			want:   Settings{Profile: "default", ClientID: "1000000000000000022", RedirectURI: "http://localhost:5000", Scopes: []string{"identify", "connections"}, Storage: "keyring"},
		},
		{
			name:   "flags over env",
			flags:  allFlags,
			env:    fullEnv,
			stored: stored,
			want:   Settings{Profile: "default", ClientID: "1000000000000000011", RedirectURI: "http://127.0.0.1:6000/cb", Scopes: []string{"guilds", "guilds.members.read"}, Storage: "file"},
		},
		{
			name:   "per field",
			flags:  Overrides{Scopes: ptr("identify")},
			env:    map[string]string{"DAUTH_CLIENT_ID": "1000000000000000022"},
			stored: &Profile{RedirectURI: "http://localhost:4000"},
			want:   Settings{Profile: "default", ClientID: "1000000000000000022", RedirectURI: "http://localhost:4000", Scopes: []string{"identify"}, Storage: "keyring"},
		},
		{
			name:   "empty env is unset",
			env:    map[string]string{"DAUTH_CLIENT_ID": "", "DAUTH_REDIRECT_URI": "", "DAUTH_SCOPES": "", "DAUTH_STORAGE": ""},
			stored: stored,
			want:   Settings{Profile: "default", ClientID: "1000000000000000033", RedirectURI: "http://localhost:4000", Scopes: []string{"identify", "email"}, Storage: "file"},
		},
		{
			name:   "empty client id flag wins",
			flags:  Overrides{ClientID: ptr("")},
			env:    fullEnv,
			stored: stored,
			want:   Settings{Profile: "default", ClientID: "", RedirectURI: "http://localhost:5000", Scopes: []string{"identify", "connections"}, Storage: "keyring"},
		},
		{
			name:   "stored scopes with spaces",
			stored: &Profile{Scopes: []string{"identify guilds", "guilds"}},
			want:   Settings{Profile: "default", RedirectURI: DefaultRedirectURI, Scopes: []string{"identify", "guilds"}, Storage: "keyring"},
		},
		{
			name:   "empty stored profile",
			stored: &Profile{},
			want:   Settings{Profile: "default", RedirectURI: DefaultRedirectURI, Scopes: []string{"identify", "guilds"}, Storage: "keyring"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve("default", tt.flags, envMap(tt.env), tt.stored)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string
		flags   Overrides
		env     map[string]string
		stored  *Profile
		want    []string // substrings of the error
	}{
		{name: "bad profile", profile: "../x", want: []string{`"../x"`}},
		{name: "bad scope flag", flags: Overrides{Scopes: ptr("identify nope")}, want: []string{`"nope"`, "flag"}},
		{name: "empty scope flag", flags: Overrides{Scopes: ptr("")}, want: []string{"no scopes", "flag"}},
		{name: "bad scope env", env: map[string]string{"DAUTH_SCOPES": "nope"}, want: []string{`"nope"`, "DAUTH_SCOPES"}},
		{name: "bad scope stored", stored: &Profile{Scopes: []string{"nope"}}, want: []string{`"nope"`, `profile "default" in the config file`}},
		{name: "bad storage flag", flags: Overrides{Storage: ptr("disk")}, want: []string{`"disk"`, "flag"}},
		{name: "empty storage flag", flags: Overrides{Storage: ptr("")}, want: []string{`""`, "flag"}},
		{name: "bad storage env", env: map[string]string{"DAUTH_STORAGE": "disk"}, want: []string{`"disk"`, "DAUTH_STORAGE"}},
		{name: "bad storage stored", stored: &Profile{Storage: "disk"}, want: []string{`"disk"`, "config file"}},
		{name: "flag hides bad env", flags: Overrides{Storage: ptr("nope")}, env: map[string]string{"DAUTH_STORAGE": "file"}, want: []string{`"nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			profile := tt.profile
			if profile == "" {
				profile = "default"
			}
			_, err := Resolve(profile, tt.flags, envMap(tt.env), tt.stored)
			if err == nil {
				t.Fatal("Resolve succeeded, want error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %s", err, w)
				}
			}
		})
	}
}

func TestResolveValidFlagHidesBadEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DAUTH_SCOPES": "nope", "DAUTH_STORAGE": "disk"}
	got, err := Resolve("default", Overrides{Scopes: ptr("identify"), Storage: ptr("file")}, envMap(env), nil)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if got.Storage != StorageFile {
		t.Errorf("Storage = %q, want %q", got.Storage, StorageFile)
	}
}

func TestDefaultScopesCopy(t *testing.T) {
	t.Parallel()
	s := DefaultScopes()
	s[0] = "changed"
	if DefaultScopes()[0] != "identify" {
		t.Error("DefaultScopes returned shared state")
	}
}

func TestResolveScopesNotShared(t *testing.T) {
	t.Parallel()
	a, err := Resolve("default", Overrides{}, envMap(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Scopes[0] = "changed"
	b, err := Resolve("default", Overrides{}, envMap(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Scopes[0] != "identify" {
		t.Errorf("second Resolve Scopes = %v, want defaults", b.Scopes)
	}
}
