package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func envMap(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestDir(t *testing.T) {
	t.Parallel()
	userDir := func() (string, error) { return "/home/u/.config", nil }
	noUserDir := func() (string, error) { return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined") }

	tests := []struct {
		name    string
		env     map[string]string
		userDir func() (string, error)
		want    string
		wantErr bool
	}{
		{name: "env wins", env: map[string]string{"DAUTH_CONFIG_DIR": "/etc/dauth-test"}, userDir: userDir, want: "/etc/dauth-test"},
		{name: "env wins without user dir", env: map[string]string{"DAUTH_CONFIG_DIR": "/x"}, userDir: noUserDir, want: "/x"},
		{name: "empty env ignored", env: map[string]string{"DAUTH_CONFIG_DIR": ""}, userDir: userDir, want: filepath.Join("/home/u/.config", "dauth")},
		{name: "user config dir", env: nil, userDir: userDir, want: filepath.Join("/home/u/.config", "dauth")},
		{name: "no user config dir", env: nil, userDir: noUserDir, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Dir(envMap(tt.env), tt.userDir)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Dir() = %q, want error", got)
				}
				if !strings.Contains(err.Error(), "DAUTH_CONFIG_DIR") {
					t.Errorf("error %q does not mention DAUTH_CONFIG_DIR", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dir() error: %v", err)
			}
			if got != tt.want {
				t.Errorf("Dir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	f, err := Load(filepath.Join(t.TempDir(), "config.json"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if f.Profiles == nil {
		t.Error("Profiles is nil, want empty map")
	}
	if len(f.Profiles) != 0 {
		t.Errorf("Profiles = %v, want empty", f.Profiles)
	}
}

func TestLoadSaveRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	want := &File{Profiles: map[string]*Profile{
		"default": {ClientID: "123", RedirectURI: "http://localhost:3000", Scopes: []string{"identify", "guilds"}, Storage: "keyring"},
		"work":    {ClientID: "456", Storage: "file"},
	}}

	if err := want.Save(path); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load after Save = %+v, want %+v", got, want)
	}
}

func TestSaveModes(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "dauth")
	path := filepath.Join(dir, FileName)
	if err := (&File{}).Save(path); err != nil {
		t.Fatalf("Save: %v", err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode = %o, want 600", mode)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := di.Mode().Perm(); mode != 0o700 {
		t.Errorf("dir mode = %o, want 700", mode)
	}
}

func TestSaveLeavesNoTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	for i := 0; i < 3; i++ {
		if err := (&File{Profiles: map[string]*Profile{"default": {ClientID: "1"}}}).Save(path); err != nil {
			t.Fatalf("Save %d: %v", i, err)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{FileName}) {
		t.Errorf("dir contains %v, want only %s", names, FileName)
	}
}

func TestSaveNilProfiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	if err := (&File{}).Save(path); err != nil {
		t.Fatalf("Save: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); got != "{\n  \"profiles\": {}\n}\n" {
		t.Errorf("file = %q, want an empty profiles object", got)
	}
}

func TestLoadCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
	}{
		{name: "truncated", content: `{"profiles": {"default": {"client_id": "1"`},
		{name: "not json", content: "client_id = 1\n"},
		{name: "wrong type", content: `{"profiles": {"default": {"scopes": "identify"}}}`},
		{name: "bad profile name", content: `{"profiles": {"../x": {}}}`},
		{name: "trailing data", content: `{"profiles": {}} {}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}

			_, err := Load(path)
			var corrupt *CorruptError
			if !errors.As(err, &corrupt) {
				t.Fatalf("Load error = %v (%T), want *CorruptError", err, err)
			}
			if corrupt.Path != path {
				t.Errorf("CorruptError.Path = %q, want %q", corrupt.Path, path)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
		})
	}
}

func TestLoadNullProfile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(`{"profiles": {"default": null}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if f.Profile("default") == nil {
		t.Error(`Profile("default") = nil, want an empty profile`)
	}
}

func TestLoadNullProfiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if f.Profiles == nil {
		t.Error("Profiles is nil, want empty map")
	}
}

func TestLoadUnreadable(t *testing.T) {
	t.Parallel()
	// A directory where the file should be: reading fails with an error
	// that is neither "missing" nor a parse error.
	path := t.TempDir()
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load of a directory succeeded")
	}
	var corrupt *CorruptError
	if errors.As(err, &corrupt) {
		t.Errorf("Load error = %v, want a read error, not *CorruptError", err)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	f := &File{Profiles: map[string]*Profile{"work": {}, "default": {}, "a.b": {}, "Z": {}}}
	want := []string{"Z", "a.b", "default", "work"}
	if got := f.Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestNamesEmpty(t *testing.T) {
	t.Parallel()
	if got := (&File{}).Names(); len(got) != 0 {
		t.Errorf("Names() = %v, want empty", got)
	}
}

func TestProfileMissing(t *testing.T) {
	t.Parallel()
	f := &File{Profiles: map[string]*Profile{"default": {ClientID: "1"}}}
	if p := f.Profile("work"); p != nil {
		t.Errorf(`Profile("work") = %+v, want nil`, p)
	}
	var nilFile *File
	if p := nilFile.Profile("default"); p != nil {
		t.Errorf("nil File Profile = %+v, want nil", p)
	}
}

func TestWriteFileAtomicReplaces(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	if err := WriteFileAtomic(path, []byte("old content, longer")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "new" {
		t.Errorf("content = %q, want %q", data, "new")
	}
}

func TestWriteFileAtomicFailureCleansUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The rename fails because the target is a non-empty directory.
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(target, "child"), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := WriteFileAtomic(target, []byte("x")); err == nil {
		t.Fatal("WriteFileAtomic over a directory succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("dir contains %v, want only target (temp file left behind)", names)
	}
}
