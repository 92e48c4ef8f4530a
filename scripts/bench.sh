#!/usr/bin/env bash
# Measures dauth's start-up and the cost of one API command, and runs the Go
# benchmarks that count requests and keyring reads per command. Everything
# runs against the bundled Discord emulator on 127.0.0.1, with tokens in the
# file store in a temporary directory that is removed on exit.
#
# Usage: scripts/bench.sh
#
# Steps:
#   1. build dauth as a release would (-ldflags="-s -w") and the emulator
#   2. check that `dauth --version` and `dauth --help` send no request: the
#      emulator's request log (GET /_fake/requests) must stay empty
#   3. time `dauth --version`, `dauth --help` and `dauth me` with hyperfine,
#      and `gh --version` for comparison when gh is installed. A missing
#      hyperfine is installed with apt-get as root, else the step is skipped
#   4. print each command's maximum resident set size with /usr/bin/time -v
#      (Debian package `time`; skipped when missing)
#   5. go test -run '^$' -bench . -benchmem ./...
#
# Environment:
#   BENCH_RUNS=30   hyperfine runs per command (at least 20 is sensible)
#   BENCH_WARMUP=5  hyperfine warm-up runs per command
#
# The exit status is non-zero if a step fails or step 2 finds a request.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-5}

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/dauth-bench.XXXXXX")
emulator_pid=

cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() {
  printf '\n== %s\n' "$*"
}

# --- 1. Build -------------------------------------------------------------------
say "building dauth (-ldflags=\"-s -w\") and the Discord emulator"
mkdir -p "$work_dir/bin" "$work_dir/home" "$work_dir/config"
go build -ldflags="-s -w" -o "$work_dir/bin/dauth" .
go build -o "$work_dir/bin/fakediscord" ./internal/fakediscord/cmd/fakediscord
dauth=$work_dir/bin/dauth
fakediscord=$work_dir/bin/fakediscord
echo "dauth binary: $(wc -c <"$dauth") bytes"

# Keep the caller's settings and files out of the measurements. The Go
# directories that default to paths under HOME are pinned first, so step 5
# reuses the build cache.
GOCACHE=$(go env GOCACHE)
GOMODCACHE=$(go env GOMODCACHE)
GOPATH=$(go env GOPATH)
GOENV=$(go env GOENV)
export GOCACHE GOMODCACHE GOPATH GOENV
while IFS= read -r name; do
  unset "$name"
done < <(compgen -e | grep '^DAUTH_' || true)
export HOME=$work_dir/home
unset XDG_CONFIG_HOME BROWSER

# pick_port prints a loopback port below the Linux ephemeral range that
# nothing accepts connections on right now.
pick_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
      ! (exec 3<>"/dev/tcp/::1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "bench.sh: found no free port in 20000-29999 on loopback after 50 tries" >&2
  return 1
}

redirect_uri=http://localhost:$(pick_port)
"$fakediscord" serve -addr 127.0.0.1:0 -redirect-uri "$redirect_uri" -url-file "$work_dir/url" \
  >/dev/null 2>"$work_dir/fakediscord.log" &
emulator_pid=$!
for _ in $(seq 200); do
  [ -s "$work_dir/url" ] && break
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "bench.sh: the emulator exited before it wrote its URL; its log:" >&2
    cat "$work_dir/fakediscord.log" >&2
    exit 1
  fi
  sleep 0.05
done
emulator_url=$(head -n 1 "$work_dir/url" 2>/dev/null || true)
case $emulator_url in
http://127.0.0.1:*) ;;
*)
  echo "bench.sh: the emulator wrote no loopback URL to $work_dir/url within 10 s" >&2
  exit 1
  ;;
esac
echo "emulator: $emulator_url"

export DAUTH_DISCORD_URL=$emulator_url DAUTH_CONFIG_DIR=$work_dir/config DAUTH_STORAGE=file

# request_log prints the emulator's request log, a JSON array.
request_log() {
  if command -v curl >/dev/null; then
    curl -fsS "$emulator_url/_fake/requests"
    return
  fi
  local hostport=${emulator_url#http://}
  exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
  printf 'GET /_fake/requests HTTP/1.0\r\nHost: %s\r\n\r\n' "$hostport" >&3
  # Print the body: everything after the blank line that ends the headers.
  sed '1,/^\r\{0,1\}$/d' <&3
  exec 3<&-
}

# --- 2. No network for --help and --version -------------------------------------
say "checking that --version and --help send no request"
for args in --version --help; do
  "$dauth" "$args" >/dev/null
done
log=$(request_log)
if [ "$(tr -d '[:space:]' <<<"$log")" != "[]" ]; then
  echo "bench.sh: dauth --version or --help sent requests to the emulator: $log" >&2
  exit 1
fi
echo "request log after dauth --version and dauth --help: $log"

# Sign in once, so that `dauth me` has a token set to use.
printf '%s\n' fake-client-secret |
  BROWSER="$fakediscord open" "$dauth" login --client-id 1000000000000000001 \
    --redirect-uri "$redirect_uri" --client-secret-stdin --timeout 1m 2>"$work_dir/login.log" || {
  echo "bench.sh: dauth login against the emulator failed; its output:" >&2
  cat "$work_dir/login.log" >&2
  exit 1
}
"$dauth" me >/dev/null

# --- 3. Wall time with hyperfine ------------------------------------------------
commands=("$dauth --version" "$dauth --help" "$dauth me")
if command -v gh >/dev/null; then
  commands+=("$(command -v gh) --version")
fi

if ! command -v hyperfine >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  say "installing hyperfine"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends hyperfine >/dev/null
fi
if command -v hyperfine >/dev/null; then
  say "hyperfine: $warmup warm-up runs, $runs runs per command"
  # -N runs each command without a shell, so the numbers hold no shell start-up.
  hyperfine -N --warmup "$warmup" --runs "$runs" --export-markdown "$work_dir/hyperfine.md" "${commands[@]}"
  echo
  sed "s|$work_dir/bin/||g" "$work_dir/hyperfine.md"
else
  say "skipping the wall-time measurements: hyperfine is not installed (sudo apt-get install hyperfine)"
fi

# --- 4. Memory ------------------------------------------------------------------
if [ -x /usr/bin/time ]; then
  say "maximum resident set size (/usr/bin/time -v)"
  for command in "${commands[@]}"; do
    # Word splitting is intended: each entry is a path and flags without spaces.
    # shellcheck disable=SC2086
    rss=$(/usr/bin/time -v $command 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }')
    printf '%-20s %s KiB\n' "${command#"$work_dir/bin/"}" "$rss"
  done
else
  say "skipping the memory measurements: /usr/bin/time is not installed (sudo apt-get install time)"
fi

# --- 5. Go benchmarks -----------------------------------------------------------
say "go test -run '^\$' -bench . -benchmem ./..."
go test -run '^$' -bench . -benchmem ./...
