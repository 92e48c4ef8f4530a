package tokenstore

import "fmt"

// UnavailableError reports that no OS keyring could be reached: on Linux,
// no D-Bus session bus or no Secret Service provider on it. Err describes
// the cause and wraps the error from go-keyring or D-Bus.
type UnavailableError struct {
	Err error
}

// Error names the cause. The CLI adds what to do about it.
func (e *UnavailableError) Error() string {
	return "OS keyring is unavailable: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }

// LockedError reports that the OS keyring's collection is locked and could
// not be unlocked, because the unlock prompt was dismissed or could not be
// shown, or that no default collection exists.
type LockedError struct {
	Err error
}

// Error names the cause. The CLI adds what to do about it.
func (e *LockedError) Error() string {
	return "OS keyring is locked or has no default collection: " + e.Err.Error()
}

// Unwrap returns the error from go-keyring.
func (e *LockedError) Unwrap() error { return e.Err }

// CorruptError reports a stored token set or client secret that cannot be
// used. Where names the keyring item ("keyring item dauth/default") or the
// file path.
type CorruptError struct {
	Where string
	Err   error
}

// Error names the item or file and the problem, without quoting any of the
// stored data.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("stored data in %s is corrupt: %s", e.Where, describeJSONError(e.Err))
}

// Unwrap returns the parse or validation error. Its own text may quote
// part of the stored data, so print e, not the unwrapped error.
func (e *CorruptError) Unwrap() error { return e.Err }
