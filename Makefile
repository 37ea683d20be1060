# cairn's build and test entry points. `make test` is what CI runs: it needs
# only Go and network access to the Go module proxy; it installs MinIO and
# staticcheck into .cache/bin on first use.

SHELL := /bin/bash
BIN := $(CURDIR)/.cache/bin
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.2
FUZZTIME ?= 10s
export PATH := $(BIN):$(PATH)

.PHONY: test tools lint unit bench bench-large fuzz demo

## test: everything CI runs — lint, race tests (S3 against a real MinIO), each benchmark once, fuzz smoke runs
test: tools
	go mod download
	$(MAKE) lint
	scripts/with-minio.sh $(MAKE) unit bench
	$(MAKE) fuzz

tools: $(BIN)/minio $(BIN)/staticcheck

$(BIN)/minio:
	@echo "installing MinIO $(MINIO_VERSION) (a few minutes on a cold cache)"
	GOBIN=$(BIN) go install github.com/minio/minio@$(MINIO_VERSION)

$(BIN)/staticcheck:
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## lint: gofmt, go vet, staticcheck, go.mod tidiness
lint: $(BIN)/staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	$(BIN)/staticcheck ./...
	go mod tidy -diff

## unit: the test suite with the race detector (expects the AWS_* settings of a MinIO; see scripts/with-minio.sh),
## then the poisoning-evaluation targets, which are statistical runs too slow for the race detector
unit:
	go test -race -short -count=1 ./...
	go test -count=1 -tags purego ./internal/blake3
	go test -count=1 -run '^TestPoisoningTargets$$' ./ingest/check

## bench: every benchmark once, so none rots
bench:
	go test -run '^$$' -bench . -benchtime 1x ./...

## bench-large: the README's performance figures (minutes; needs `apt-get install b3sum` for the comparison, MinIO is fetched as for make test)
bench-large: $(BIN)/minio
	CAIRN_BENCH_LARGE=1 go test -run '^$$' -bench 'TreeOneFile|TreeManyFiles' -benchtime 3x -count 3 .
	CAIRN_BENCH_LARGE=1 go test -run '^$$' -bench 'ParquetRead' -benchtime 10x -count 5 .
	scripts/with-minio.sh go test -run '^$$' -bench 'BuildS3|S3ParquetBuild' -benchtime 5x -count 3 .
	CAIRN_BENCH_LARGE=1 scripts/with-minio.sh go test -run '^$$' -bench 'BuildS3' -benchtime 3x -count 2 .
	CAIRN_BENCH_LARGE=1 go test -run '^$$' -bench 'BuildRSS' -benchtime 1x .
	CAIRN_BENCH_LARGE=1 go test -run '^$$' -bench 'ProfileParquet/.*/rows=1000000$$' -benchtime 1x ./ingest/
	CAIRN_BENCH_LARGE=1 go test -run '^$$' -bench 'CheckParquet' -benchtime 1x ./ingest/check/
	CAIRN_BENCH_LARGE=1 go test -run '^$$' -bench . -benchtime 1x ./classify/

## fuzz: a short run of every fuzz target
fuzz:
	scripts/fuzz-smoke.sh $(FUZZTIME)

## demo: the whole pipeline on bundled data
demo:
	go run ./cmd/cairn demo
