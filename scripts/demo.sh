#!/usr/bin/env bash
# Shows dauth's main job against the bundled Discord emulator: sign in with
# the OAuth2 authorization code flow and PKCE, then read the signed-in user
# and their guilds. It needs only Go: no Discord account, browser or keyring.
# `fakediscord open` acts as the browser (through BROWSER), and the tokens go
# to the file store in a temporary directory, which is removed on exit
# together with the emulator.
#
# Usage: scripts/demo.sh
# Each dauth command is echoed to stderr with a "$ " prefix before it runs;
# dauth's results go to stdout. The exit status is non-zero if any step fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The emulator's built-in confidential app. `fakediscord serve -redirect-uri`
# registers the demo's redirect URI for it.
client_id=1000000000000000001
client_secret=fake-client-secret

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/dauth-demo.XXXXXX")
emulator_pid=

cleanup() {
  local status=$?
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$work_dir/fakediscord.log" ]; then
    echo "demo.sh: failed with exit status $status; the emulator's log follows" >&2
    cat "$work_dir/fakediscord.log" >&2
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# show echoes a command line to stderr the way a shell prompt would.
show() {
  printf '$ %s\n' "$*" >&2
}

# run echoes a command, runs it and exits with its status if it fails.
run() {
  show "$*"
  "$@" || fail_step "$*" "$?"
}

fail_step() {
  echo "demo.sh: \`$1\` failed with exit status $2" >&2
  exit "$2"
}

# port_in_use reports whether anything accepts TCP connections on the port on
# 127.0.0.1 or ::1, the two addresses dauth listens on for localhost.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || (exec 3<>"/dev/tcp/::1/$1") 2>/dev/null
}

# pick_port prints a free port for the redirect URI. The range lies below the
# default Linux ephemeral port range (32768-60999), so outgoing connections do
# not take it meanwhile. Another program can still bind it before dauth does,
# and dauth then fails with an error that names the port.
pick_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 10000))
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  echo "demo.sh: found no free port in 20000-29999 on loopback after 50 tries" >&2
  return 1
}

echo "demo.sh: building dauth and the Discord emulator" >&2
mkdir -p "$work_dir/bin" "$work_dir/home" "$work_dir/config"
go build -o "$work_dir/bin/dauth" .
go build -o "$work_dir/bin/fakediscord" ./internal/fakediscord/cmd/fakediscord
export PATH="$work_dir/bin:$PATH"

# Keep the caller's settings and files out of the demo: no DAUTH_* variable
# from the environment, and a home directory of its own.
while IFS= read -r name; do
  unset "$name"
done < <(compgen -e | grep '^DAUTH_' || true)
export HOME=$work_dir/home
unset XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME XDG_STATE_HOME

port=$(pick_port)
redirect_uri=http://localhost:$port

fakediscord serve -addr 127.0.0.1:0 -redirect-uri "$redirect_uri" -url-file "$work_dir/url" \
  >/dev/null 2>"$work_dir/fakediscord.log" &
emulator_pid=$!
for _ in $(seq 200); do
  if [ -s "$work_dir/url" ]; then
    break
  fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "demo.sh: the emulator exited before it wrote its URL" >&2
    exit 1
  fi
  sleep 0.05
done
emulator_url=$(head -n 1 "$work_dir/url" 2>/dev/null || true)
case $emulator_url in
http://*) ;;
*)
  echo "demo.sh: the emulator wrote no URL to $work_dir/url within 10 s" >&2
  exit 1
  ;;
esac
echo "demo.sh: the Discord emulator serves $emulator_url" >&2

show "export DAUTH_DISCORD_URL=$emulator_url DAUTH_STORAGE=file DAUTH_CONFIG_DIR=$work_dir/config BROWSER='fakediscord open'"
export DAUTH_DISCORD_URL=$emulator_url DAUTH_STORAGE=file DAUTH_CONFIG_DIR=$work_dir/config
export BROWSER='fakediscord open'

# The secret is the emulator's published fake one, so echoing it is harmless.
# With a real app, pipe it from a secret store instead.
login=(dauth login --client-id "$client_id" --redirect-uri "$redirect_uri" --client-secret-stdin --timeout 1m)
show "printf '%s\n' $client_secret | ${login[*]}"
printf '%s\n' "$client_secret" | "${login[@]}" || fail_step "dauth login" "$?"

run dauth me
run dauth guilds
run dauth guilds --json

echo "demo.sh: done; stopping the emulator and removing $work_dir" >&2
