# ład: two commands. `make run` installs what is missing, builds, and serves
# the demo city; `make test` runs every test (real PostGIS, real browser).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN := bin/lad

.PHONY: run test test-cluster build deps web vet fuzz bench clean

run: deps build
	./$(BIN) serve --demo

build: web
	$(GO) build -o $(BIN) ./cmd/lad

deps:
	@./scripts/install-deps.sh

# The web app's npm dependencies and build (when the web app exists).
web:
	@if [ -f web/app/package.json ]; then \
		cd web/app && (npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error) && npm run build --silent; \
	fi

vet:
	$(GO) vet ./...

test: deps build vet
	$(GO) test -count=1 -timeout 40m ./...
	@$(MAKE) --no-print-directory fuzz

# The cluster tests alone (also part of `make test`): a streaming replica,
# redis-server, two lad serve instances, kill -9 during an ingest.
test-cluster: deps
	$(GO) test -count=1 -timeout 20m -run 'Cluster|Replica|ReadPool|Redis|Shared|Kill9' ./db/ ./tiles/ ./cmd/lad/

# Every fuzz target runs a few seconds (FUZZTIME) without panics.
FUZZTIME ?= 4s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg >/tmp/lad-fuzz.log 2>&1 || { cat /tmp/lad-fuzz.log; exit 1; }; \
		done; \
	done

bench:
	@echo "see bench/README.md"

clean:
	rm -rf bin
