package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dauth-cli/dauth/internal/config"
)

// TestCompletionsFresh checks that the scripts under completions/ are what
// `dauth completion SHELL` prints now.
func TestCompletionsFresh(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"bash":       "dauth.bash",
		"zsh":        "_dauth",
		"fish":       "dauth.fish",
		"powershell": "dauth.ps1",
	}
	for shell, name := range files {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			f := &Factory{
				In:     strings.NewReader(""),
				Out:    &stdout,
				ErrOut: &stderr,
				Getenv: func(string) (string, bool) { return "", false },
			}
			if code := Main(context.Background(), []string{"completion", shell}, f); code != ExitOK {
				t.Fatalf("dauth completion %s: exit %d, stderr:\n%s", shell, code, stderr.String())
			}
			path := filepath.Join("..", "completions", name)
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v; run `make completions` to generate it", err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("%s is stale: it differs from `dauth completion %s`; run `make completions` to regenerate it", path, shell)
			}
		})
	}
}

// TestCompletionProfiles checks that --profile completes the profile
// names in the config file, through cobra's hidden __complete command.
func TestCompletionProfiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := &config.File{Profiles: map[string]*config.Profile{
		"default": {ClientID: "1"},
		"work":    {ClientID: "2"},
		"bot-dev": {ClientID: "3"},
	}}
	if err := file.Save(filepath.Join(dir, config.FileName)); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "empty prefix", args: []string{"__complete", "me", "--profile", ""}, want: []string{"bot-dev", "default", "work"}},
		{name: "before subcommand", args: []string{"__complete", "--profile", ""}, want: []string{"bot-dev", "default", "work"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			f := &Factory{
				In:     strings.NewReader(""),
				Out:    &stdout,
				ErrOut: &stderr,
				Getenv: func(name string) (string, bool) {
					if name == "DAUTH_CONFIG_DIR" {
						return dir, true
					}
					return "", false
				},
			}
			if code := Main(context.Background(), tt.args, f); code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
				t.Fatalf("output has no directive line:\n%s", stdout.String())
			}
			got := lines[:len(lines)-1]
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("completions = %q, want %q", got, tt.want)
			}
			if directive := lines[len(lines)-1]; directive != ":4" {
				t.Errorf("directive = %q, want :4 (no file completion)", directive)
			}
		})
	}
}
