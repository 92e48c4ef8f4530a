package config

import (
	"fmt"
	"slices"
	"strings"
)

// Storage backends for a profile's tokens.
const (
	StorageKeyring = "keyring" // the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager)
	StorageFile    = "file"    // a 0600 file in the config directory, chosen explicitly by the user
)

const maxProfileNameLen = 64

// ValidateProfileName checks that name has 1 to 64 characters from
// [A-Za-z0-9._-] and does not start with '.' or '-'. The name becomes part
// of file names and keyring item names, so the rule keeps it free of path
// separators, of ':' (which separates the client-secret item) and of
// anything a shell or a flag parser would misread.
func ValidateProfileName(name string) error {
	const rule = "use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'"

	if name == "" || len(name) > maxProfileNameLen || name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("invalid profile name %q: %s", name, rule)
	}
	for i := 0; i < len(name); i++ {
		if !isProfileNameByte(name[i]) {
			return fmt.Errorf("invalid profile name %q: %s", name, rule)
		}
	}
	return nil
}

func isProfileNameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == '-':
		return true
	}
	return false
}

// knownScopes is the union of the scope table in Discord's OAuth2
// documentation (discord/discord-api-docs, developers/topics/oauth2.mdx)
// and the OAuth2Scopes enum in Discord's OpenAPI description
// (discord/discord-api-spec). Both were read in December 2026.
//
// NOTE: Discord adds scopes over time (for example for its Social SDK), and
// a scope missing here is rejected locally, before any request. Extend the
// list when Discord documents a new scope.
var knownScopes = []string{
	"activities.invites.write",
	"activities.read",
	"activities.write",
	"applications.builds.read",
	"applications.builds.upload",
	"applications.commands",
	"applications.commands.permissions.update",
	"applications.commands.update",
	"applications.entitlements",
	"applications.store.update",
	"bot",
	"connections",
	"dm_channels.read",
	"email",
	"gdm.join",
	"guilds",
	"guilds.join",
	"guilds.members.read",
	"identify",
	"messages.read",
	"openid",
	"relationships.read",
	"role_connections.write",
	"rpc",
	"rpc.activities.write",
	"rpc.notifications.read",
	"rpc.screenshare.read",
	"rpc.screenshare.write",
	"rpc.video.read",
	"rpc.video.write",
	"rpc.voice.read",
	"rpc.voice.write",
	"voice",
	"webhook.incoming",
}

// KnownScopes returns the OAuth2 scopes ParseScopes accepts, sorted.
func KnownScopes() []string {
	return slices.Clone(knownScopes)
}

// ParseScopes splits s on spaces and commas (in any mix), drops duplicates
// while keeping the first occurrence's order, and checks each scope against
// Discord's documented OAuth2 scopes. Scopes are case-sensitive, as Discord
// treats them. An unknown scope or an empty list is an error.
func ParseScopes(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(fields) == 0 {
		return nil, fmt.Errorf("no scopes given in %q: name at least one, such as %q", s, "identify")
	}

	scopes := make([]string, 0, len(fields))
	for _, scope := range fields {
		if _, found := slices.BinarySearch(knownScopes, scope); !found {
			return nil, fmt.Errorf("unknown OAuth2 scope %q: Discord's scopes include identify, email, guilds, guilds.join, guilds.members.read and connections", scope)
		}
		if !slices.Contains(scopes, scope) {
			scopes = append(scopes, scope)
		}
	}
	return scopes, nil
}

// ParseStorage checks that s names a storage backend: StorageKeyring or
// StorageFile.
func ParseStorage(s string) (string, error) {
	switch s {
	case StorageKeyring, StorageFile:
		return s, nil
	}
	return "", fmt.Errorf("invalid storage %q: use %q or %q", s, StorageKeyring, StorageFile)
}

// maxClientIDDigits is the length of the largest snowflake, 2^64-1.
const maxClientIDDigits = 20

// ValidateClientID checks that id looks like a Discord application ID: a
// snowflake, written as 1 to 20 decimal digits. Discord would show an
// error page for a malformed one in the browser, and the login would
// wait for its full timeout.
func ValidateClientID(id string) error {
	if len(id) > maxClientIDDigits || strings.Trim(id, "0123456789") != "" {
		return fmt.Errorf("invalid client ID %q: use the Application ID from the Discord Developer Portal, a number such as 1234567890123456789", id)
	}
	return nil
}
