package config

import (
	"fmt"
	"strings"
)

// DefaultRedirectURI is the redirect URI used when none is configured. It
// must match an entry in the application's Developer Portal settings byte
// for byte.
const DefaultRedirectURI = "http://localhost:3000"

// DefaultScopes returns the scopes requested when none are configured:
// identify (for /users/@me) and guilds (for /users/@me/guilds).
func DefaultScopes() []string {
	return []string{"identify", "guilds"}
}

// Environment variables read by Resolve.
const (
	EnvClientID    = "DAUTH_CLIENT_ID"
	EnvRedirectURI = "DAUTH_REDIRECT_URI"
	EnvScopes      = "DAUTH_SCOPES"
	EnvStorage     = "DAUTH_STORAGE"
)

// Overrides holds the setting flags given on the command line. A nil field
// means the flag was not given. A non-nil field wins even when it points to
// an empty string.
type Overrides struct {
	ClientID    *string
	RedirectURI *string
	Scopes      *string
	Storage     *string
}

// Settings is a profile's effective configuration.
type Settings struct {
	Profile     string
	ClientID    string // empty if set nowhere
	RedirectURI string // not validated here: the login flow parses it
	Scopes      []string
	Storage     string // StorageKeyring or StorageFile
}

// Resolve merges a profile's settings field by field, with the precedence
// flags > environment > stored profile > defaults. An environment variable
// set to the empty string counts as unset. stored may be nil when the config
// file has no such profile.
//
// Resolve validates the profile name, the scopes and the storage, and its
// error names the source of an invalid value. A missing client ID is not an
// error: commands other than login can run without one, so the caller checks
// ClientID where it needs it. The redirect URI is passed through unparsed.
func Resolve(profile string, flags Overrides, getenv func(string) (string, bool), stored *Profile) (Settings, error) {
	if err := ValidateProfileName(profile); err != nil {
		return Settings{}, err
	}
	if stored == nil {
		stored = &Profile{}
	}
	sources := layers{getenv: getenv, profile: profile}

	s := Settings{Profile: profile}
	// The client ID is checked by login, which sends it; other commands
	// must keep working with a bad stored one, so logout can remove it.
	s.ClientID, _, _ = sources.first(flags.ClientID, EnvClientID, stored.ClientID)

	var ok bool

	if s.RedirectURI, _, ok = sources.first(flags.RedirectURI, EnvRedirectURI, stored.RedirectURI); !ok {
		s.RedirectURI = DefaultRedirectURI
	}

	// The file stores scopes as a JSON array. Joining them lets an entry
	// like "identify guilds" work as it would on the command line.
	scopes, source, ok := sources.first(flags.Scopes, EnvScopes, strings.Join(stored.Scopes, " "))
	if !ok {
		s.Scopes = DefaultScopes()
	} else {
		var err error
		if s.Scopes, err = ParseScopes(scopes); err != nil {
			return Settings{}, fmt.Errorf("%w (from %s)", err, source)
		}
	}

	storage, source, ok := sources.first(flags.Storage, EnvStorage, stored.Storage)
	if !ok {
		s.Storage = StorageKeyring
	} else {
		var err error
		if s.Storage, err = ParseStorage(storage); err != nil {
			return Settings{}, fmt.Errorf("%w (from %s)", err, source)
		}
	}

	return s, nil
}

// layers looks a setting up in the flag, environment and config file
// layers, in that order.
type layers struct {
	getenv  func(string) (string, bool)
	profile string
}

// first returns the value of the first layer that sets it, a description of
// that layer for error messages, and whether any layer set it.
func (l layers) first(flag *string, envName, stored string) (value, source string, ok bool) {
	if flag != nil {
		return *flag, "flag", true
	}
	if v, set := l.getenv(envName); set && v != "" {
		return v, "environment variable " + envName, true
	}
	if stored != "" {
		return stored, fmt.Sprintf("profile %q in the config file", l.profile), true
	}
	return "", "", false
}
