// Package tokenstore keeps a profile's OAuth2 token set and client secret,
// in the OS keyring by default or, when the user opts in, in a 0600 file.
package tokenstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// TokenSet is the OAuth2 token set stored for one signed-in profile, as
// compact JSON. Scope is space-separated, as Discord's token endpoint sends
// it.
type TokenSet struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
	Scope        string    `json:"scope"`
}

// ErrNotFound is returned, possibly wrapped, by Load and LoadSecret when
// nothing is stored. Test for it with errors.Is.
var ErrNotFound = errors.New("not found")

// Store persists token sets and client secrets per profile.
//
// Load returns an error matching ErrNotFound when no token set is stored and
// a *CorruptError when one is stored but cannot be used. Save replaces any
// stored token set and rejects one that Load would reject. Delete and
// DeleteSecret return nil when there is nothing to delete. Every method
// rejects a profile name that config.ValidateProfileName rejects.
//
// The keyring store also returns *UnavailableError and *LockedError. No
// error text contains a token or secret value.
type Store interface {
	Load(profile string) (*TokenSet, error)
	Save(profile string, ts *TokenSet) error
	Delete(profile string) error
	LoadSecret(profile string) (string, error)
	SaveSecret(profile, secret string) error
	DeleteSecret(profile string) error
	// Describe names where the profile's tokens live, for messages and
	// `dauth status`: the keyring service and item, or the file path.
	Describe(profile string) string
}

// encodeTokenSet returns ts as compact JSON after checking that Load will
// accept it, so a bad token set fails at Save and not at the next command.
func encodeTokenSet(ts *TokenSet) ([]byte, error) {
	if ts == nil {
		return nil, errors.New("no token set given")
	}
	if err := checkTokenSet(ts); err != nil {
		return nil, err
	}
	return json.Marshal(ts)
}

// decodeTokenSet parses a stored token set. where names the keyring item or
// file for the *CorruptError.
func decodeTokenSet(data []byte, where string) (*TokenSet, error) {
	var ts TokenSet
	if err := json.Unmarshal(data, &ts); err != nil {
		return nil, &CorruptError{Where: where, Err: err}
	}
	if err := checkTokenSet(&ts); err != nil {
		return nil, &CorruptError{Where: where, Err: err}
	}
	return &ts, nil
}

func checkTokenSet(ts *TokenSet) error {
	switch {
	case ts.AccessToken == "":
		return errors.New("access_token is empty")
	case ts.RefreshToken == "":
		return errors.New("refresh_token is empty")
	}
	return nil
}

// describeJSONError returns a description of a json.Unmarshal error that
// contains no part of the input. json.SyntaxError's own text quotes the
// offending character, which could be part of a token.
func describeJSONError(err error) string {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("invalid JSON at byte offset %d", syntaxErr.Offset)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("JSON field %q has type %s, want %s", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	var timeErr *time.ParseError
	if errors.As(err, &timeErr) {
		return "field \"expiry\" is not an RFC 3339 time"
	}
	return err.Error()
}
