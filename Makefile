# runsc-peios: build, demo, tests and benchmark. Everything runs as root (the
# sandbox needs it). See README.md.

GO      ?= go
BIN     := bin/runsc-peios
RUNTIME := $(abspath $(BIN))

.PHONY: build demo test check bazel bench clean

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

# check fails if the code is not gofmt- and vet-clean, or if the Bazel files
# are not what gazelle generates from the Go packages and go.mod.
check: bazel
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on: $$out"; exit 1; fi
	$(GO) vet ./...
	@out=$$(git status --porcelain -- '*BUILD.bazel' WORKSPACE deps.bzl); \
	  if [ -n "$$out" ]; then echo "Bazel files out of step with the Go packages (run make bazel and commit):"; echo "$$out"; exit 1; fi

# bazel regenerates BUILD.bazel files and deps.bzl with gazelle (pinned).
# gazelle warns that it cannot place the standard package "weak"; the
# generated files are right regardless.
GAZELLE := $(GO) run github.com/bazelbuild/bazel-gazelle/cmd/gazelle@v0.53.0
bazel:
	@for args in "update-repos -from_file=go.mod -to_macro=deps.bzl%go_dependencies" "-repo_root ."; do \
	  out=$$($(GAZELLE) $$args 2>&1); rc=$$?; \
	  echo "$$out" | grep -v 'import weak' | grep . ; \
	  [ $$rc -eq 0 ] || { echo "gazelle $$args failed"; exit 1; }; \
	done; true

clean:
	rm -rf bin

# bench builds stock runsc and runsc-peios and compares memory-syscall costs
# under systrap (see test/bench). Pass flags with BENCHFLAGS, e.g.
# make bench BENCHFLAGS="-skip-build -reps 3".
bench:
	$(GO) run ./test/bench $(BENCHFLAGS)

.PHONY: shim e2e

# shim builds the containerd shim v2, bin/containerd-shim-runsc-peios-v1
# (containerd's runtime_type io.containerd.runsc-peios.v1; see deploy/).
shim:
	CGO_ENABLED=0 $(GO) build -o bin/containerd-shim-runsc-peios-v1 ./runsc-ext/shim

# e2e runs the end-to-end test as root: runsc-peios as an OCI runtime, with
# ctr, with crictl and under Kubernetes (see test/e2e/main.go). Builds are
# cached in /var/cache/runsc-peios-e2e; pass flags with E2EFLAGS, e.g.
# make e2e E2EFLAGS="-stages oci,ctr".
e2e:
	$(GO) build -o bin/e2e ./test/e2e
	bin/e2e $(E2EFLAGS)
