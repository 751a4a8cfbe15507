#!/usr/bin/env bash
# Runs the Dockerfile's build steps natively and checks what the image promises, for machines
# without a container runtime (or without access to the base images): the Dockerfile's own
# `go build` line (CGO_ENABLED=0, -trimpath, -ldflags="-s -w"), a statically linked binary, the
# runtime user (uid 65532, non-root), the entrypoint's flags (every interface, /data), and the
# HEALTHCHECK command answering on the health endpoint. Then SIGTERM stops it with exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "docker-build-check: $*" >&2; exit 1; }

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# 1. The build stage's go build line, as the Dockerfile writes it, with /out/ moved to a temp dir.
build_line="$(sed -n 's/^RUN \(CGO_ENABLED=0 go build .*\)$/\1/p' Dockerfile)"
[[ -n "$build_line" ]] || fail "no 'RUN CGO_ENABLED=0 go build' line in the Dockerfile"
bin="$tmp/stytch-emulator"
(eval "${build_line//\/out\//$tmp/}") || fail "the Dockerfile's build line failed: $build_line"
[[ -x "$bin" ]] || fail "the build line did not write $bin"

# 2. Static: no interpreter, no shared library (the runtime image has no libc).
file "$bin" | grep -q 'statically linked' || fail "not statically linked: $(file "$bin")"
if ldd_out="$(ldd "$bin" 2>&1)"; then fail "ldd lists libraries: $ldd_out"; fi
grep -q 'not a dynamic executable' <<<"$ldd_out" || fail "ldd: $ldd_out"

# 3. The runtime stage's promises, as written.
grep -q '^USER 65532:65532$' Dockerfile || fail "the runtime user is not 65532"
grep -q '^EXPOSE 9010$' Dockerfile || fail "no EXPOSE 9010"
grep -q '^ENTRYPOINT \["/stytch-emulator", "--addr", "0.0.0.0:9010", "--data-dir", "/data"\]$' Dockerfile ||
  fail "the ENTRYPOINT changed: update this check"
grep -q 'CMD \["/stytch-emulator", "--healthcheck", "http://127.0.0.1:9010/emulator/v1/health"\]' Dockerfile ||
  fail "the HEALTHCHECK changed: update this check"

# 4. Run it as the image does, but on a free port: as uid 65532 (when this script runs as root),
#    on every interface, with a data directory only that user can write.
uid=65532
as_user=()
if [[ "$(id -u)" == 0 ]]; then
  as_user=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
  chmod 0755 "$tmp"
  mkdir -m 0700 "$tmp/data"
  chown "$uid:$uid" "$tmp/data"
else
  uid="$(id -u)"
  mkdir -m 0700 "$tmp/data"
fi
"${as_user[@]}" "$bin" --addr 0.0.0.0:0 --data-dir "$tmp/data" >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 100); do
  grep -q 'ready on' "$tmp/stdout" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "the emulator stopped: $(cat "$tmp/stderr")"
  sleep 0.1
done
url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/stdout")" || fail "no ready line: $(cat "$tmp/stdout" "$tmp/stderr")"
[[ "$(ps -o uid= -p "$pid" | tr -d ' ')" == "$uid" ]] || fail "not running as uid $uid"
[[ "$uid" != 0 ]] || fail "running as root"
grep -q 'not a loopback address' "$tmp/stderr" || fail "no warning about listening beyond loopback"
grep -q 'auto-provisioning is off' "$tmp/stderr" || fail "auto-provisioning is not off beyond loopback"
key="$tmp/data/signing-key.pem"
[[ "$(stat -c '%a %u' "$key")" == "600 $uid" ]] || fail "the signing key is not 0600 and owned by $uid: $(stat -c '%a %u' "$key")"

# 5. The HEALTHCHECK command, as the runtime user.
"${as_user[@]}" "$bin" --healthcheck "$url/emulator/v1/health" >/dev/null || fail "the health check failed"

# 6. SIGTERM: a graceful stop, exit 0.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[[ "$status" == 0 ]] || fail "exit status $status after SIGTERM: $(cat "$tmp/stderr")"

echo "docker-build-check: ok (static $(du -h "$bin" | cut -f1) binary, uid $uid, health check, graceful stop)"
