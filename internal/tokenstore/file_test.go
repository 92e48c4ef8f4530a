package tokenstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"testing"

	"github.com/dauth-cli/dauth/internal/tokenstore"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestFileStoreRoundTrip(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewFileStore(t.TempDir())
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

func TestFileStoreLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := tokenstore.NewFileStore(dir)
	if err := store.Save("work", sampleTokenSet()); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSecret("work", testSecret); err != nil {
		t.Fatal(err)
	}

	want := []string{"work.client-secret", "work.token.json"}
	if got := dirNames(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("dir contains %v, want %v", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "work.client-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != testSecret {
		t.Error("client secret file does not hold exactly the secret")
	}
}

func TestFileStoreModes(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "a", "tokens")
	store := tokenstore.NewFileStore(dir)
	if err := store.Save("default", sampleTokenSet()); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSecret("default", testSecret); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"default.token.json", "default.client-secret"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s mode = %o, want 600", name, mode)
		}
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := di.Mode().Perm(); mode != 0o700 {
		t.Errorf("dir mode = %o, want 700", mode)
	}
}

func TestFileStoreReplaceLeavesNoTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := tokenstore.NewFileStore(dir)
	for i := 0; i < 5; i++ {
		ts := sampleTokenSet()
		ts.RefreshToken = "REFRESH-" + string(rune('a'+i))
		if err := store.Save("default", ts); err != nil {
			t.Fatalf("Save %d: %v", i, err)
		}
	}

	if got := dirNames(t, dir); !reflect.DeepEqual(got, []string{"default.token.json"}) {
		t.Errorf("dir contains %v, want only default.token.json", got)
	}
	got, err := store.Load("default")
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != "REFRESH-e" {
		t.Error("Load did not return the last saved token set")
	}
}

func TestFileStoreSaveFailureKeepsOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := tokenstore.NewFileStore(dir)
	if err := store.Save("default", sampleTokenSet()); err != nil {
		t.Fatal(err)
	}
	bad := sampleTokenSet()
	bad.RefreshToken = ""
	if err := store.Save("default", bad); err == nil {
		t.Fatal("Save of a token set without refresh token succeeded")
	}

	got, err := store.Load("default")
	if err != nil {
		t.Fatalf("Load after failed Save: %v", err)
	}
	if got.RefreshToken != testRefresh {
		t.Error("failed Save changed the stored token set")
	}
}

func TestFileStoreLoadMissing(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewFileStore(filepath.Join(t.TempDir(), "never-created"))
	if _, err := store.Load("default"); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("Load = %v, want ErrNotFound", err)
	}
	if _, err := store.LoadSecret("default"); !errors.Is(err, tokenstore.ErrNotFound) {
		t.Errorf("LoadSecret = %v, want ErrNotFound", err)
	}
}

func TestFileStoreLoadCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
	}{
		{name: "half written", content: `{"access_token":"` + testAccess + `","refresh_to`},
		{name: "plain token", content: testRefresh},
		{name: "empty", content: ""},
		{name: "no refresh token", content: `{"access_token":"` + testAccess + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "default.token.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}

			_, err := tokenstore.NewFileStore(dir).Load("default")
			var corrupt *tokenstore.CorruptError
			if !errors.As(err, &corrupt) {
				t.Fatalf("Load = %v (%T), want *CorruptError", err, err)
			}
			if corrupt.Where != path {
				t.Errorf("Where = %q, want %q", corrupt.Where, path)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestFileStoreLoadUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A directory in place of the file gives a read error that is neither
	// ErrNotFound nor *CorruptError.
	if err := os.Mkdir(filepath.Join(dir, "default.token.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := tokenstore.NewFileStore(dir).Load("default")
	var corrupt *tokenstore.CorruptError
	if err == nil || errors.Is(err, tokenstore.ErrNotFound) || errors.As(err, &corrupt) {
		t.Errorf("Load = %v, want a read error", err)
	}
}

func TestFileStoreSecretTrailingNewline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "default.client-secret"), []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := tokenstore.NewFileStore(dir).LoadSecret("default")
	if err != nil {
		t.Fatal(err)
	}
	if got != testSecret {
		t.Error("LoadSecret did not strip the trailing newline")
	}
}

func TestFileStoreSecretEmpty(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "default.client-secret")
	if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := tokenstore.NewFileStore(dir).LoadSecret("default")
	var corrupt *tokenstore.CorruptError
	if !errors.As(err, &corrupt) {
		t.Fatalf("LoadSecret = %v, want *CorruptError", err)
	}
	if corrupt.Where != path {
		t.Errorf("Where = %q, want %q", corrupt.Where, path)
	}
}

func TestFileStoreDelete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := tokenstore.NewFileStore(dir)
	if err := store.Save("default", sampleTokenSet()); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSecret("default", testSecret); err != nil {
		t.Fatal(err)
	}

	if err := store.Delete("default"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := dirNames(t, dir); !reflect.DeepEqual(got, []string{"default.client-secret"}) {
		t.Errorf("after Delete dir contains %v, want only the secret", got)
	}
	if err := store.DeleteSecret("default"); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("after DeleteSecret dir contains %v", got)
	}
}

func TestFileStoreDeleteMissing(t *testing.T) {
	t.Parallel()
	store := tokenstore.NewFileStore(filepath.Join(t.TempDir(), "never-created"))
	if err := store.Delete("default"); err != nil {
		t.Errorf("Delete of missing = %v, want nil", err)
	}
	if err := store.DeleteSecret("default"); err != nil {
		t.Errorf("DeleteSecret of missing = %v, want nil", err)
	}
}

func TestFileStoreInvalidProfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := tokenstore.NewFileStore(filepath.Join(dir, "tokens"))
	for _, profile := range []string{"../escape", ".hidden", "a/b", ""} {
		if err := store.Save(profile, sampleTokenSet()); err == nil {
			t.Errorf("Save(%q) succeeded", profile)
		}
		if err := store.SaveSecret(profile, testSecret); err == nil {
			t.Errorf("SaveSecret(%q) succeeded", profile)
		}
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("invalid profiles wrote %v", got)
	}
}

func TestFileStoreDescribe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := "file " + filepath.Join(dir, "default.token.json")
	if got := tokenstore.NewFileStore(dir).Describe("default"); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
