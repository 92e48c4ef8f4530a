package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const pkg = "example.com/m/p"

// line returns one `go test -json` event line.
func line(action, test, output string) string {
	b, err := json.Marshal(event{Action: action, Package: pkg, Test: test, Output: output})
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// passing returns the events of a test that logs a line and passes.
func passing(test string) string {
	return line("run", test, "") +
		line("output", test, "=== RUN   "+test+"\n") +
		line("output", test, "    p_test.go:3: passing-noise\n") +
		line("output", test, "--- PASS: "+test+" (0.00s)\n") +
		line("pass", test, "")
}

func skipping(test, message string) string {
	return line("run", test, "") +
		line("output", test, "=== RUN   "+test+"\n") +
		line("output", test, "    p_test.go:4: "+message+"\n") +
		line("output", test, "--- SKIP: "+test+" (0.00s)\n") +
		line("skip", test, "")
}

func failing(test string) string {
	return line("run", test, "") +
		line("output", test, "=== RUN   "+test+"\n") +
		line("output", test, "    p_test.go:5: want 1, got 2\n") +
		line("output", test, "--- FAIL: "+test+" (0.00s)\n") +
		line("fail", test, "")
}

func packagePassed() string {
	return line("output", "", "PASS\n") + line("output", "", "ok  \t"+pkg+"\t0.01s\n") + line("pass", "", "")
}

func packageFailed() string {
	return line("output", "", "FAIL\n") + line("output", "", "FAIL\t"+pkg+"\t0.01s\n") + line("fail", "", "")
}

// tickingClock returns a clock that advances by step on every call.
func tickingClock(step time.Duration) func() time.Time {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		now = now.Add(step)
		return now
	}
}

func runSummary(t *testing.T, input string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = run(args, strings.NewReader(input), &out, &errOut, tickingClock(1500*time.Millisecond))
	return out.String(), errOut.String(), status
}

func lastLine(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestRunCountsAndStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		input      string
		args       []string
		wantLast   string
		wantStatus int
	}{
		{
			name:       "all passed",
			input:      passing("TestA") + passing("TestB") + packagePassed(),
			wantLast:   "2 passed, 0 failed, 0 skipped",
			wantStatus: 0,
		},
		{
			name:       "one of each",
			input:      passing("TestA") + skipping("TestB", "needs chromium") + failing("TestC") + packageFailed(),
			wantLast:   "1 passed, 1 failed, 1 skipped",
			wantStatus: 1,
		},
		{
			name:       "subtests count",
			input:      line("run", "TestT", "") + passing("TestT/a") + failing("TestT/b") + failing("TestT") + packageFailed(),
			wantLast:   "1 passed, 2 failed, 0 skipped",
			wantStatus: 1,
		},
		{
			name:       "skip allowed without strict",
			input:      passing("TestA") + skipping("TestB", "needs chromium") + packagePassed(),
			wantLast:   "1 passed, 0 failed, 1 skipped",
			wantStatus: 0,
		},
		{
			name:       "skip fails with strict",
			input:      passing("TestA") + skipping("TestB", "needs chromium") + packagePassed(),
			args:       []string{"-strict"},
			wantLast:   "1 passed, 0 failed, 1 skipped",
			wantStatus: 1,
		},
		{
			name:       "no tests pass without strict",
			input:      line("output", "", "?   \t"+pkg+"\t[no test files]\n") + line("skip", "", ""),
			wantLast:   "0 passed, 0 failed, 0 skipped",
			wantStatus: 0,
		},
		{
			name:       "no tests fail with strict",
			input:      line("output", "", "?   \t"+pkg+"\t[no test files]\n") + line("skip", "", ""),
			args:       []string{"-strict"},
			wantLast:   "0 passed, 0 failed, 0 skipped",
			wantStatus: 1,
		},
		{
			name:       "package failed outside tests",
			input:      passing("TestA") + packageFailed(),
			wantLast:   "1 passed, 0 failed, 0 skipped",
			wantStatus: 1,
		},
		{
			name: "timed out test counts as failed",
			input: passing("TestA") + line("run", "TestHang", "") +
				line("output", "TestHang", "panic: test timed out after 2s\n") + packageFailed(),
			wantLast:   "1 passed, 1 failed, 0 skipped",
			wantStatus: 1,
		},
		{
			name:       "input ends mid-test",
			input:      line("run", "TestKilled", ""),
			wantLast:   "0 passed, 1 failed, 0 skipped",
			wantStatus: 1,
		},
		{
			name:       "empty input",
			input:      "",
			wantLast:   "0 passed, 0 failed, 0 skipped",
			wantStatus: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, _, status := runSummary(t, tt.input, tt.args...)
			if got := lastLine(stdout); got != tt.wantLast {
				t.Errorf("last line = %q, want %q\nfull output:\n%s", got, tt.wantLast, stdout)
			}
			if status != tt.wantStatus {
				t.Errorf("exit status = %d, want %d\nfull output:\n%s", status, tt.wantStatus, stdout)
			}
		})
	}
}

func TestRunOutput(t *testing.T) {
	t.Parallel()
	buildFailure := `{"ImportPath":"example.com/m/b [example.com/m/b.test]","Action":"build-output","Output":"# example.com/m/b\n"}` + "\n" +
		`{"ImportPath":"example.com/m/b [example.com/m/b.test]","Action":"build-output","Output":"b.go:2:12: undefined: x\n"}` + "\n" +
		`{"ImportPath":"example.com/m/b [example.com/m/b.test]","Action":"build-fail"}` + "\n" +
		`{"Action":"output","Package":"example.com/m/b","Output":"FAIL\texample.com/m/b [build failed]\n"}` + "\n" +
		`{"Action":"fail","Package":"example.com/m/b","FailedBuild":"example.com/m/b [example.com/m/b.test]"}` + "\n"
	tests := []struct {
		name     string
		input    string
		args     []string
		want     []string
		dontWant []string
	}{
		{
			name:     "passed test output dropped",
			input:    passing("TestA") + packagePassed(),
			want:     []string{"ok  \t" + pkg + "\t0.01s\n"},
			dontWant: []string{"passing-noise", "PASS\n", "=== RUN"},
		},
		{
			name:     "failed test output shown",
			input:    failing("TestC") + packageFailed(),
			want:     []string{"    p_test.go:5: want 1, got 2\n--- FAIL: TestC (0.00s)\n", "FAIL\t" + pkg + "\t0.01s\n", "Failed tests (1):\n    " + pkg + " TestC\n"},
			dontWant: []string{"=== RUN"},
		},
		{
			name:  "skip message listed",
			input: skipping("TestB", "needs chromium: not installed") + packagePassed(),
			want:  []string{"Skipped tests (1):\n    " + pkg + " TestB\n        p_test.go:4: needs chromium: not installed\n"},
		},
		{
			name:  "strict names skip",
			input: passing("TestA") + skipping("TestB", "needs chromium") + packagePassed(),
			args:  []string{"-strict"},
			want:  []string{"FAIL: 1 skipped; with -strict (CI) every test must run\n"},
		},
		{
			name:  "strict names empty run",
			input: "",
			args:  []string{"-strict"},
			want:  []string{"FAIL: no test ran"},
		},
		{
			name:  "build failure shown",
			input: buildFailure,
			want:  []string{"# example.com/m/b\nb.go:2:12: undefined: x\n", "Failed packages (1):\n    example.com/m/b: build failed\n"},
		},
		{
			name:  "package failure named",
			input: passing("TestA") + packageFailed(),
			want:  []string{"Failed packages (1):\n    " + pkg + ": failed outside any test"},
		},
		{
			name: "timed out test output shown",
			input: line("run", "TestHang", "") + line("output", "TestHang", "=== RUN   TestHang\n") +
				line("output", "TestHang", "panic: test timed out after 2s\n") + packageFailed(),
			want: []string{"--- FAIL: TestHang (did not finish: its package failed before the test reported a result)\npanic: test timed out after 2s\n"},
		},
		{
			name:  "plain text passed through",
			input: "no JSON here\n" + passing("TestA") + "trailing text without newline",
			want:  []string{"no JSON here\n", "trailing text without newline\n"},
		},
		{
			name:  "wall time from clock",
			input: passing("TestA"),
			want:  []string{"go test wall time: 1.5s\n1 passed, 0 failed, 0 skipped\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, _, _ := runSummary(t, tt.input, tt.args...)
			for _, want := range tt.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("output lacks %q\nfull output:\n%s", want, stdout)
				}
			}
			for _, dontWant := range tt.dontWant {
				if strings.Contains(stdout, dontWant) {
					t.Errorf("output contains %q\nfull output:\n%s", dontWant, stdout)
				}
			}
		})
	}
}

func TestRunInvalidArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "unknown flag", args: []string{"-verbose"}, wantStderr: "flag provided but not defined: -verbose"},
		{name: "positional argument", args: []string{"out.json"}, wantStderr: `unexpected argument "out.json"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, status := runSummary(t, passing("TestA"), tt.args...)
			if status != 2 {
				t.Errorf("exit status = %d, want 2", status)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

// TestRunRealGoTest checks the summary against the events that the installed
// go command really writes, so a change in its -json format shows up here.
func TestRunRealGoTest(t *testing.T) {
	t.Parallel()
	goCommand, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command not found on PATH: %v", err)
	}
	module := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/probe\n\ngo 1.21\n",
		"p/p_test.go": `package p

import "testing"

func TestPass(t *testing.T) { t.Log("passing-noise") }
func TestSkip(t *testing.T) { t.Skip("needs nothing: skipped on purpose") }
func TestFail(t *testing.T) {
	t.Run("sub", func(t *testing.T) { t.Error("failing on purpose") })
	t.Run("ok", func(t *testing.T) {})
}
`,
		"b/b.go": "package b\n\nfunc f() { undefinedName() }\n",
		"q/q.go": "package q\n",
	}
	for name, content := range files {
		path := filepath.Join(module, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(goCommand, "test", "-json", "-count=1", "./...")
	cmd.Dir = module
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	events, err := cmd.Output()
	if err == nil {
		t.Fatalf("go test passed on a module with a failing test; output:\n%s", events)
	}

	stdout, _, status := runSummary(t, string(events))
	if got, want := lastLine(stdout), "2 passed, 2 failed, 1 skipped"; got != want {
		t.Errorf("last line = %q, want %q\nfull output:\n%s", got, want, stdout)
	}
	if status != 1 {
		t.Errorf("exit status = %d, want 1", status)
	}
	for _, want := range []string{
		"failing on purpose",
		"needs nothing: skipped on purpose",
		"example.com/probe/b: build failed",
		"undefinedName",
		"?   \texample.com/probe/q\t[no test files]",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q\nfull output:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "passing-noise") {
		t.Errorf("output contains the log of a passing test\nfull output:\n%s", stdout)
	}
}
