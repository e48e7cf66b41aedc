# The one test command: the README gives it and .ci/run calls it.
GO ?= go
GOLANGCI_LINT ?= $(shell $(GO) env GOPATH)/bin/golangci-lint

.PHONY: test check-format vet lint rooms unit deploy-tests cross build bench

test: check-format vet lint rooms unit deploy-tests cross

check-format:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd deploy && $(GO) vet ./...

# The architecture (.golangci.yml: what each room may import) and Go-form
# doc comments. .ci/run installs the pinned golangci-lint.
lint:
	$(GOLANGCI_LINT) run ./...
	cd deploy && $(GOLANGCI_LINT) run ./...

# What an import rule cannot see: collector/ and exporter/ open no /proc
# file, and no hand-written file is over 500 lines.
rooms:
	@if grep -n '"/proc' $$(git ls-files 'collector/*.go' 'exporter/*.go' 'summary/*.go' | grep -v _test.go); then \
		echo "collector/, exporter/ and summary/ read no /proc: the backend hands them what they need"; exit 1; fi
	@long=$$(for f in $$(git ls-files '*.go' | grep -v _test.go | grep -v '/z[a-z0-9_]*\.go$$' | grep -v '_bpfe[lb]\.go$$'); do \
		n=$$(wc -l < $$f); [ $$n -gt 500 ] && echo "$$f: $$n lines"; done); \
		if [ -n "$$long" ]; then echo "over 500 lines (one concept per file):"; echo "$$long"; exit 1; fi

# One test binary at a time (-p 1): several tests measure time or rates
# (detach latency, stop rate under scrape load, the governor's traced
# share), and another package's 200 busy threads starve their targets.
unit:
	$(GO) test -race -count=1 -p 1 -timeout 40m ./...

deploy-tests:
	cd deploy && $(GO) test -count=1 ./...

# The tests too: vet type-checks them for arm64.
cross:
	GOARCH=arm64 $(GO) build ./...
	GOARCH=arm64 $(GO) vet ./...

# As released: without cgo the exporter can drop capabilities in every thread.
build:
	CGO_ENABLED=0 $(GO) build -buildvcs=true -o syscall_exporter ./cmd/syscall_exporter

# What tracing costs, against strace -c and the C floor (README: Benchmarks).
# Root; a few minutes. BENCHFLAGS="-rounds 9 -pin on" and so on.
bench:
	$(GO) run ./bench $(BENCHFLAGS)
