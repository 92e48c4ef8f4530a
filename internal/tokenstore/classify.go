package tokenstore

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"

	dbus "github.com/godbus/dbus/v5"
	keyring "github.com/zalando/go-keyring"
)

const runtimeGOOS = runtime.GOOS

// op is the kind of keyring call whose error is being classified.
type op int

const (
	opRead op = iota
	opWrite
	opDelete
)

// classify maps an error from a Keyring call to ErrNotFound,
// *UnavailableError or *LockedError where it recognises the cause, and
// returns other errors unchanged. The texts and types it matches are those
// of go-keyring v0.2.8 with godbus/dbus v5.2.2, checked against
// gnome-keyring 42.1.
func classify(err error, op op) error {
	if err == nil {
		return nil
	}

	var unavailable *UnavailableError
	var locked *LockedError
	if errors.Is(err, keyring.ErrNotFound) || errors.Is(err, ErrNotFound) {
		return ErrNotFound
	}
	if errors.As(err, &unavailable) || errors.As(err, &locked) {
		return err
	}

	var busErr dbus.Error
	if errors.As(err, &busErr) {
		return classifyDBusError(err, busErr.Name, op)
	}

	// go-keyring's Unlock returns this when the Secret Service did not
	// unlock the collection: it is locked and the prompt was dismissed or
	// could not be shown (no display), or, for the default alias, no
	// collection exists at all.
	if strings.HasPrefix(err.Error(), "failed to unlock correct collection") {
		return &LockedError{Err: err}
	}

	if errors.Is(err, keyring.ErrUnsupportedPlatform) {
		return &UnavailableError{Err: err}
	}

	// Errors from reaching the session bus: dbus-launch missing or failing
	// when no bus address is known, a socket that refuses the connection,
	// or godbus rejecting the address or the authentication.
	var execErr *exec.Error
	var exitErr *exec.ExitError
	var netErr *net.OpError
	switch {
	case errors.As(err, &execErr):
		return &UnavailableError{Err: fmt.Errorf("no D-Bus session bus: %w", err)}
	case errors.As(err, &exitErr) && runtimeGOOS != "darwin" && runtimeGOOS != "windows":
		// On macOS go-keyring runs /usr/bin/security, whose exit status
		// means something else.
		return &UnavailableError{Err: fmt.Errorf("no D-Bus session bus: dbus-launch failed: %w", err)}
	case errors.As(err, &netErr):
		return &UnavailableError{Err: fmt.Errorf("cannot connect to the D-Bus session bus: %w", err)}
	case errors.Is(err, dbus.ErrClosed),
		hasPrefixAny(err.Error(),
			"dbus: authentication",
			"dbus: couldn't determine address of session bus",
			"dbus: invalid bus address",
			"dbus: invalid address",
			"dbus: unsupported address"):
		return &UnavailableError{Err: fmt.Errorf("cannot connect to the D-Bus session bus: %w", err)}
	}

	return err
}

// classifyDBusError handles an error reply from the bus or the Secret
// Service.
func classifyDBusError(err error, name string, op op) error {
	switch name {
	case "org.freedesktop.DBus.Error.ServiceUnknown",
		"org.freedesktop.DBus.Error.NameHasNoOwner":
		return &UnavailableError{Err: fmt.Errorf("no Secret Service provider on the D-Bus session bus: %w", err)}
	case "org.freedesktop.DBus.Error.NoReply",
		"org.freedesktop.DBus.Error.Timeout",
		"org.freedesktop.DBus.Error.Disconnected":
		return &UnavailableError{Err: fmt.Errorf("the Secret Service did not respond: %w", err)}
	case "org.freedesktop.Secret.Error.IsLocked":
		return &LockedError{Err: err}
	case "org.freedesktop.DBus.Error.UnknownMethod",
		"org.freedesktop.DBus.Error.UnknownObject",
		"org.freedesktop.DBus.Error.UnknownInterface",
		"org.freedesktop.Secret.Error.NoSuchObject":
		// go-keyring finds an item with SearchItems and then calls
		// GetSecret or Delete on its object path. When a concurrent Delete
		// removes the item in between, gnome-keyring 42.1 replies with
		// UnknownMethod and "Object does not exist at path …" or "No such
		// interface “org.freedesktop.Secret.Item” on object at path …".
		// The item is gone, which is what a later search would report too.
		// A Set does not search, so the same error there means something
		// else and is returned as it is.
		if op == opRead || op == opDelete {
			return ErrNotFound
		}
	}
	return err
}

// hasPrefixAny reports whether s starts with one of the prefixes.
func hasPrefixAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
