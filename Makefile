# runsc-peios: build, demo, tests and benchmark. Everything runs as root (the
# sandbox needs it). See README.md.

GO      ?= go
BIN     := bin/runsc-peios
RUNTIME := $(abspath $(BIN))

.PHONY: build demo test unit conformance check bench clean

# build compiles the runtime: gVisor's runsc plus the Peios memory layer.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./runsc-ext

# demo shows W^X and mseal refusing inside the sandbox, and the opt-outs.
demo: build
	@mkdir -p bin
	gcc -static -O1 -o bin/demo test/demo/demo.c
	@echo "== runsc-peios do bin/demo  (default policy: --peios-wx=enforce)"
	@$(BIN) --network=none do $(abspath bin/demo)
	@echo "== runsc-peios --peios-wx=off do bin/demo"
	@$(BIN) --network=none --peios-wx=off do $(abspath bin/demo)

# test runs every test: static checks, unit tests and the conformance suite
# inside the sandbox on systrap and ptrace.
test: build check
	RUNSC_PEIOS=$(RUNTIME) $(GO) test -count=1 -timeout 60m ./...

# check fails if the code is not gofmt- and vet-clean.
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
