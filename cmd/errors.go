package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dauth-cli/dauth/internal/config"
	"github.com/dauth-cli/dauth/internal/discord"
	"github.com/dauth-cli/dauth/internal/oauthflow"
	"github.com/dauth-cli/dauth/internal/session"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// usageError marks bad usage: an unknown flag, a missing or invalid value.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

// errMissingClientID means no client ID was given by flag, environment or config file.
var errMissingClientID = errors.New("missing client ID")

// errSilent marks an error whose message the command has already written;
// Main only sets the exit code.
var errSilent = errors.New("silent")

// silentError carries an exit code without a message.
type silentError struct{ code int }

func (e *silentError) Error() string        { return fmt.Sprintf("exit %d", e.code) }
func (e *silentError) Is(target error) bool { return target == errSilent }

func validateProfile(name string) error {
	return usageErr(config.ValidateProfileName(name))
}

// exitCode maps an error to dauth's documented exit codes.
func exitCode(err error) int {
	var silent *silentError
	var usage *usageError
	var loginRequired *session.LoginRequiredError
	var missingScope *session.MissingScopeError
	var corrupt *tokenstore.CorruptError
	switch {
	case errors.As(err, &silent):
		return silent.code
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, session.ErrNotLoggedIn),
		errors.As(err, &loginRequired),
		errors.As(err, &missingScope),
		errors.As(err, &corrupt),
		errors.Is(err, discord.ErrUnauthorized):
		return ExitLoginNeeded
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitError
}

// hintFor returns the line with the user's next step, or "".
func hintFor(err error, profile, commandPath string) string {
	login := "dauth login"
	if profile != "" && profile != "default" {
		login += " --profile " + profile
	}

	var (
		usage       *usageError
		unavailable *tokenstore.UnavailableError
		locked      *tokenstore.LockedError
		rateLimit   *discord.RateLimitError
		server      *discord.ServerError
		portInUse   *oauthflow.PortInUseError
		client      *session.ClientRejectedError
	)
	var missingScope *session.MissingScopeError
	var denied *oauthflow.AuthorizeError
	var badConfig *config.CorruptError
	switch {
	case errors.As(err, &badConfig):
		return "Fix " + badConfig.Path + " or delete it; dauth writes it again at the next login."
	case errors.As(err, &missingScope):
		scopes := strings.TrimSpace(missingScope.Granted + " " + missingScope.Scope)
		return fmt.Sprintf("To sign in with the %s scope, run: %s --scopes %q", missingScope.Scope, login, scopes)
	case errors.As(err, &denied):
		return "To try again, run: " + login
	case errors.Is(err, errMissingClientID):
		return "Pass --client-id or set DAUTH_CLIENT_ID (the Application ID from the Discord Developer Portal)."
	case errors.As(err, &unavailable):
		return "Start a Secret Service (such as gnome-keyring) in this session, or keep tokens in a file instead with --insecure-storage or DAUTH_STORAGE=file."
	case errors.As(err, &locked) && exitCode(err) == ExitLoginNeeded:
		return "Unlock the keyring (for example by logging in to the desktop session), then run: " + login
	case errors.As(err, &locked):
		return "Unlock the keyring (for example by logging in to the desktop session), or keep tokens in a file instead with --insecure-storage or DAUTH_STORAGE=file."
	case exitCode(err) == ExitLoginNeeded:
		return "To sign in, run: " + login
	case errors.As(err, &usage):
		return "Run '" + commandPath + " --help' for usage."
	case errors.As(err, &rateLimit):
		return "Discord is rate limiting these requests; try again in " + rateLimit.RetryAfter.Round(time.Second).String() + "."
	case errors.As(err, &server):
		return "Discord had a server error; try again later."
	case errors.As(err, &portInUse):
		return ""
	case errors.As(err, &client):
		return "Check the client ID and secret in the Discord Developer Portal (OAuth2 page), then run " + login + " again, passing the secret with --client-secret-stdin or DAUTH_CLIENT_SECRET."
	case errors.Is(err, context.DeadlineExceeded):
		return ""
	}
	return ""
}
