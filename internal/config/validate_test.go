package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestValidateProfileName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		wantErr bool
	}{
		{name: "default", input: "default"},
		{name: "all classes", input: "Work_2.prod-eu"},
		{name: "single char", input: "a"},
		{name: "digit first", input: "1"},
		{name: "underscore first", input: "_x"},
		{name: "max length", input: strings.Repeat("a", 64)},
		{name: "empty", input: "", wantErr: true},
		{name: "too long", input: strings.Repeat("a", 65), wantErr: true},
		{name: "dot first", input: ".hidden", wantErr: true},
		{name: "dash first", input: "-x", wantErr: true},
		{name: "dot dot", input: "..", wantErr: true},
		{name: "slash", input: "a/b", wantErr: true},
		{name: "backslash", input: `a\b`, wantErr: true},
		{name: "colon", input: "a:client-secret", wantErr: true},
		{name: "space", input: "a b", wantErr: true},
		{name: "non-ASCII", input: "prod\u00e9", wantErr: true},
		{name: "NUL", input: "a\x00", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateProfileName(tt.input)
			if tt.wantErr != (err != nil) {
				t.Fatalf("ValidateProfileName(%q) = %v, want error: %v", tt.input, err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.input)) {
				t.Errorf("error %q does not name the value", err)
			}
			if !strings.Contains(err.Error(), "1 to 64") {
				t.Errorf("error %q does not state the rule", err)
			}
		})
	}
}

func TestParseScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		want    []string
		wantErr string
	}{
		{name: "spaces", input: "identify guilds", want: []string{"identify", "guilds"}},
		{name: "commas", input: "identify,guilds,email", want: []string{"identify", "guilds", "email"}},
		{name: "mixed", input: " identify, guilds ,,email  connections ", want: []string{"identify", "guilds", "email", "connections"}},
		{name: "tabs and newlines", input: "identify\tguilds\nemail", want: []string{"identify", "guilds", "email"}},
		{name: "dedupe keeps first", input: "guilds identify guilds", want: []string{"guilds", "identify"}},
		{name: "dotted", input: "guilds.members.read applications.commands.permissions.update", want: []string{"guilds.members.read", "applications.commands.permissions.update"}},
		{name: "underscore", input: "role_connections.write dm_channels.read", want: []string{"role_connections.write", "dm_channels.read"}},
		{name: "unknown", input: "identify guild", wantErr: `"guild"`},
		{name: "case sensitive", input: "Identify", wantErr: `"Identify"`},
		{name: "rpc wildcard", input: "rpc.*", wantErr: `"rpc.*"`},
		{name: "empty", input: "", wantErr: "no scopes"},
		{name: "only separators", input: " , ,", wantErr: "no scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseScopes(tt.input)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseScopes(%q) = %v, want error", tt.input, got)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseScopes(%q): %v", tt.input, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseScopes(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestKnownScopesSorted(t *testing.T) {
	t.Parallel()
	// ParseScopes uses a binary search.
	if !slices.IsSorted(knownScopes) {
		t.Error("knownScopes is not sorted")
	}
	if len(slices.Compact(slices.Clone(knownScopes))) != len(knownScopes) {
		t.Error("knownScopes has duplicates")
	}
}

func TestKnownScopesAllParse(t *testing.T) {
	t.Parallel()
	all := KnownScopes()
	got, err := ParseScopes(strings.Join(all, " "))
	if err != nil {
		t.Fatalf("ParseScopes(all known): %v", err)
	}
	if !reflect.DeepEqual(got, all) {
		t.Errorf("ParseScopes(all known) = %v, want %v", got, all)
	}
}

func TestKnownScopesCopy(t *testing.T) {
	t.Parallel()
	s := KnownScopes()
	s[0] = "changed"
	if KnownScopes()[0] == "changed" {
		t.Error("KnownScopes returned the package's own slice")
	}
}

func TestParseStorage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input   string
		want    string
		wantErr bool
	}{
		{input: "keyring", want: StorageKeyring},
		{input: "file", want: StorageFile},
		{input: "", wantErr: true},
		{input: "Keyring", wantErr: true},
		{input: "files", wantErr: true},
		{input: " file", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			t.Parallel()
			got, err := ParseStorage(tt.input)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseStorage(%q) = %q, want error", tt.input, got)
				}
				if !strings.Contains(err.Error(), `"keyring" or "file"`) {
					t.Errorf("error %q does not list the valid values", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStorage(%q): %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("ParseStorage(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestValidateClientID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id    string
		valid bool
	}{
		{"1000000000000000001", true},
		{"18446744073709551615", true},
		{"7", true},
		{"abc", false},
		{"123456789012345678901", false},
		{"12345 ", false},
		{"-1", false},
	}
	for _, tc := range cases {
		err := ValidateClientID(tc.id)
		if tc.valid && err != nil {
			t.Errorf("ValidateClientID(%q) = %v, want nil", tc.id, err)
		}
		if !tc.valid && err == nil {
			t.Errorf("ValidateClientID(%q) = nil, want an error", tc.id)
		}
	}
}
