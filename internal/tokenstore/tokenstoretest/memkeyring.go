// Package tokenstoretest provides an in-memory tokenstore.Keyring for tests
// of any package.
package tokenstoretest

import (
	"sync"

	keyring "github.com/zalando/go-keyring"
)

// Op names a Keyring method, for injecting errors and counting calls.
type Op string

// The Keyring methods.
const (
	OpGet    Op = "get"
	OpSet    Op = "set"
	OpDelete Op = "delete"
)

// MemKeyring is an in-memory tokenstore.Keyring that behaves like
// go-keyring: Get and Delete of a missing item return keyring.ErrNotFound,
// and Set replaces an existing item. It is safe for concurrent use.
type MemKeyring struct {
	mu    sync.Mutex
	items map[itemKey]string
	errs  map[Op]error
	calls map[Op]int
}

type itemKey struct {
	service, user string
}

// NewMemKeyring returns an empty MemKeyring.
func NewMemKeyring() *MemKeyring {
	return &MemKeyring{
		items: map[itemKey]string{},
		errs:  map[Op]error{},
		calls: map[Op]int{},
	}
}

// Get returns the stored password, keyring.ErrNotFound, or the error set
// for OpGet.
func (k *MemKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()

	k.calls[OpGet]++
	if err := k.errs[OpGet]; err != nil {
		return "", err
	}
	password, ok := k.items[itemKey{service, user}]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return password, nil
}

// Set stores or replaces the password, unless an error is set for OpSet.
func (k *MemKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()

	k.calls[OpSet]++
	if err := k.errs[OpSet]; err != nil {
		return err
	}
	k.items[itemKey{service, user}] = password
	return nil
}

// Delete removes the item, or returns keyring.ErrNotFound or the error set
// for OpDelete.
func (k *MemKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()

	k.calls[OpDelete]++
	if err := k.errs[OpDelete]; err != nil {
		return err
	}
	key := itemKey{service, user}
	if _, ok := k.items[key]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.items, key)
	return nil
}

// SetError makes every later call of op return err without touching the
// stored items, until SetError(op, nil) clears it.
func (k *MemKeyring) SetError(op Op, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.errs[op] = err
}

// Item returns the stored password and whether the item exists, without
// counting as a call.
func (k *MemKeyring) Item(service, user string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	password, ok := k.items[itemKey{service, user}]
	return password, ok
}

// Len returns the number of stored items.
func (k *MemKeyring) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.items)
}

// Calls returns how many times op was called, including calls that
// returned an injected error.
func (k *MemKeyring) Calls(op Op) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[op]
}
