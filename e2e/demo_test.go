//go:build linux

package e2e_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dauth-cli/dauth/internal/fakediscord"
)

// TestReadmeDemo runs scripts/demo.sh, the demo that the README shows, and
// checks that it ends with the emulated user's guilds as JSON on stdout.
func TestReadmeDemo(t *testing.T) {
	t.Parallel()
	requireTool(t, "bash", "bash")

	// demo.sh builds dauth itself, so it needs the Go toolchain's
	// environment. It removes DAUTH_* itself too, but a demo that passes
	// only because of the developer's settings would prove nothing.
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DAUTH_") || name == "BROWSER" || name == "DISPLAY" || name == "WAYLAND_DISPLAY" {
			continue
		}
		env = append(env, kv)
	}
	demo, err := startProcess(t, env, nil, "bash", "../scripts/demo.sh")
	if err != nil {
		t.Fatal(err)
	}
	code := demo.wait(t)
	stdout := demo.stdout.String()
	if code != 0 {
		t.Fatalf("bash ../scripts/demo.sh exited %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout, demo.stderr)
	}

	var guilds []map[string]any
	for line := range strings.Lines(stdout) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && json.Unmarshal([]byte(line), &guilds) == nil {
			break
		}
	}
	if len(guilds) == 0 {
		t.Fatalf("demo.sh stdout has no JSON array of guilds:\n%s", stdout)
	}
	for i, g := range guilds {
		if id, _ := g["id"].(string); id == "" {
			t.Errorf("guild %d in demo.sh's JSON has no string id: %v", i, g)
		}
		if name, _ := g["name"].(string); name == "" {
			t.Errorf("guild %d in demo.sh's JSON has no name: %v", i, g)
		}
	}
	if !strings.Contains(stdout, fakediscord.Username) {
		t.Errorf("demo.sh stdout does not show the signed-in user %s:\n%s", fakediscord.Username, stdout)
	}
}
