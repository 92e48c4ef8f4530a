//go:build linux

// Package e2e_test runs the built dauth binary against real parts: the
// Discord emulator on loopback, a Secret Service (gnome-keyring) on the
// D-Bus session bus, and headless Chromium as the browser.
//
// The tests that need a part skip, naming it, when it is missing, and fail
// instead when CI=true. Each reads its setup from the environment:
//
//	DAUTH_E2E=1           the browser tests may run headless Chromium
//	CHROMIUM              the Chromium binary (default: chromium on PATH)
//	DAUTH_REAL_KEYRING=1  DBUS_SESSION_BUS_ADDRESS has a Secret Service with
//	                      an unlocked default collection
//	CI=true               a missing part fails the test
//
// scripts/test.sh sets these up. To run the tests by hand under a private bus:
//
//	XDG_DATA_HOME=$(mktemp -d) DAUTH_REAL_KEYRING=1 DAUTH_E2E=1 dbus-run-session -- sh -c \
//	  'printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && go test -count=1 ./e2e/'
//
// Every child process runs in a process group of its own, with an explicit
// environment, and the group is killed when its test ends.
package e2e_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dauthBinary is the path of the dauth binary that TestMain builds. TestMain
// sets it once, before any test runs, and nothing changes it afterwards.
var dauthBinary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

// runTests builds dauth into a temporary directory, runs the tests and
// removes the directory.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "dauth-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: create the build directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	dauthBinary = filepath.Join(dir, "dauth")
	start := time.Now()
	build := exec.Command("go", "build", "-o", dauthBinary, "..")
	build.Stdout = os.Stderr
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build -o %s ..: %v\n", dauthBinary, err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", dauthBinary, time.Since(start).Round(time.Millisecond))
	}

	// As a subreaper, this process adopts every orphaned descendant, such as
	// a browser whose dauth has exited or a forked dbus-daemon, so the check
	// below finds whatever the tests' own clean-up missed.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: prctl(PR_SET_CHILD_SUBREAPER): %v\n", err)
		return 1
	}
	code := m.Run()
	if left := killDescendants(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: processes outlived the tests and were killed: %s\n", strings.Join(left, ", "))
		code = 1
	}
	return code
}

// killDescendants kills the live child processes that are left once every
// test has ended, reaps all children, and returns the killed ones as
// "PID (command)". Because this process is a subreaper, its children then
// include every orphaned descendant. It must run only after the tests,
// because it reaps children that an exec.Cmd might still wait for.
func killDescendants() []string {
	self := os.Getpid()
	var left []string
	for _, s := range readProcStats() {
		if s.ppid != self || s.state == 'Z' || s.state == 'X' {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", s.pid))
		left = append(left, fmt.Sprintf("%d (%s)", s.pid, strings.TrimSpace(string(comm))))
		_ = syscall.Kill(s.pid, syscall.SIGKILL)
	}
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, 0, nil)
		if pid <= 0 || err != nil {
			return left
		}
	}
}

// inCI reports whether the tests run in CI, where a missing part is a
// failure and not a reason to skip.
func inCI() bool {
	return os.Getenv("CI") == "true"
}

// missingPart skips the test, or fails it when CI=true, because part is
// not set up.
func missingPart(t *testing.T, part string) {
	t.Helper()
	if inCI() {
		t.Fatalf("CI=true, but this test needs %s", part)
	}
	t.Skipf("skipped: needs %s", part)
}

// requireTool returns the path of the program name, which the Debian
// package pkg installs.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missingPart(t, fmt.Sprintf("package %s (%s is not on PATH)", pkg, name))
	}
	return path
}

// requireBrowser checks that the browser tests may run and returns the
// Chromium binary: $CHROMIUM, else chromium on PATH.
func requireBrowser(t *testing.T) string {
	t.Helper()
	if os.Getenv("DAUTH_E2E") != "1" {
		missingPart(t, "env DAUTH_E2E=1 (headless Chromium set up as the browser)")
	}
	requireTool(t, "timeout", "coreutils")
	if path := os.Getenv("CHROMIUM"); path != "" {
		if _, err := exec.LookPath(path); err != nil {
			missingPart(t, fmt.Sprintf("package chromium (CHROMIUM=%s: %v)", path, err))
		}
		return path
	}
	return requireTool(t, "chromium", "chromium")
}

// requireKeyring checks that a real Secret Service is on the session bus
// and that secret-tool can inspect it.
func requireKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("DAUTH_REAL_KEYRING") != "1" {
		missingPart(t, "package gnome-keyring running on the session bus and env DAUTH_REAL_KEYRING=1")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missingPart(t, "a D-Bus session bus with gnome-keyring (DBUS_SESSION_BUS_ADDRESS is not set)")
	}
	requireTool(t, "gnome-keyring-daemon", "gnome-keyring")
	requireTool(t, "secret-tool", "libsecret-tools")
}
