#!/usr/bin/env bash
# Runs dauth's whole test suite, as `make test` and CI do, against real parts:
# a Secret Service (gnome-keyring on a private D-Bus session bus, unlocked with
# a throwaway password) and a browser (headless Chromium behind a fake
# xdg-open). The tests get their own session bus, HOME, TMPDIR and XDG
# directories, in a temporary directory that is removed on exit, so they do not
# use the caller's keyring, browser profile or home directory.
#
# Usage: scripts/test.sh [go test flags...]
#   Extra arguments go to `go test` after ./..., for example -run TestLogin.
#
# Environment:
#   CI=true              install missing Debian packages or fail, and fail the
#                        run if any test is skipped or no test runs
#   DAUTH_TEST_RACE=0    run the tests without the race detector
#
# Environment the tests get (their contract):
#   DAUTH_REAL_KEYRING=1 a Secret Service is on DBUS_SESSION_BUS_ADDRESS with
#                        an unlocked default collection
#   DAUTH_E2E=1          CHROMIUM is a Chromium binary, and the first xdg-open
#                        on PATH loads its URL argument in headless Chromium
#   CHROMIUM             path of the Chromium binary
#   CI                   passed through unchanged
# Each of the first three is unset when its part could not be set up. Every
# other DAUTH_* variable, BROWSER, DISPLAY and WAYLAND_DISPLAY are unset. A
# test may set FAKE_BROWSER_DOM (file for the final page's DOM),
# FAKE_BROWSER_LOG (file for Chromium's stderr) and FAKE_BROWSER_TIMEOUT
# (seconds, default 30) for the fake xdg-open.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# now prints the time in seconds, with a fraction where bash has EPOCHREALTIME.
now() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    echo "${EPOCHREALTIME/,/.}"
  else
    date +%s
  fi
}
started=$(now)

# step prints a progress line to stderr with the seconds since the start.
step() {
  printf '[%6.1fs] %s\n' "$(awk -v a="$started" -v b="$(now)" 'BEGIN { print b - a }')" "$*" >&2
}

race=${DAUTH_TEST_RACE:-1}
ci=false
if [ "${CI:-}" = true ]; then
  ci=true
fi
linux=false
if [ "$(uname -s)" = Linux ]; then
  linux=true
fi

# --- 1. Debian packages -------------------------------------------------------
# dbus gives dbus-daemon, dbus-send and dbus-run-session (which tests may use
# for a bus without a Secret Service), gnome-keyring the Secret Service,
# libsecret-tools secret-tool for a cross-check, chromium the browser.
# dbus-user-session is preinstalled on the Debian Go images.
packages=(dbus dbus-user-session gnome-keyring libsecret-tools chromium)
if $linux && command -v dpkg-query >/dev/null; then
  missing=()
  for package in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
      step "installing ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    elif $ci; then
      echo "test.sh: missing Debian packages: ${missing[*]}; CI needs them, and only root can install them" >&2
      exit 1
    else
      echo "test.sh: missing Debian packages: ${missing[*]}" >&2
      echo "test.sh: the tests that need them will skip; to run them: sudo apt-get install ${missing[*]}" >&2
    fi
  fi
elif $ci; then
  echo "test.sh: CI needs Debian Linux with dpkg-query to install the keyring and browser packages" >&2
  exit 1
fi

# --- 2. Go modules ------------------------------------------------------------
step "go mod download"
go mod download

# The tests get their own HOME, so pin the Go directories that default to
# paths under HOME (build cache, module cache, GOPATH, go env file) first.
GOCACHE=$(go env GOCACHE)
GOMODCACHE=$(go env GOMODCACHE)
GOPATH=$(go env GOPATH)
GOENV=$(go env GOENV)
export GOCACHE GOMODCACHE GOPATH GOENV

# --- 3. Isolated directories and clean-up ------------------------------------
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/dauth-test.XXXXXX")
mkdir -p -m 700 "$work_dir/run" "$work_dir/data" "$work_dir/config" "$work_dir/cache" \
  "$work_dir/state" "$work_dir/home" "$work_dir/tmp" "$work_dir/bin" "$work_dir/logs" "$work_dir/tools"

bus_pid=
keyring_pid=
session_file=$work_dir/test-session-id

# session_of prints the session ID of a process, read from /proc/PID/stat.
session_of() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name in field 2 may contain spaces and ")", so the fields are
  # read after its last ")": state, ppid, pgrp, session.
  stat=${stat##*) }
  read -r _ _ _ stat _ <<<"$stat"
  echo "$stat"
}

# kill_session kills every process left in the session the tests ran in,
# Chromium and its helpers included, each by its PID. `timeout` moves
# Chromium into a process group of its own, so killing the tests' process
# group alone would miss it, but the session ID still matches.
kill_session() {
  local session dir pid
  session=$(cat "$session_file" 2>/dev/null || true)
  # Never this script's own session, which contains the caller's shell.
  [ -n "$session" ] && [ "$session" != "$(session_of $$)" ] || return 0
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if [ "$(session_of "$pid" || true)" = "$session" ]; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}

cleanup() {
  kill_session
  if [ -n "$keyring_pid" ]; then
    kill "$keyring_pid" 2>/dev/null || true
  fi
  if [ -n "$bus_pid" ]; then
    kill "$bus_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir" 2>/dev/null || { sleep 1; rm -rf "$work_dir" || true; }
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export HOME=$work_dir/home TMPDIR=$work_dir/tmp
export XDG_RUNTIME_DIR=$work_dir/run XDG_DATA_HOME=$work_dir/data XDG_CONFIG_HOME=$work_dir/config
export XDG_CACHE_HOME=$work_dir/cache XDG_STATE_HOME=$work_dir/state
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL DISPLAY WAYLAND_DISPLAY BROWSER
while IFS= read -r name; do
  unset "$name"
done < <(compgen -e | grep '^DAUTH_' || true)

# --- 4. Private session bus and gnome-keyring --------------------------------
real_keyring=false
if $linux && command -v dbus-daemon >/dev/null && command -v dbus-send >/dev/null &&
  command -v gnome-keyring-daemon >/dev/null; then
  step "starting a private session bus and gnome-keyring"
  if ! { read -r DBUS_SESSION_BUS_ADDRESS && read -r bus_pid; } < <(
    dbus-daemon --session --fork --nopidfile --address="unix:path=$XDG_RUNTIME_DIR/bus" \
      --print-address=1 --print-pid=1 2>>"$work_dir/logs/dbus-daemon.log"); then
    echo "test.sh: starting dbus-daemon failed; its log:" >&2
    cat "$work_dir/logs/dbus-daemon.log" >&2
    exit 1
  fi
  export DBUS_SESSION_BUS_ADDRESS

  # The password must be non-empty: with an empty one gnome-keyring creates
  # no login collection, and every keyring call fails.
  if ! printf '%s' dauth-test-throwaway-password |
    gnome-keyring-daemon --daemonize --unlock --components=secrets \
      >/dev/null 2>>"$work_dir/logs/gnome-keyring.log"; then
    echo "test.sh: starting gnome-keyring-daemon failed; its log:" >&2
    cat "$work_dir/logs/gnome-keyring.log" >&2
    exit 1
  fi

  ask_bus() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      "org.freedesktop.DBus.$1" string:org.freedesktop.secrets 2>/dev/null
  }
  # Wait for the unlocked daemon to own the name. A client that asks earlier
  # makes D-Bus start a second daemon through service activation.
  for _ in $(seq 100); do
    if ask_bus NameHasOwner | grep -q 'boolean true'; then
      keyring_pid=$(ask_bus GetConnectionUnixProcessID | awk '/uint32/ { print $2 }')
      break
    fi
    sleep 0.05
  done
  if [ -z "$keyring_pid" ]; then
    echo "test.sh: gnome-keyring did not take org.freedesktop.secrets on the private bus within 5 s; its log:" >&2
    cat "$work_dir/logs/gnome-keyring.log" >&2
    exit 1
  fi

  if command -v secret-tool >/dev/null; then
    printf '%s' probe-secret | secret-tool store --label=dauth-test-probe service dauth-test-probe account probe
    if [ "$(secret-tool lookup service dauth-test-probe account probe)" != probe-secret ]; then
      echo "test.sh: the private keyring did not return the secret that secret-tool stored" >&2
      exit 1
    fi
    secret-tool clear service dauth-test-probe account probe
  fi
  real_keyring=true
  step "keyring ready: bus pid $bus_pid, gnome-keyring-daemon pid $keyring_pid"
else
  echo "test.sh: no dbus-daemon or gnome-keyring-daemon; the real-keyring tests will skip" >&2
fi

# --- 5. Fake xdg-open running headless Chromium ------------------------------
e2e=false
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if $linux && [ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ]; then
  export CHROMIUM
  # github.com/pkg/browser runs the first of xdg-open, x-www-browser and
  # www-browser found on PATH. This one waits for the page to load, unlike
  # the real xdg-open, which cannot open anything without a display.
  cat >"$work_dir/bin/xdg-open" <<EOF
#!/bin/sh
# Loads \$1 in headless Chromium, following redirects, writes the final DOM to
# \$FAKE_BROWSER_DOM and Chromium's log to \$FAKE_BROWSER_LOG (both default to
# /dev/null), and exits when the page has loaded or after
# \$FAKE_BROWSER_TIMEOUT seconds (default 30).
profile=\$(mktemp -d) || exit 1
trap 'rm -rf "\$profile"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Chromium writes under HOME and the XDG directories even with --user-data-dir.
export HOME="\$profile" XDG_CONFIG_HOME="\$profile" XDG_CACHE_HOME="\$profile"
# --password-store=basic keeps Chromium from adding its own item to the keyring.
timeout "\${FAKE_BROWSER_TIMEOUT:-30}" "\${CHROMIUM:-$CHROMIUM}" --headless --no-sandbox \\
  --disable-gpu --disable-quic --no-first-run --disable-background-networking \\
  --disable-component-update --disable-sync --password-store=basic \\
  --user-data-dir="\$profile" --dump-dom "\$1" \\
  >"\${FAKE_BROWSER_DOM:-/dev/null}" 2>>"\${FAKE_BROWSER_LOG:-/dev/null}"
EOF
  chmod +x "$work_dir/bin/xdg-open"
  export PATH="$work_dir/bin:$PATH"
  e2e=true
  step "fake xdg-open on PATH runs $CHROMIUM"
else
  unset CHROMIUM
  echo "test.sh: no chromium; the browser end-to-end tests will skip" >&2
fi

# --- 6. Vet, cross-builds, tests ---------------------------------------------
step "go vet ./..."
go vet ./...
step "GOOS=darwin GOARCH=arm64 go build ./..."
GOOS=darwin GOARCH=arm64 go build ./...
step "GOOS=windows GOARCH=amd64 go build ./..."
GOOS=windows GOARCH=amd64 go build ./...

go build -o "$work_dir/tools/testsummary" ./scripts/testsummary

test_flags=(-json -count=1 -timeout=5m)
if [ "$race" != 0 ]; then
  if [ "$(go env CGO_ENABLED)" = 1 ] && command -v "$(go env CC)" >/dev/null; then
    test_flags+=(-race)
  elif $ci; then
    echo "test.sh: the race detector needs cgo and a C compiler ($(go env CC)); CI runs with -race" >&2
    exit 1
  else
    echo "test.sh: no C compiler for cgo; running without -race" >&2
  fi
fi
summary_flags=()
if $ci; then
  summary_flags+=(-strict)
fi

test_env=()
if $real_keyring; then
  test_env+=(DAUTH_REAL_KEYRING=1)
fi
if $e2e; then
  test_env+=(DAUTH_E2E=1)
fi

step "go test ${test_flags[*]} ./... $* ${test_env[*]}"
# run_tests runs go test piped through the summary. Where setsid exists, go
# test runs in a session of its own and records the session ID, so clean-up
# can find whatever the tests leave running.
run_tests() {
  set -o pipefail
  local session_prefix=()
  if command -v setsid >/dev/null; then
    # setsid -w waits for its child when it has to fork, so the pipeline
    # still gets the tests' exit status.
    session_prefix=(setsid -w bash -c 'echo $$ >"$0"; exec "$@"' "$session_file")
  fi
  env ${test_env[@]+"${test_env[@]}"} ${session_prefix[@]+"${session_prefix[@]}"} \
    go test "${test_flags[@]}" ./... "$@" |
    "$work_dir/tools/testsummary" ${summary_flags[@]+"${summary_flags[@]}"}
}
# The tests run in the background because bash runs an INT or TERM trap only
# after the foreground command has ended, whereas it interrupts `wait`.
run_tests "$@" &
status=0
wait "$!" || status=$?
exit "$status"
