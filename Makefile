# `make help` lists the targets. `make test` is what CI runs (.ci/run).
GO ?= go
ADDR ?= 127.0.0.1:9010
# ARGS are extra stytch-emulator flags for `make run`, e.g. make run ARGS=-v
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help test run conform bench bench-peers bench-scale soak node-test vet docker-check screenshots bench-persist

## help: list the targets.
help:
	@echo 'usage: make TARGET [ADDR=host:port] [ARGS="stytch-emulator flags"]'
	@echo
	@sed -n 's/^## \([a-z-]*\): /  \1\t/p' $(MAKEFILE_LIST) | expand -t 16

## test: vet, the race-enabled Go tests (with every fuzz target's seed corpus, and the inspector in headless Chromium when one is installed), the container build check, then the Node SDK test.
test: vet
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || [ -n "$$CHROMIUM" ] || \
		echo "SKIP inspector browser test: chromium is not installed (apt-get install chromium)"
	$(GO) test -race -count=1 ./...
	./scripts/docker-build-check.sh
	./scripts/node-test.sh

## vet: go vet on every package.
vet:
	$(GO) vet ./...

## screenshots: regenerate the inspector screenshots in docs/img (needs chromium).
screenshots:
	STYTCH_INSPECTOR_SCREENSHOTS=$(CURDIR)/docs/img $(GO) test -count=1 -run 'TestInspectorInBrowser$$' ./emulator

# The binary runs directly (not under `go run`), so that Ctrl-C stops it gracefully and make
# reports no error.
## run: the standalone emulator on ADDR (Ctrl-C stops it; ARGS=-v logs each request).
run:
	@$(GO) build -o bin/stytch-emulator ./cmd/stytch-emulator
	@./bin/stytch-emulator --addr $(ADDR) $(ARGS)

## conform: the Gherkin MFA / step-up suite against the in-process emulator.
conform:
	$(GO) run ./cmd/stytch-conform --target emulator

## bench: benchmarks and their ratios, measured in one run.
bench:
	$(GO) run ./cmd/stytch-bench

# Not part of test: it takes about 90 s and its throughput figure depends on the machine.
## soak: the standalone emulator under honest MFA load, then abuse, 60 s (SOAK_FLAGS="--duration 5m"); docs/soak.md.
soak:
	$(GO) run ./cmd/stytch-soak $(SOAK_FLAGS)

## node-test: only the Node SDK test (needs node and npm).
node-test:
	./scripts/node-test.sh

## docker-check: the Dockerfile's build steps run natively: static binary, non-root, health check.
docker-check:
	./scripts/docker-build-check.sh

## bench-peers: the emulator against Firebase's Auth emulator side by side (needs node and npm; installs a pinned firebase-tools into the user cache on first use).
bench-peers:
	$(GO) run ./cmd/stytch-bench peers

## bench-scale: per-user calls with 1k, 100k and 1M users in one project (a few GiB of memory).
bench-scale:
	$(GO) run ./cmd/stytch-bench scale

## bench-persist: a start on a snapshot of 10k users and sessions, one flush's work, passwords/authenticate in memory vs with a data directory.
bench-persist:
	$(GO) test -run '^$$' -bench 'BenchmarkStartWithSnapshot|BenchmarkSnapshotOf10k|BenchmarkPersistenceCost' -benchtime 3x ./emulator
