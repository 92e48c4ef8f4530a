package tokenstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dauth-cli/dauth/internal/config"
)

// NewFileStore returns a Store that keeps each profile's token set in
// dir/PROFILE.token.json and its client secret in dir/PROFILE.client-secret.
// Files are written with mode 0600 through a temporary file in dir that is
// synced and renamed into place, so a crash never leaves half a file. A
// missing dir is created with mode 0700.
//
// The files are protected only by their permissions. The user must choose
// this store explicitly.
func NewFileStore(dir string) Store {
	return &fileStore{dir: dir}
}

type fileStore struct {
	dir string
}

func (s *fileStore) tokenPath(profile string) string {
	return filepath.Join(s.dir, profile+".token.json")
}

func (s *fileStore) secretPath(profile string) string {
	return filepath.Join(s.dir, profile+".client-secret")
}

func (s *fileStore) Load(profile string) (*TokenSet, error) {
	if err := config.ValidateProfileName(profile); err != nil {
		return nil, err
	}

	path := s.tokenPath(profile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load token set for profile %q: %s: %w", profile, path, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load token set for profile %q: %w", profile, err)
	}
	return decodeTokenSet(data, path)
}

func (s *fileStore) Save(profile string, ts *TokenSet) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}

	data, err := encodeTokenSet(ts)
	if err != nil {
		return fmt.Errorf("save token set for profile %q: %w", profile, err)
	}
	if err := config.WriteFileAtomic(s.tokenPath(profile), data); err != nil {
		return fmt.Errorf("save token set for profile %q: %w", profile, err)
	}
	return nil
}

func (s *fileStore) Delete(profile string) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}
	return removeIfExists(s.tokenPath(profile))
}

func (s *fileStore) LoadSecret(profile string) (string, error) {
	if err := config.ValidateProfileName(profile); err != nil {
		return "", err
	}

	path := s.secretPath(profile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("load client secret for profile %q: %s: %w", profile, path, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("load client secret for profile %q: %w", profile, err)
	}

	// Tolerate the trailing newline of a file written by hand with echo.
	// Discord's client secrets contain no whitespace.
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", &CorruptError{Where: path, Err: errors.New("client secret is empty")}
	}
	return secret, nil
}

func (s *fileStore) SaveSecret(profile, secret string) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}
	if strings.TrimSpace(secret) == "" {
		return fmt.Errorf("save client secret for profile %q: secret is empty", profile)
	}

	if err := config.WriteFileAtomic(s.secretPath(profile), []byte(secret)); err != nil {
		return fmt.Errorf("save client secret for profile %q: %w", profile, err)
	}
	return nil
}

func (s *fileStore) DeleteSecret(profile string) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}
	return removeIfExists(s.secretPath(profile))
}

func (s *fileStore) Describe(profile string) string {
	return "file " + s.tokenPath(profile)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}
