package tokenstoretest_test

import (
	"errors"
	"testing"

	keyring "github.com/zalando/go-keyring"

	"github.com/dauth-cli/dauth/internal/tokenstore"
	"github.com/dauth-cli/dauth/internal/tokenstore/tokenstoretest"
)

var _ tokenstore.Keyring = tokenstoretest.NewMemKeyring()

func TestMemKeyringGetMissing(t *testing.T) {
	t.Parallel()
	if _, err := tokenstoretest.NewMemKeyring().Get("dauth", "x"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Get = %v, want keyring.ErrNotFound", err)
	}
}

func TestMemKeyringDeleteMissing(t *testing.T) {
	t.Parallel()
	if err := tokenstoretest.NewMemKeyring().Delete("dauth", "x"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Delete = %v, want keyring.ErrNotFound", err)
	}
}

func TestMemKeyringSetReplaces(t *testing.T) {
	t.Parallel()
	k := tokenstoretest.NewMemKeyring()
	if err := k.Set("dauth", "x", "1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set("dauth", "x", "2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := k.Get("dauth", "x"); got != "2" {
		t.Errorf("Get = %q, want 2", got)
	}
	if k.Len() != 1 {
		t.Errorf("Len = %d, want 1", k.Len())
	}
}

func TestMemKeyringServicesSeparate(t *testing.T) {
	t.Parallel()
	k := tokenstoretest.NewMemKeyring()
	if err := k.Set("a", "x", "1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Item("b", "x"); ok {
		t.Error("item set under service a is visible under service b")
	}
}

func TestMemKeyringSetError(t *testing.T) {
	t.Parallel()
	k := tokenstoretest.NewMemKeyring()
	if err := k.Set("dauth", "x", "1"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")

	k.SetError(tokenstoretest.OpGet, boom)
	if _, err := k.Get("dauth", "x"); !errors.Is(err, boom) {
		t.Errorf("Get = %v, want injected error", err)
	}
	k.SetError(tokenstoretest.OpDelete, boom)
	if err := k.Delete("dauth", "x"); !errors.Is(err, boom) {
		t.Errorf("Delete = %v, want injected error", err)
	}
	if _, ok := k.Item("dauth", "x"); !ok {
		t.Error("failed Delete removed the item")
	}
	k.SetError(tokenstoretest.OpSet, boom)
	if err := k.Set("dauth", "x", "2"); !errors.Is(err, boom) {
		t.Errorf("Set = %v, want injected error", err)
	}
	if v, _ := k.Item("dauth", "x"); v != "1" {
		t.Error("failed Set changed the item")
	}

	k.SetError(tokenstoretest.OpGet, nil)
	if v, err := k.Get("dauth", "x"); err != nil || v != "1" {
		t.Errorf("Get after clearing = %q, %v", v, err)
	}
}

func TestMemKeyringCalls(t *testing.T) {
	t.Parallel()
	k := tokenstoretest.NewMemKeyring()
	k.SetError(tokenstoretest.OpSet, errors.New("boom"))
	_ = k.Set("dauth", "x", "1")
	_, _ = k.Get("dauth", "x")
	_, _ = k.Get("dauth", "x")
	_, _ = k.Item("dauth", "x")

	if n := k.Calls(tokenstoretest.OpSet); n != 1 {
		t.Errorf("Calls(set) = %d, want 1", n)
	}
	if n := k.Calls(tokenstoretest.OpGet); n != 2 {
		t.Errorf("Calls(get) = %d, want 2", n)
	}
	if n := k.Calls(tokenstoretest.OpDelete); n != 0 {
		t.Errorf("Calls(delete) = %d, want 0", n)
	}
}
