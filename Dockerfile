# The standalone emulator as a container image, the way CI pipelines start services:
#
#   docker build -t stytch-emulator .
#   docker run --rm -p 127.0.0.1:9010:9010 stytch-emulator --auto-provision
#
# Build stage: a static binary (no cgo), without local paths or symbol tables.
# scripts/docker-build-check.sh runs the same `go build` line natively and checks the result.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/stytch-emulator ./cmd/stytch-emulator
# The data directory, owned by the runtime user, for the signing key kept across restarts.
RUN mkdir -p /out/data && chown 65532:65532 /out/data && chmod 0700 /out/data

# Runtime stage: no shell, no package manager, a non-root user (65532, "nonroot").
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stytch-emulator /stytch-emulator
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 9010
# Inside the container the emulator listens on every interface (it says so loudly): publish the
# port on the host's loopback (-p 127.0.0.1:9010:9010) unless others must reach it. Beyond
# loopback, auto-provisioning is off unless --auto-provision is given.
ENTRYPOINT ["/stytch-emulator", "--addr", "0.0.0.0:9010", "--data-dir", "/data"]
# The image has no curl: the binary checks its own health endpoint.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
  CMD ["/stytch-emulator", "--healthcheck", "http://127.0.0.1:9010/emulator/v1/health"]
