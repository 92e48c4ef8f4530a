package tokenstore

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/dauth-cli/dauth/internal/config"
	keyring "github.com/zalando/go-keyring"
)

// Service is the keyring service name under which dauth stores its items.
const Service = "dauth"

// secretSuffix turns a profile name into the name of the item that holds
// its client secret. Profile names cannot contain ':', so the two never
// collide.
const secretSuffix = ":client-secret"

// Keyring is the subset of github.com/zalando/go-keyring that dauth uses.
// Implementations return keyring.ErrNotFound for a missing item.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// NewKeyringStore returns a Store that keeps each profile's token set as
// compact JSON in the keyring item with service Service and user PROFILE,
// and its client secret in the item with user PROFILE+":client-secret". On
// Linux go-keyring stores these as Secret Service items with the attributes
// service and username.
func NewKeyringStore(kr Keyring) Store {
	return &keyringStore{kr: kr}
}

type keyringStore struct {
	kr Keyring
}

func (s *keyringStore) Load(profile string) (*TokenSet, error) {
	if err := config.ValidateProfileName(profile); err != nil {
		return nil, err
	}

	data, err := s.kr.Get(Service, profile)
	if err != nil {
		return nil, fmt.Errorf("load token set for profile %q from the OS keyring: %w", profile, classify(err, opRead))
	}
	return decodeTokenSet([]byte(data), itemName(profile))
}

func (s *keyringStore) Save(profile string, ts *TokenSet) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}

	data, err := encodeTokenSet(ts)
	if err != nil {
		return fmt.Errorf("save token set for profile %q: %w", profile, err)
	}
	// go-keyring's Set replaces an existing item with the same attributes
	// (Secret Service CreateItem with replace=true), so a save never leaves
	// two items behind.
	if err := s.kr.Set(Service, profile, string(data)); err != nil {
		return fmt.Errorf("save token set for profile %q in the OS keyring: %w", profile, classify(err, opWrite))
	}
	return nil
}

func (s *keyringStore) Delete(profile string) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}
	return s.deleteItem(profile, "token set", profile)
}

func (s *keyringStore) LoadSecret(profile string) (string, error) {
	if err := config.ValidateProfileName(profile); err != nil {
		return "", err
	}

	secret, err := s.kr.Get(Service, profile+secretSuffix)
	if err != nil {
		return "", fmt.Errorf("load client secret for profile %q from the OS keyring: %w", profile, classify(err, opRead))
	}
	if secret == "" {
		return "", &CorruptError{Where: itemName(profile + secretSuffix), Err: errors.New("client secret is empty")}
	}
	return secret, nil
}

func (s *keyringStore) SaveSecret(profile, secret string) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}
	if secret == "" {
		return fmt.Errorf("save client secret for profile %q: secret is empty", profile)
	}

	if err := s.kr.Set(Service, profile+secretSuffix, secret); err != nil {
		return fmt.Errorf("save client secret for profile %q in the OS keyring: %w", profile, classify(err, opWrite))
	}
	return nil
}

func (s *keyringStore) DeleteSecret(profile string) error {
	if err := config.ValidateProfileName(profile); err != nil {
		return err
	}
	return s.deleteItem(profile+secretSuffix, "client secret", profile)
}

func (s *keyringStore) deleteItem(user, kind, profile string) error {
	err := classify(s.kr.Delete(Service, user), opDelete)
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return fmt.Errorf("delete %s for profile %q from the OS keyring: %w", kind, profile, err)
}

func (s *keyringStore) Describe(profile string) string {
	return fmt.Sprintf("OS keyring (service %q, item %q)", Service, profile)
}

func itemName(user string) string {
	return "keyring item " + Service + "/" + user
}

// SystemKeyring returns the OS keyring through go-keyring: the Secret
// Service over the D-Bus session bus on Linux and the BSDs, the Keychain on
// macOS and the Credential Manager on Windows.
//
// On Linux and the BSDs it first checks that a session bus can be found
// (DBUS_SESSION_BUS_ADDRESS, /run/user/UID/bus or /run/user/UID/dbus-session)
// or that an X11 display is set. Without one of these, godbus would run
// dbus-launch, which starts a bus and keyring daemon that outlive the call,
// so the check returns an *UnavailableError instead.
func SystemKeyring() Keyring {
	return systemKeyring{
		lookupEnv: os.LookupEnv,
		exists: func(path string) bool {
			_, err := os.Stat(path)
			return err == nil
		},
		uid:  os.Getuid(),
		goos: runtimeGOOS,
	}
}

type systemKeyring struct {
	lookupEnv func(string) (string, bool)
	exists    func(path string) bool
	uid       int
	goos      string
}

func (k systemKeyring) Get(service, user string) (string, error) {
	if err := k.checkSessionBus(); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

func (k systemKeyring) Set(service, user, password string) error {
	if err := k.checkSessionBus(); err != nil {
		return err
	}
	return keyring.Set(service, user, password)
}

func (k systemKeyring) Delete(service, user string) error {
	if err := k.checkSessionBus(); err != nil {
		return err
	}
	return keyring.Delete(service, user)
}

// checkSessionBus mirrors godbus v5's session bus discovery, up to the
// point where it would fall back to running dbus-launch.
func (k systemKeyring) checkSessionBus() error {
	if k.goos == "darwin" || k.goos == "windows" {
		return nil
	}
	if addr, _ := k.lookupEnv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}

	runDir := "/run/user/" + strconv.Itoa(k.uid)
	if k.exists(runDir+"/bus") || k.exists(runDir+"/dbus-session") {
		return nil
	}
	// With an X11 display, dbus-launch finds the session bus that the
	// desktop session registered on the display.
	if display, _ := k.lookupEnv("DISPLAY"); display != "" {
		return nil
	}

	return &UnavailableError{Err: fmt.Errorf("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set, %s/bus does not exist and DISPLAY is not set", runDir)}
}
