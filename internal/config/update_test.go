package config

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func TestUpdateParallelKeepsEveryProfile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dauth", FileName)

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Update(context.Background(), path, func(f *File) error {
				f.Profiles[fmt.Sprintf("p%d", i)] = &Profile{ClientID: "1000000000000000001"}
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}

	file, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(file.Profiles); got != 8 {
		t.Errorf("profiles after 8 parallel updates = %d (%v), want 8", got, file.Names())
	}
}

func TestUpdateChangeErrorSavesNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	if err := Update(context.Background(), path, func(f *File) error {
		f.Profiles["a"] = &Profile{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	wantErr := fmt.Errorf("rejected")
	err := Update(context.Background(), path, func(f *File) error {
		delete(f.Profiles, "a")
		return wantErr
	})
	if err != wantErr {
		t.Errorf("Update err = %v, want the change's error", err)
	}
	file, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if file.Profile("a") == nil {
		t.Error("profile a was removed although the change failed")
	}
}
