package tokenstore_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	keyring "github.com/zalando/go-keyring"

	"github.com/dauth-cli/dauth/internal/tokenstore"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

const (
	testAccess  = "ACCESS-6qrZcUqja7812RVdnEKjpzOL4CvHBFG"
	testRefresh = "REFRESH-D43f5y0ahjqew82jZ4NViEr2YafMKhue"
	testSecret  = "SECRET-937it3ow87i4ery69876wqire"
)

func sampleTokenSet() *tokenstore.TokenSet {
	return &tokenstore.TokenSet{
		AccessToken:  testAccess,
		TokenType:    "Bearer",
		RefreshToken: testRefresh,
		Expiry:       time.Date(2026, 12, 11, 20, 0, 0, 0, time.UTC),
		Scope:        "identify guilds",
	}
}

func TestKeyringStoreRoundTrip(t *testing.T) {
	t.Parallel()
	kr := tokenstoretest.NewMemKeyring()
	store := tokenstore.NewKeyringStore(kr)

	want := sampleTokenSet()
	if err := store.Save("default", want); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := store.Load("default")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %+v, want %+v", got, want)
	}
}

func TestKeyringStoreItemLayout(t *testing.T) {
	t.Parallel()
	kr := tokenstoretest.NewMemKeyring()
	store := tokenstore.NewKeyringStore(kr)
	if err := store.Save("work", sampleTokenSet()); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSecret("work", testSecret); err != nil {
		t.Fatal(err)
	}

	item, ok := kr.Item("dauth", "work")
	if !ok {
		t.Fatal(`no item dauth/work`)
	}
	wantJSON, _ := json.Marshal(sampleTokenSet())
	if item != string(wantJSON) {
		t.Errorf("item dauth/work = %s, want compact JSON %s", item, wantJSON)
	}
	secret, ok := kr.Item("dauth", "work:client-secret")
	if !ok {
		t.Fatal("no item dauth/work:client-secret")
	}
	if secret != testSecret {
		t.Error("client secret item does not hold the secret")
	}
	if n := kr.Len(); n != 2 {
		t.Errorf("keyring holds %d items, want 2", n)
	}
}

func TestKeyringStoreSaveReplaces(t *testing.T) {
	t.Parallel()
	kr := tokenstoretest.NewMemKeyring()
	store := tokenstore.NewKeyringStore(kr)

	first := sampleTokenSet()
	second := sampleTokenSet()
	second.AccessToken = "ACCESS-2"
	second.RefreshToken = "REFRESH-2"
	if err := store.Save("default", first); err != nil {
		t.Fatal(err)
	}
	if err := store.Save("default", second); err != nil {
		t.Fatal(err)
	}

	got, err := store.Load("default")
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != "REFRESH-2" {
		t.Error("Load after second Save returned the first token set")
	}
	if n := kr.Len(); n != 1 {
		t.Errorf("keyring holds %d items, want 1", n)
	}
}

func TestKeyringStoreLoadMissing(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewKeyringStore(tokenstoretest.NewMemKeyring())
	_, err := store.Load("default")
	if !errors.Is(err, tokenstore.ErrNotFound) {
		t.Fatalf("Load = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `"default"`) {
		t.Errorf("error %q does not name the profile", err)
	}
}

func TestKeyringStoreDelete(t *testing.T) {
	t.Parallel()
	kr := tokenstoretest.NewMemKeyring()
	store := tokenstore.NewKeyringStore(kr)
	if err := store.Save("default", sampleTokenSet()); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSecret("default", testSecret); err != nil {
		t.Fatal(err)
	}

	if err := store.Delete("default"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := store.Load("default"); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("Load after Delete = %v, want ErrNotFound", err)
	}
	if _, err := store.LoadSecret("default"); err != nil {
		t.Errorf("Delete removed the client secret too: %v", err)
	}
	if err := store.DeleteSecret("default"); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if _, err := store.LoadSecret("default"); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("LoadSecret after DeleteSecret = %v, want ErrNotFound", err)
	}
}

func TestKeyringStoreDeleteMissing(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewKeyringStore(tokenstoretest.NewMemKeyring())
	if err := store.Delete("default"); err != nil {
		t.Errorf("Delete of missing = %v, want nil", err)
	}
	if err := store.DeleteSecret("default"); err != nil {
		t.Errorf("DeleteSecret of missing = %v, want nil", err)
	}
}

func TestKeyringStoreSecretRoundTrip(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewKeyringStore(tokenstoretest.NewMemKeyring())
	if err := store.SaveSecret("default", testSecret); err != nil {
		t.Fatal(err)
	}
	got, err := store.LoadSecret("default")
	if err != nil {
		t.Fatal(err)
	}
	if got != testSecret {
		t.Error("LoadSecret returned a different secret")
	}
}

func TestKeyringStoreLoadCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		item  string
		where string
	}{
		{name: "plain token", item: testAccess, where: "keyring item dauth/default"},
		{name: "truncated", item: `{"access_token":"` + testAccess, where: "keyring item dauth/default"},
		{name: "no refresh token", item: `{"access_token":"` + testAccess + `","token_type":"Bearer"}`, where: "keyring item dauth/default"},
		{name: "no access token", item: `{"refresh_token":"` + testRefresh + `"}`, where: "keyring item dauth/default"},
		{name: "wrong type", item: `{"access_token":["` + testAccess + `"],"refresh_token":"` + testRefresh + `"}`, where: "keyring item dauth/default"},
		{name: "bad expiry", item: `{"access_token":"` + testAccess + `","refresh_token":"` + testRefresh + `","expiry":"` + testAccess + `"}`, where: "keyring item dauth/default"},
		{name: "null", item: "null", where: "keyring item dauth/default"},
		{name: "empty", item: "", where: "keyring item dauth/default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr := tokenstoretest.NewMemKeyring()
			if err := kr.Set("dauth", "default", tt.item); err != nil {
				t.Fatal(err)
			}

			_, err := tokenstore.NewKeyringStore(kr).Load("default")
			var corrupt *tokenstore.CorruptError
			if !errors.As(err, &corrupt) {
				t.Fatalf("Load = %v (%T), want *CorruptError", err, err)
			}
			if corrupt.Where != tt.where {
				t.Errorf("Where = %q, want %q", corrupt.Where, tt.where)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestKeyringStoreLoadSecretEmpty(t *testing.T) {
	t.Parallel()
	kr := tokenstoretest.NewMemKeyring()
	if err := kr.Set("dauth", "default:client-secret", ""); err != nil {
		t.Fatal(err)
	}
	_, err := tokenstore.NewKeyringStore(kr).LoadSecret("default")
	var corrupt *tokenstore.CorruptError
	if !errors.As(err, &corrupt) {
		t.Fatalf("LoadSecret = %v, want *CorruptError", err)
	}
	if corrupt.Where != "keyring item dauth/default:client-secret" {
		t.Errorf("Where = %q", corrupt.Where)
	}
}

func TestKeyringStoreSaveRejects(t *testing.T) {
	t.Parallel()
	noRefresh := sampleTokenSet()
	noRefresh.RefreshToken = ""
	noAccess := sampleTokenSet()
	noAccess.AccessToken = ""

	tests := []struct {
		name string
		ts   *tokenstore.TokenSet
		want string
	}{
		{name: "nil", ts: nil, want: "no token set"},
		{name: "no refresh token", ts: noRefresh, want: "refresh_token is empty"},
		{name: "no access token", ts: noAccess, want: "access_token is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr := tokenstoretest.NewMemKeyring()
			err := tokenstore.NewKeyringStore(kr).Save("default", tt.ts)
			if err == nil {
				t.Fatal("Save succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			assertNoSecrets(t, err)
			if kr.Calls(tokenstoretest.OpSet) != 0 {
				t.Error("Save wrote to the keyring")
			}
		})
	}
}

func TestKeyringStoreSaveSecretEmpty(t *testing.T) {
	t.Parallel()
	kr := tokenstoretest.NewMemKeyring()
	if err := tokenstore.NewKeyringStore(kr).SaveSecret("default", ""); err == nil {
		t.Fatal("SaveSecret of empty secret succeeded")
	}
	if kr.Len() != 0 {
		t.Error("SaveSecret stored an empty secret")
	}
}

func TestKeyringStoreInvalidProfile(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewKeyringStore(tokenstoretest.NewMemKeyring())
	calls := map[string]func(string) error{
		"Load":         func(p string) error { _, err := store.Load(p); return err },
		"Save":         func(p string) error { return store.Save(p, sampleTokenSet()) },
		"Delete":       store.Delete,
		"LoadSecret":   func(p string) error { _, err := store.LoadSecret(p); return err },
		"SaveSecret":   func(p string) error { return store.SaveSecret(p, testSecret) },
		"DeleteSecret": store.DeleteSecret,
	}
	for name, call := range calls {
		for _, profile := range []string{"", "a:client-secret", "../x"} {
			if err := call(profile); err == nil || !strings.Contains(err.Error(), "invalid profile name") {
				t.Errorf("%s(%q) = %v, want invalid profile name", name, profile, err)
			}
		}
	}
}

func TestKeyringStoreInjectedErrors(t *testing.T) {
	t.Parallel()
	noProvider := dbus.Error{
		Name: "org.freedesktop.DBus.Error.ServiceUnknown",
		Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"},
	}
	locked := errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'")
	vanished := dbus.Error{
		Name: "org.freedesktop.DBus.Error.UnknownMethod",
		Body: []any{"Object does not exist at path “/org/freedesktop/secrets/collection/login/102”"},
	}
	other := errors.New("boom")

	isUnavailable := func(err error) bool { var e *tokenstore.UnavailableError; return errors.As(err, &e) }
	isLocked := func(err error) bool { var e *tokenstore.LockedError; return errors.As(err, &e) }
	isNotFound := func(err error) bool { return errors.Is(err, tokenstore.ErrNotFound) }
	isNil := func(err error) bool { return err == nil }
	isOther := func(err error) bool { return errors.Is(err, other) }

	tests := []struct {
		name   string
		op     tokenstoretest.Op
		inject error
		call   func(tokenstore.Store) error
		check  func(error) bool
	}{
		{name: "load unavailable", op: tokenstoretest.OpGet, inject: noProvider, call: load, check: isUnavailable},
		{name: "save unavailable", op: tokenstoretest.OpSet, inject: noProvider, call: save, check: isUnavailable},
		{name: "delete unavailable", op: tokenstoretest.OpDelete, inject: noProvider, call: del, check: isUnavailable},
		{name: "secret unavailable", op: tokenstoretest.OpGet, inject: noProvider, call: loadSecret, check: isUnavailable},
		{name: "load locked", op: tokenstoretest.OpGet, inject: locked, call: load, check: isLocked},
		{name: "save locked", op: tokenstoretest.OpSet, inject: locked, call: save, check: isLocked},
		{name: "delete locked", op: tokenstoretest.OpDelete, inject: locked, call: del, check: isLocked},
		{name: "load vanished", op: tokenstoretest.OpGet, inject: vanished, call: load, check: isNotFound},
		{name: "delete vanished", op: tokenstoretest.OpDelete, inject: vanished, call: del, check: isNil},
		{name: "delete secret vanished", op: tokenstoretest.OpDelete, inject: vanished, call: delSecret, check: isNil},
		{name: "load other", op: tokenstoretest.OpGet, inject: other, call: load, check: isOther},
		{name: "save other", op: tokenstoretest.OpSet, inject: other, call: save, check: isOther},
		{name: "delete other", op: tokenstoretest.OpDelete, inject: other, call: del, check: isOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr := tokenstoretest.NewMemKeyring()
			store := tokenstore.NewKeyringStore(kr)
			if err := store.Save("default", sampleTokenSet()); err != nil {
				t.Fatal(err)
			}
			if err := store.SaveSecret("default", testSecret); err != nil {
				t.Fatal(err)
			}
			kr.SetError(tt.op, tt.inject)

			err := tt.call(store)
			if !tt.check(err) {
				t.Fatalf("got %v (%T)", err, err)
			}
			if err != nil && !strings.Contains(err.Error(), `"default"`) {
				t.Errorf("error %q does not name the profile", err)
			}
		})
	}
}

func load(s tokenstore.Store) error       { _, err := s.Load("default"); return err }
func save(s tokenstore.Store) error       { return s.Save("default", sampleTokenSet()) }
func del(s tokenstore.Store) error        { return s.Delete("default") }
func loadSecret(s tokenstore.Store) error { _, err := s.LoadSecret("default"); return err }
func delSecret(s tokenstore.Store) error  { return s.DeleteSecret("default") }

func TestKeyringStoreDescribe(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewKeyringStore(tokenstoretest.NewMemKeyring())
	want := `OS keyring (service "dauth", item "default")`
	if got := store.Describe("default"); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestKeyringStoreNotFoundSentinel(t *testing.T) {
	t.Parallel()
	// Callers test for tokenstore.ErrNotFound, not go-keyring's sentinel.
	_, err := tokenstore.NewKeyringStore(tokenstoretest.NewMemKeyring()).Load("default")
	if errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Load error %v exposes keyring.ErrNotFound", err)
	}
}

// assertNoSecrets fails if err's text contains any test token or secret, or
// part of one.
func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, secret := range []string{testAccess, testRefresh, testSecret, "ACCESS", "REFRESH", "SECRET", "'A'", "'R'"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q contains %q", msg, secret)
		}
	}
}
