package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/dauth-cli/dauth/internal/browser"
	"github.com/dauth-cli/dauth/internal/config"
	"github.com/dauth-cli/dauth/internal/discord"
	"github.com/dauth-cli/dauth/internal/tokenstore"
)

// Version is the dauth version; release builds set it with -ldflags "-X".
var Version = "dev"

// Factory holds everything with a side effect that commands use. Tests fill
// it with fakes; SystemFactory fills it with the real thing.
type Factory struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	Getenv        func(string) (string, bool)
	UserConfigDir func() (string, error)
	Keyring       tokenstore.Keyring
	// NewOpener returns the browser opener; it receives the stream that the
	// browser's own output goes to.
	NewOpener func(getenv func(string) (string, bool), stderr io.Writer) browser.Opener
	// Transport is the base HTTP transport; nil means Go's default.
	Transport http.RoundTripper
	Now       func() time.Time
	// Sleep waits before retrying a rate-limited or failed request; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// SystemFactory returns a Factory wired to the process's real streams,
// environment, keyring, browser and network.
func SystemFactory() *Factory {
	return &Factory{
		In:            os.Stdin,
		Out:           os.Stdout,
		ErrOut:        os.Stderr,
		Getenv:        os.LookupEnv,
		UserConfigDir: os.UserConfigDir,
		Keyring:       tokenstore.SystemKeyring(),
		NewOpener:     browser.New,
		Now:           time.Now,
	}
}

// app is the per-invocation state that the global flags select.
type app struct {
	f       *Factory
	profile string
	debug   bool
	stdin   *bufio.Reader
}

func (a *app) env(name string) string {
	v, _ := a.f.Getenv(name)
	return v
}

func (a *app) configDir() (string, error) {
	return config.Dir(a.f.Getenv, a.f.UserConfigDir)
}

func (a *app) configPath() (string, error) {
	dir, err := a.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config.json"), nil
}

func (a *app) loadConfig() (*config.File, string, error) {
	path, err := a.configPath()
	if err != nil {
		return nil, "", err
	}
	file, err := config.Load(path)
	if err != nil {
		return nil, "", err
	}
	return file, path, nil
}

// settings resolves the profile's settings from flags, environment and the
// config file.
func (a *app) settings(flags config.Overrides) (config.Settings, *config.File, string, error) {
	file, path, err := a.loadConfig()
	if err != nil {
		return config.Settings{}, nil, "", err
	}
	s, err := config.Resolve(a.profile, flags, a.f.Getenv, file.Profiles[a.profile])
	if err != nil {
		return config.Settings{}, nil, "", usageErr(err)
	}
	return s, file, path, nil
}

// store returns the token store the settings choose.
func (a *app) store(s config.Settings) (tokenstore.Store, error) {
	if s.Storage == "file" {
		dir, err := a.configDir()
		if err != nil {
			return nil, err
		}
		return tokenstore.NewFileStore(filepath.Join(dir, "tokens")), nil
	}
	return tokenstore.NewKeyringStore(a.f.Keyring), nil
}

// otherStore returns the store that the settings do not choose, where a
// login with the other storage may have left a token set and a secret.
func (a *app) otherStore(s config.Settings) (tokenstore.Store, error) {
	other := s
	other.Storage = config.StorageFile
	if s.Storage == config.StorageFile {
		other.Storage = config.StorageKeyring
	}
	return a.store(other)
}

// clearOtherStore deletes the profile's token set, and its client secret
// when withSecret is set, from the store the settings do not choose, so a
// switch between keyring and file leaves no live refresh token behind. An
// unreachable keyring is skipped: dauth could not have written to it.
func (a *app) clearOtherStore(s config.Settings, withSecret bool) error {
	other, err := a.otherStore(s)
	if err != nil {
		return err
	}
	err = other.Delete(a.profile)
	if err == nil && withSecret {
		err = other.DeleteSecret(a.profile)
	}
	var unavailable *tokenstore.UnavailableError
	if errors.As(err, &unavailable) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove the tokens of profile %q from %s: %w", a.profile, other.Describe(a.profile), err)
	}
	return nil
}

func (a *app) lockPath() (string, error) {
	dir, err := a.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "locks", a.profile+".lock"), nil
}

func (a *app) endpoints() (discord.Endpoints, error) {
	base := a.env("DAUTH_DISCORD_URL")
	e, err := discord.EndpointsFor(base)
	if err != nil {
		return discord.Endpoints{}, usageErr(fmt.Errorf("DAUTH_DISCORD_URL: %w", err))
	}
	return e, nil
}

func (a *app) httpClient() *http.Client {
	opts := discord.HTTPOptions{Base: a.f.Transport, Now: a.f.Now, Sleep: a.f.Sleep}
	if a.debug {
		opts.Debug = a.f.ErrOut
	}
	return discord.NewHTTPClient(opts)
}

func (a *app) apiClient(httpClient *http.Client, e discord.Endpoints) *discord.Client {
	return &discord.Client{
		HTTP:      httpClient,
		APIBase:   e.APIBase,
		UserAgent: "dauth/" + Version + " (+https://github.com/dauth-cli/dauth)",
	}
}
