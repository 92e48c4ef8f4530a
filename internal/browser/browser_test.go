package browser

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a program that opens one URL; see
// TestMain.
const helperEnv = "DAUTH_BROWSER_TEST_HELPER_URL"

const testURL = "http://127.0.0.1:1/oauth2/authorize?client_id=1&scope=identify+guilds&state=a'b\"c"

// TestMain runs the helper program when helperEnv is set: it opens the URL
// with New(os.LookupEnv, os.Stderr) and waits for the launched script, so
// the parent test can check what reached the process's real stdout.
func TestMain(m *testing.M) {
	if url := os.Getenv(helperEnv); url != "" {
		os.Exit(runHelper(url))
	}
	os.Exit(m.Run())
}

func runHelper(url string) int {
	if err := New(os.LookupEnv, os.Stderr).Open(url); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}

	// A BROWSER command is not waited for, so wait for its done file.
	done := os.Getenv("DAUTH_BROWSER_TEST_DONE")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(done); err == nil {
			return 0
		}
	}
	fmt.Fprintln(os.Stderr, "helper: the browser script did not finish")
	return 1
}

// syncBuffer is a bytes.Buffer that is safe for concurrent use, because the
// command's output is copied to it from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// writeScript writes an executable shell script at path that prints a marker
// to stdout and one to stderr, writes each argument on its own line to
// path+".args" and then creates path+".done". It uses only shell builtins,
// so it runs with any PATH.
func writeScript(t *testing.T, path string) {
	t.Helper()

	if runtime.GOOS == "windows" {
		t.Skip("the fake browser is a shell script")
	}
	script := `#!/bin/sh
echo STDOUT-MARKER
echo STDERR-MARKER >&2
for arg in "$@"; do printf '%s\n' "$arg"; done > "$0.args"
: > "$0.done"
`
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// scriptArgs waits for the script at path to finish and returns its arguments.
func scriptArgs(t *testing.T, path string) []string {
	t.Helper()

	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path + ".done"); err != nil {
			continue
		}
		data, err := os.ReadFile(path + ".args")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	t.Fatalf("the browser script %s did not run within 10s", path)
	return nil
}

func envWith(values map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		value, ok := values[key]
		return value, ok
	}
}

func TestSplitWords(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want []string
	}{
		{in: "firefox", want: []string{"firefox"}},
		{in: "  firefox   --new-window\t", want: []string{"firefox", "--new-window"}},
		{in: `'/mnt/c/Program Files/Firefox/firefox.exe' -new-tab`, want: []string{"/mnt/c/Program Files/Firefox/firefox.exe", "-new-tab"}},
		{in: `"/opt/my browser/run" --x`, want: []string{"/opt/my browser/run", "--x"}},
		{in: `/opt/my\ browser/run`, want: []string{"/opt/my browser/run"}},
		{in: `a'b'"c"d`, want: []string{"abcd"}},
		{in: `'' x`, want: []string{"", "x"}},
		{in: `""`, want: []string{""}},
		{in: `'it''s'`, want: []string{"its"}},
		{in: `'a\b'`, want: []string{`a\b`}},
		{in: `"a\"b\\c\$d\` + "`" + `e"`, want: []string{"a\"b\\c$d`e"}},
		{in: `"a\nb"`, want: []string{`a\nb`}},
		{in: "a\\\nb", want: []string{"ab"}},
		{in: "\"a\\\nb\"", want: []string{"ab"}},
		{in: `\'x\"`, want: []string{`'x"`}},
		{in: `$HOME ~/bin/b *`, want: []string{"$HOME", "~/bin/b", "*"}},
		{in: `"$BROWSER"`, want: []string{"$BROWSER"}},
		{in: "a\nb", want: []string{"a", "b"}},
		{in: "   ", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()

			got, err := splitWords(tt.in)
			if err != nil {
				t.Fatalf("splitWords(%q) error: %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitWordsInvalid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want error
	}{
		{in: `'firefox`, want: errUnterminatedSingle},
		{in: `"firefox`, want: errUnterminatedDouble},
		{in: `"firefox\"`, want: errUnterminatedDouble},
		{in: `firefox\`, want: errTrailingBackslash},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()

			if _, err := splitWords(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("splitWords(%q) error = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestOpenBrowserFileWithSpaces(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "Program Files", "my browser")
	writeScript(t, script)
	var stderr syncBuffer

	err := New(envWith(map[string]string{"BROWSER": script}), &stderr).Open(testURL)

	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	if got := scriptArgs(t, script); !slices.Equal(got, []string{testURL}) {
		t.Errorf("script arguments = %q, want only the URL", got)
	}
}

func TestOpenBrowserCommandWithArguments(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "dir with space", "browser")
	writeScript(t, script)
	var stderr syncBuffer
	browser := fmt.Sprintf("'%s' --new-window \"two words\"", script)

	err := New(envWith(map[string]string{"BROWSER": browser}), &stderr).Open(testURL)

	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	want := []string{"--new-window", "two words", testURL}
	if got := scriptArgs(t, script); !slices.Equal(got, want) {
		t.Errorf("script arguments = %q, want %q", got, want)
	}
}

func TestOpenBrowserOutputToStderr(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "browser")
	writeScript(t, script)
	var stderr syncBuffer

	if err := New(envWith(map[string]string{"BROWSER": script}), &stderr).Open(testURL); err != nil {
		t.Fatalf("Open error: %v", err)
	}
	scriptArgs(t, script)

	// The done file is written after both markers, but the copy into the
	// buffer may still be in flight.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(stderr.String(), "STDOUT-MARKER") && strings.Contains(stderr.String(), "STDERR-MARKER") {
			return
		}
	}
	t.Errorf("stderr = %q, want both the command's stdout and stderr markers", stderr.String())
}

func TestOpenBrowserStartFails(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer

	err := New(envWith(map[string]string{"BROWSER": "dauth-test-no-such-browser --flag"}), &stderr).Open(testURL)

	if err == nil {
		t.Fatal("Open with a missing BROWSER command = nil error, want one")
	}
	if !strings.Contains(err.Error(), "dauth-test-no-such-browser") {
		t.Errorf("error %q does not name the command", err)
	}
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("error %v does not wrap exec.ErrNotFound", err)
	}
}

func TestOpenBrowserInvalidValue(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer

	err := New(envWith(map[string]string{"BROWSER": "'firefox"}), &stderr).Open(testURL)

	if !errors.Is(err, errUnterminatedSingle) {
		t.Errorf("Open error = %v, want the unterminated quote", err)
	}
}

// runHelperProcess runs the test binary as the helper program with the given
// extra environment and returns its stdout and stderr.
func runHelperProcess(t *testing.T, env ...string) (stdout, stderr string) {
	t.Helper()

	if runtime.GOOS != "linux" {
		t.Skip("the fake launcher replaces xdg-open, the launcher on Linux")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{helperEnv + "=" + testURL}, env...)
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout = &outBuf
	cmd.Stderr = &errBuf
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper process failed: %v; stderr:\n%s", err, errBuf.String())
	}

	return outBuf.String(), errBuf.String()
}

func TestProcessStdoutCleanWithBROWSER(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "my browser")
	writeScript(t, script)

	stdout, stderr := runHelperProcess(t, "BROWSER="+script, "DAUTH_BROWSER_TEST_DONE="+script+".done")

	if stdout != "" {
		t.Errorf("process stdout = %q, want nothing", stdout)
	}
	if !strings.Contains(stderr, "STDOUT-MARKER") {
		t.Errorf("process stderr = %q, want the command's stdout in it", stderr)
	}
	if got := scriptArgs(t, script); !slices.Equal(got, []string{testURL}) {
		t.Errorf("script arguments = %q, want only the URL", got)
	}
}

func TestProcessStdoutCleanWithLauncher(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	launcher := filepath.Join(bin, "xdg-open")
	writeScript(t, launcher)

	// PATH holds only the fake launcher, so no real browser can start.
	stdout, stderr := runHelperProcess(t, "PATH="+bin, "DAUTH_BROWSER_TEST_DONE="+launcher+".done")

	if stdout != "" {
		t.Errorf("process stdout = %q, want nothing", stdout)
	}
	if !strings.Contains(stderr, "STDOUT-MARKER") || !strings.Contains(stderr, "STDERR-MARKER") {
		t.Errorf("process stderr = %q, want both launcher markers", stderr)
	}
	if got := scriptArgs(t, launcher); !slices.Equal(got, []string{testURL}) {
		t.Errorf("launcher arguments = %q, want only the URL", got)
	}
}

// TestNewEmptyBROWSERUsesLauncher is not parallel because New sets the
// package variables of github.com/pkg/browser.
func TestNewEmptyBROWSERUsesLauncher(t *testing.T) {
	opener := New(envWith(map[string]string{"BROWSER": "  "}), &syncBuffer{})

	if _, ok := opener.(systemOpener); !ok {
		t.Errorf("New with an empty BROWSER = %T, want the system opener", opener)
	}
}
