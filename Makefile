# The README documents each target. `make test` is what CI runs (.ci/run).
GO ?= go
ADDR ?= 127.0.0.1:9010

.PHONY: test run conform bench node-test vet

## test: vet, the race-enabled Go tests (with every fuzz target's seed corpus), then the Node SDK test.
test: vet
	$(GO) test -race -count=1 ./...
	./scripts/node-test.sh

vet:
	$(GO) vet ./...

## run: the standalone emulator on $(ADDR).
run:
	$(GO) run ./cmd/stytch-emulator --addr $(ADDR)

## conform: the Gherkin MFA / step-up suite against the in-process emulator.
conform:
	$(GO) run ./cmd/stytch-conform --target emulator

## bench: benchmarks and the ratios of issue 7, measured in one run.
bench:
	$(GO) run ./cmd/stytch-bench

## node-test: only the Node SDK test (needs node and npm).
node-test:
	./scripts/node-test.sh
