package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// updateLockTimeout bounds the wait for another dauth process that is
// writing the config file; a write takes milliseconds.
const updateLockTimeout = 30 * time.Second

// Update applies change to the config file at path: it takes a lock on
// path+".lock", reads the file as it is now, applies change and saves the
// result. Reading under the lock keeps the profiles that another dauth
// process saved meanwhile, for example a login of another profile that
// ran in parallel.
func Update(ctx context.Context, path string, change func(*File) error) error {
	lock := flock.New(path + ".lock")
	lockCtx, cancel := context.WithTimeout(ctx, updateLockTimeout)
	defer cancel()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	locked, err := lock.TryLockContext(lockCtx, 10*time.Millisecond)
	if err != nil || !locked {
		return fmt.Errorf("lock config file %s: %w", path, firstError(err, lockCtx.Err()))
	}
	defer func() { _ = lock.Unlock() }()

	file, err := Load(path)
	if err != nil {
		return err
	}
	if err := change(file); err != nil {
		return err
	}
	return file.Save(path)
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("not acquired")
}
