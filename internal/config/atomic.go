package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFileAtomic replaces the file at path with data, readable and writable
// by the owner only (mode 0600). It creates missing parent directories with
// mode 0700 and leaves the mode of existing ones alone.
//
// The data goes to a temporary file in the same directory, which is synced
// and then renamed over path. A concurrent reader, or the file left after a
// crash, therefore has either the old content or the new, never a partial
// write. The config file and the file token store both use it.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}

	// os.CreateTemp creates the file with mode 0600 before any data is
	// written, so the content is never readable by others.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}

	syncDir(dir)
	return nil
}

// syncDir flushes the directory entry created by the rename. It is best
// effort: the file content is already synced, and Windows cannot open a
// directory for syncing.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
