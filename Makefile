# FaceStat. The targets mirror CI: .ci/run calls `make test` and checks that
# `make generate` changes nothing.
GO        ?= go
BIN       := bin/facestat
# The web app's dependencies (npm's record of an install), installed exactly
# from package-lock.json when node_modules is missing or older than the lock.
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
# The built web app, rebuilt when anything it is built from changed.
FRONTEND_DIST := frontend/dist/index.html
FRONTEND_SRC   = $(shell find frontend -path frontend/node_modules -prune -o -path frontend/dist -prune -o -path frontend/e2e -prune \
                   -o -type f ! -name '*.go' ! -name '*.md' -print)
# Tests create their own databases on this server (never the data itself).
export FACESTAT_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

.PHONY: run build go-modules deps test test-short generate check-generate lint migration seed clean

## run: start FaceStat on its embedded default (SQLite and images under ./data), building the web app (when npm is installed) and the binary first, a line per step that runs
run:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -s --no-print-directory $(FRONTEND_DIST); \
	else echo "note: npm not found, so the web app is not built: / serves a placeholder page (install Node 20+ for the app)"; fi
	@$(MAKE) -s --no-print-directory build
	@echo "run: starting bin/facestat serve (Ctrl-C stops it)"
	@FACESTAT_LOG_FORMAT=$${FACESTAT_LOG_FORMAT:-text} ./$(BIN) serve

## build: compile the facestat binary into bin/ (downloading Go modules first when they are missing); a long compilation says every 30 s that it is still going
build: go-modules
	@case "$$($(GO) list -f '{{.StaleReason}}' ./cmd/facestat 2>/dev/null)" in \
	  "" | "not installed but available in build cache") $(GO) build -o $(BIN) ./cmd/facestat ;; \
	  *) echo "build: compiling $(BIN) (go build: 2 to 8 min on 2 cores with a cold build cache, then seconds)"; \
	     start=$$(date +%s); \
	     ( while sleep 30 </dev/null >/dev/null 2>&1; do echo "build: still compiling ($$(($$(date +%s) - start)) s)"; done ) & ticker=$$!; \
	     $(GO) build -o $(BIN) ./cmd/facestat; status=$$?; kill $$ticker; exit $$status ;; \
	esac

# go-modules: download the Go modules go.sum names unless all are in the module cache
go-modules:
	@GOPROXY=off $(GO) mod download 2>/dev/null || { \
	  echo "build: downloading Go modules (go mod download: about 30 s with a cold module cache)"; $(GO) mod download; }

.PHONY: frontend frontend-test

## frontend: build the web app (Vite, React) into frontend/dist, which the next `make build` embeds, when its sources changed; needs Node 20+
frontend: $(FRONTEND_DIST)

$(FRONTEND_DIST): $(FRONTEND_DEPS) $(FRONTEND_SRC)
	@echo "web app: building it into frontend/dist (tsc and vite: about 10 s)"
	@npm run build --prefix frontend

## frontend-test: the web app's unit tests (vitest); a skipped test fails the run
frontend-test: $(FRONTEND_DEPS)
	npm test --prefix frontend -- --reporter=default --reporter=./vitest-no-skips.mjs

$(FRONTEND_DEPS): frontend/package-lock.json
	@echo "web app: installing its dependencies (npm ci into frontend/node_modules: about 30 s with a cold npm cache)"
	@npm ci --prefix frontend --no-audit --no-fund
	@touch $@

## deps: install and start what the tests need (scripts/deps: PostgreSQL, redis-server, promtool, Chromium, exiftool; Debian's apt-get); does nothing when all is in place
deps:
	@scripts/deps

## test: run every test after `make deps` (and npm ci of the web app, whose node_modules the docs examples run with): Go with the race detector (scripts/testreport lists failures and skips; a skipped test fails the run; -timeout 20m per package: the integration package alone takes about 7 minutes under the race detector on a 2-core machine, so it is named first and starts first, and the other packages run beside it), every fuzz target for 3 s, then the web app's unit tests and its end-to-end tests in Chromium
test: deps $(FRONTEND_DEPS)
	$(GO) run ./scripts/testreport -go $(GO) -- -race -count=1 -timeout 20m ./integration ./...
	@FUZZTIME=3s GO=$(GO) scripts/fuzz
	@$(MAKE) --no-print-directory frontend-test e2e

.PHONY: fuzz
FUZZTIME ?= 60s

## fuzz: every Go fuzz target (scripts/fuzz) for FUZZTIME each, e.g. make fuzz FUZZTIME=10m; make test runs each for 3 s; an input that breaks a target is kept under its package's testdata/fuzz/ (commit it with the fix)
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz

.PHONY: alerts-test

## alerts-test: the Prometheus alert rules (deploy/prometheus) with promtool (Debian's prometheus package): valid, each fires within 60 s on its problem and not on healthy series, and every metric they use is on /metrics (make test runs these too)
alerts-test: deps
	cd deploy/prometheus && promtool check config prometheus.yml && promtool test rules alerts_test.yml
	$(GO) test -count=1 ./deploy/prometheus/
	$(GO) test -count=1 -run 'TestMetricsAlertNames' ./integration/

## test-short: the tests that need no PostgreSQL server
test-short:
	$(GO) test -race -count=1 -short ./...

## generate: regenerate ent and gqlgen code, the web app's typed GraphQL documents and the README's configuration tables (committed; never edit them by hand)
generate:
	$(GO) generate ./...
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(FRONTEND_DEPS) && npm run codegen --prefix frontend; \
	else echo "note: npm not found, so frontend/src/gql was not regenerated"; fi

## check-generate: fail when `make generate` changes any file
check-generate: generate
	@git add -N . && git diff --exit-code --stat || (echo "make generate changed the files above: run it and commit the result" >&2; exit 1)

.PHONY: schema-release

## schema-release: when releasing, make schema.graphql the baseline (schema.released.graphql) that TestSchemaStable checks every later change against for breaking changes (docs/API-GUIDE.md, "Schema stability"); refuses while the check fails
schema-release:
	$(GO) test -count=1 -run 'TestSchemaDescribed|TestSchemaStable' .
	cp schema.graphql schema.released.graphql
	@echo "schema-release: schema.released.graphql is now schema.graphql; commit it with the release"

## lint: gofmt, go vet and staticcheck
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting" >&2; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## migration: write the next PostgreSQL migration from the ent schema, e.g. make migration NAME=add_votes
migration:
	@test -n "$(NAME)" || (echo "usage: make migration NAME=what_it_does" >&2; exit 1)
	$(GO) run ./db/diff.go $(NAME)

## seed: fill the embedded default with demo accounts and photos
seed: build
	./$(BIN) seed

clean:
	rm -rf bin

.PHONY: bench bench-votes bench-next bench-live bench-front bench-spike bench-judging bench-read-cpu bench-reads

## bench: the benchmarks below, one after the other (see docs/PERFORMANCE.md)
bench: bench-votes bench-next bench-live bench-front bench-spike bench-judging bench-read-cpu bench-reads

## bench-votes: castVote through the real binary on a fresh PostgreSQL database vs pgbench single-row inserts, e.g. make bench-votes BENCH_FLAGS='-duration 30s -clients 128'
bench-votes:
	$(GO) run ./bench/votes $(BENCH_FLAGS)

## bench-next: nextPhoto at 100,000 photos, 20,000 users, 1,000,000 votes: its plans (no sequential scan) and latency
bench-next:
	$(GO) test -count=1 -v -run TestNextPhotoPlanAtScale -bench BenchmarkNextPhotoAtScale -benchtime=2000x ./judging/

## bench-live: 15,000 photoStats WebSocket subscribers (4 client processes on 127.0.0.2-5) while castVote runs at 1,000/s through Redis pub/sub: delivery latency, memory per connection, server CPU
bench-live:
	$(GO) run ./bench/live $(BENCH_FLAGS)

## bench-front: the generated front page (brotli, as a browser gets it) from the real binary vs a minimal net/http server of the same bytes, alternating windows, servers on CPU 0 and the load generator on CPU 1: req/s, p50/p99, CPU per request, ratio; no PostgreSQL needed, e.g. make bench-front BENCH_FLAGS='-rounds 3 -duration 10s'
bench-front:
	$(GO) run ./bench/front $(BENCH_FLAGS)

## bench-spike: 650,000 page views (60% front page, 30% judging, 10% results) from many synthetic client addresses (X-Forwarded-For through a trusted proxy, limits at their defaults) against one instance on PostgreSQL and Redis, then arrivals at twice the measured capacity: views/s, p50/p99, errors, server CPU per view (FaceStat, PostgreSQL, Redis) apart from the load generator's, a CPU profile through /debug/pprof/, goodput and shedding; -baseline BIN replays another build first and prints the ratio, e.g. make bench-spike BENCH_FLAGS='-views 100000 -overload 10s -baseline /tmp/facestat-e056ae5'
bench-spike:
	$(GO) run ./bench/spike $(BENCH_FLAGS)

## bench-read-cpu: a cached photo read (photo, owner, statistics) against { __typename } in process, through the real HTTP handler on PostgreSQL and a Redis of its own: CPU µs per request of each and their ratio (issue 16: at most 2), allocations
bench-read-cpu:
	$(GO) test -count=1 -run '^$$' -bench BenchmarkCachedPhotoRead -benchtime=20000x -benchmem ./integration/

## bench-judging: the judge model on 2,000 simulated judges (honest, harsh, lenient, careless, stuffers, scale compressors) and 500 photos of known truth: Spearman correlation of raw and adjusted rankings with the truth, places gained by stuffing, polarising photos; exits 1 if adjusted does not beat raw, stuffing gains over 5 places or polarising photos are pushed to the middle; no database needed, e.g. make bench-judging BENCH_FLAGS='-seed 7'
bench-judging:
	$(GO) run ./bench/judging $(BENCH_FLAGS)

## bench-reads: a cached photo read (photo, owner, stats) from the real binary on PostgreSQL and Redis at default settings vs PostGraphile v5 (bench/reads/postgraphile, npm ci on first use) on the same rows, alternating windows with { __typename } on the same server, servers on CPU 0 and the load generator on CPU 1, X-Forwarded-For from 10,000 addresses: req/s, p50/p99, CPU per request (server, PostgreSQL, Redis, load generator), ratios, e.g. make bench-reads BENCH_FLAGS='-rounds 3 -duration 10s -perf /tmp/reads.perf'
bench-reads:
	$(GO) run ./bench/reads $(BENCH_FLAGS)

.PHONY: e2e

# The end-to-end tests' own dependencies (@playwright/test, @axe-core/playwright).
E2E_DEPS := frontend/e2e/node_modules/.package-lock.json

## e2e: end-to-end tests of the web app in Debian's Chromium (/usr/bin/chromium, driven by Playwright) against the real binary on a fresh PostgreSQL database; builds the app and the binary; a skipped test fails the run; screenshots and the server log in test-artifacts/e2e/
e2e: deps $(FRONTEND_DIST) $(E2E_DEPS)
	cd frontend/e2e && FACESTAT_E2E_SKIP_BUILD=1 npx --no-install playwright test $(E2E_FLAGS)

$(E2E_DEPS): frontend/e2e/package-lock.json
	@echo "e2e: installing Playwright (npm ci into frontend/e2e/node_modules; no browser download)"
	@PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix frontend/e2e --no-audit --no-fund
	@touch $@
