#!/usr/bin/env bash
# Runs the Node SDK test against the standalone emulator, or says plainly why it is skipped.
#
# It builds cmd/stytch-emulator into a temporary directory, starts it on 127.0.0.1:0 (the OS picks a
# free port; the emulator prints the real address in its ready line, which is parsed here) with
# --auto-provision (the endpoint-coverage tests each use a project-test-<uuid> project of their own,
# created on first use, besides the STYTCH_PROJECT_ID project the first tests share), and puts the
# OpenAPI contract proxy (internal/contract/contractproxy) in front of it, so every answer the Node
# SDK gets is checked against Stytch's published description as stytch-go's are. It installs
# test/node's pinned dependencies (npm ci, or npm install when there is no lockfile), runs
# `node --test` in test/node with STYTCH_EMULATOR_URL (the proxy), STYTCH_PROJECT_ID and
# STYTCH_SECRET set, stops the proxy, which prints its verdict (after a failed run too), and always
# stops both. Exits non-zero when anything fails, a contract violation included.
set -euo pipefail
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [[ -n "${CI:-}" ]]; then
    # In CI a skip would pass make test without the Node SDK test or its contract check.
    echo "FAIL node-test: node and npm must be installed in CI (the Node SDK test needs them)" >&2
    exit 1
  fi
  echo "SKIP node-test: node and npm are not installed (the Node SDK test needs them)"
  exit 0
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
GO="${GO:-go}"
project_id="${STYTCH_PROJECT_ID:-project-test-6e6f6465-7364-4b00-8000-000000000001}"
secret="${STYTCH_SECRET:-secret-test-node-sdk}"
ready_timeout=10

tmp="$(mktemp -d "${TMPDIR:-/tmp}/stytch-node-test.XXXXXX")"
emu_pid=""
proxy_pid=""
cleanup() {
  for pid in "$proxy_pid" "$emu_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log() {
  echo "--- emulator log ($1) ---" >&2
  cat "$tmp/emulator.out" "$tmp/emulator.err" >&2 2>/dev/null || true
  echo "--- end of emulator log ---" >&2
}

# wait_for_line FILE PREFIX PID WHAT: prints the URL of the first line of FILE that starts with
# PREFIX, failing when PID exits first or nothing comes within ready_timeout.
wait_for_line() {
  local file="$1" prefix="$2" pid="$3" what="$4" found="" deadline=$((SECONDS + ready_timeout))
  while [[ -z "$found" ]]; do
    found="$(sed -n "s|^$prefix\(http://[^ ]*\).*|\1|p" "$file" | head -n 1)"
    [[ -n "$found" ]] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL node-test: the $what exited before it was ready" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "FAIL node-test: the $what printed no ready line within ${ready_timeout}s" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$found"
}

"$GO" build -o "$tmp/stytch-emulator" ./cmd/stytch-emulator
"$GO" build -o "$tmp/contractproxy" ./internal/contract/contractproxy

# Created here, not by the background job's redirections, which run in the child after the fork:
# the first read of the ready line below may come before the child has opened them.
: >"$tmp/emulator.out"
: >"$tmp/emulator.err"
"$tmp/stytch-emulator" --addr 127.0.0.1:0 --data-dir "$tmp/data" --project-id "$project_id" --secret "$secret" --auto-provision \
  >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emu_pid=$!

if ! url="$(wait_for_line "$tmp/emulator.out" "stytch-emulator ready on " "$emu_pid" "emulator")"; then
  show_log "not ready"
  exit 1
fi

: >"$tmp/proxy.out"
"$tmp/contractproxy" --target "$url" >"$tmp/proxy.out" 2>&1 &
proxy_pid=$!
emulator_url="$url"
if ! url="$(wait_for_line "$tmp/proxy.out" "contract proxy ready on " "$proxy_pid" "contract proxy")"; then
  cat "$tmp/proxy.out" >&2
  exit 1
fi

cd "$root/test/node"
if [[ -f package-lock.json ]]; then
  install=(npm ci --no-audit --no-fund --loglevel=error)
else
  install=(npm install --no-audit --no-fund --loglevel=error)
fi
if ! "${install[@]}" >"$tmp/npm.log" 2>&1; then
  cat "$tmp/npm.log" >&2
  echo "FAIL node-test: '${install[*]}' failed in test/node" >&2
  exit 1
fi

echo "node-test: node $(node --version), $(npm ls stytch --depth=0 --parseable --long 2>/dev/null | sed -n 's|.*:\(stytch@[^:]*\).*|\1|p' | head -n 1): running 'node --test' in test/node against $emulator_url through the contract proxy at $url (project $project_id)"
status=0
STYTCH_EMULATOR_URL="$url" STYTCH_PROJECT_ID="$project_id" STYTCH_SECRET="$secret" node --test || status=$?
# The proxy's verdict is printed either way: a contract violation may be why a test failed.
kill -TERM "$proxy_pid"
proxy_status=0
wait "$proxy_pid" || proxy_status=$?
proxy_pid=""
cat "$tmp/proxy.out"
if ((status != 0)); then
  show_log "after the failed run"
  echo "FAIL node-test: node --test exited with status $status" >&2
  exit "$status"
fi
if ((proxy_status != 0)); then
  echo "FAIL node-test: the Node SDK's traffic broke the OpenAPI contract (exit status $proxy_status)" >&2
  exit 1
fi
echo "PASS node-test"
