// Package config resolves a profile's settings from command-line flags, the
// environment, the config file and built-in defaults, and reads and writes
// that config file.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "default"

// FileName is the name of the config file inside Dir.
const FileName = "config.json"

// Dir returns dauth's config directory: DAUTH_CONFIG_DIR if it is set and
// not empty, else the "dauth" directory inside userConfigDir (normally
// os.UserConfigDir). It creates nothing.
func Dir(getenv func(string) (string, bool), userConfigDir func() (string, error)) (string, error) {
	if dir, ok := getenv("DAUTH_CONFIG_DIR"); ok && dir != "" {
		return dir, nil
	}

	base, err := userConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config directory (set DAUTH_CONFIG_DIR to choose one): %w", err)
	}
	return filepath.Join(base, "dauth"), nil
}

// Profile is one profile's stored settings. Empty fields fall back to the
// defaults in Resolve. The client secret is not here: it lives in the token
// store.
type Profile struct {
	ClientID    string   `json:"client_id,omitempty"`
	RedirectURI string   `json:"redirect_uri,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
	Storage     string   `json:"storage,omitempty"` // StorageKeyring (default) or StorageFile
}

// File is the config file's content.
type File struct {
	Profiles map[string]*Profile `json:"profiles"`
}

// CorruptError reports a config file that exists but cannot be used.
type CorruptError struct {
	Path string
	Err  error
}

// Error names the file and the problem.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("config file %s is invalid: %v", e.Path, e.Err)
}

// Unwrap returns the underlying parse or validation error.
func (e *CorruptError) Unwrap() error { return e.Err }

// Load reads the config file at path. A missing file gives an empty File
// and no error. Invalid JSON or an invalid profile name gives a
// *CorruptError naming path. Scopes and storage values are checked later,
// by Resolve, so that one bad profile does not block the others.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Profiles: map[string]*Profile{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}

	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &CorruptError{Path: path, Err: err}
	}

	if f.Profiles == nil {
		f.Profiles = map[string]*Profile{}
	}
	for name, p := range f.Profiles {
		if err := ValidateProfileName(name); err != nil {
			return nil, &CorruptError{Path: path, Err: err}
		}
		// A profile written as null means "all defaults", so callers never
		// see a nil *Profile.
		if p == nil {
			f.Profiles[name] = &Profile{}
		}
	}
	return &f, nil
}

// Save writes f to path as indented JSON with mode 0600, creating the
// directory with mode 0700 if needed. The write is atomic (see
// WriteFileAtomic).
func (f *File) Save(path string) error {
	out := *f
	if out.Profiles == nil {
		out.Profiles = map[string]*Profile{}
	}

	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("encode config file %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}

// Names returns the profile names in sorted order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for name := range f.Profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Profile returns the stored profile called name, or nil if there is none.
func (f *File) Profile(name string) *Profile {
	if f == nil {
		return nil
	}
	return f.Profiles[name]
}
