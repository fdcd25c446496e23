# BFF gateway suite. `make run` and `make test` are the two set-up commands (see README.md).
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export BFF_TOOLS ?= $(HOME)/.cache/bffsuite
export PATH := $(BFF_TOOLS)/bin:$(PATH)

MODULES  := ./shared/... ./bff-web/... ./bff-mobile/... ./bff-partner/... ./workers/... ./terraform/deploy/... ./bench/...
BFFS     := bff-web bff-mobile bff-partner
GOTEST   ?= go test -count=1
TEST_TIMEOUT ?= 20m

-include terraform/terraform.mk
-include terraform/deploy/deploy.mk

.PHONY: help
help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install the test peers and tools (RIE, DynamoDB Local, cognito-local, tofu, staticcheck, redocly, moto check, chromium, asl-validator, aws-local-stepfunctions)
	@.ci/install-deps all >/dev/null

.PHONY: run
run: ## start bff-web :8081, bff-mobile :8082, bff-partner :8083, demo app :8080 on embedded defaults (WEB_ADDR, ..., BFF_EXTRA_CORS_ORIGINS)
	go run ./shared/cmd/devstack

.PHONY: run-lambda
run-lambda: ## the same suite as Lambda bootstraps under the RIE behind local API Gateway fronts (like sam local start-api)
	@.ci/install-deps rie >/dev/null
	go run ./shared/cmd/devstack -lambda

.PHONY: build
build: ## build the three BFFs for this machine into .local/bin
	@mkdir -p .local/bin
	go build -o .local/bin/ ./bff-web ./bff-mobile ./bff-partner

.PHONY: test
test: deps vet go-test go-test-lambda tf-lint rehearse ## everything that can be tested here (starts its own peers)

.PHONY: go-test
go-test: ## go test over every module (includes terraform/deploy: deploy CLI e2e and the Terraform consistency tests)
	$(GOTEST) -timeout $(TEST_TIMEOUT) $(MODULES)

.PHONY: go-test-lambda
go-test-lambda: ## vet shared/ and run its Lambda-only tests with the shipped build tags (buildtags.Lambda)
	go vet -tags lambda.norpc,nomsgpack,bff.lambda ./shared/...
	$(GOTEST) -tags lambda.norpc,nomsgpack,bff.lambda ./shared/awsconf/...

.PHONY: vet
vet: ## go vet over every module
	go vet $(MODULES)

.PHONY: lint
lint: vet openapi-lint ## go vet + staticcheck + gofmt check + OpenAPI lint
	@.ci/install-deps lint >/dev/null
	staticcheck $(MODULES)
	@out=$$(gofmt -l shared bff-web bff-mobile bff-partner workers terraform/deploy bench); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Redocly CLI, installed by `.ci/install-deps redocly` (npm @redocly/cli 2.77.0). It runs
# offline: no telemetry, no update check.
REDOCLY      := $(BFF_TOOLS)/redocly/node_modules/.bin/redocly
OPENAPI_DOCS := bff-web/app/openapi.json bff-mobile/app/openapi.json bff-partner/app/openapi.json

.PHONY: openapi-lint
openapi-lint: ## Redocly's recommended rules (redocly.yaml) over the three OpenAPI documents; a warning fails too
	@[ -x $(REDOCLY) ] || .ci/install-deps redocly >/dev/null
	@out=$$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config redocly.yaml --format=stylish $(OPENAPI_DOCS) 2>&1) \
		|| { echo "$$out"; echo "openapi-lint: redocly found errors"; exit 1; }; \
	if grep -qE '^ +[0-9]+:[0-9]+ +warning ' <<<"$$out"; then echo "$$out"; echo "openapi-lint: redocly found warnings"; exit 1; fi; \
	echo "openapi-lint: $(OPENAPI_DOCS) clean"

.PHONY: requests
requests: ## regenerate docs/requests/*.http (REST Client collections) from the OpenAPI documents
	go run ./shared/cmd/httpcollection

.PHONY: docs-diagram
docs-diagram: ## re-render the checkout state diagram and tables in docs/checkout.md from shared/checkout/definition.asl.json
	go run ./shared/cmd/asldiagram

# The first deploy, rehearsed against a local AWS: moto_server (5.2.1; elsewhere install it with
# pip install "moto[server]==5.2.1"), the real hashicorp/aws provider from ../shared/tools/tf-offline,
# a real apply of terraform/envs/dev, a second plan that must be empty, every deployed function run
# under the Lambda RIE with its role's credentials and IAM enforced, one smoke journey per client
# through API Gateway fronts built from the applied APIs, then destroy (docs/deploy.md).
.PHONY: rehearse
rehearse: ## apply envs/dev to a local moto, plan again, run each deployed function under the RIE, a journey per client, destroy (~3 min)
	@.ci/install-deps rie tofu moto >/dev/null
	cd terraform/deploy && go run ./cmd/rehearse -repo ../..

.PHONY: lambda
lambda: ## build bootstrap zips for linux/arm64 into dist/ (reproducible; prints each step)
	@echo "==> compile bffdeploy into .local/bin (the first time takes a minute or two)"
	@mkdir -p .local/bin
	go build -trimpath -o .local/bin/bffdeploy ./terraform/deploy/cmd/bffdeploy
	@echo "==> build the Lambda zips, one function at a time (the first cross-compile for linux/arm64 takes minutes)"
	.local/bin/bffdeploy build -out dist

.PHONY: bench
bench: ## run the benchmarks and write bench/results/latest.{md,json} (a few minutes)
	@.ci/install-deps rie ddb tofu moto >/dev/null
	go run ./bench/cmd/benchreport -out bench/results

SOAK_DURATION ?= 10m
.PHONY: soak
soak: ## mixed traffic with faults on embedded and DynamoDB Local for SOAK_DURATION (10m), then consistency checks
	@.ci/install-deps ddb >/dev/null
	go run ./bench/cmd/soak -duration $(SOAK_DURATION) -out bench/results

.PHONY: fmt
fmt: ## gofmt -w over the Go modules
	gofmt -w shared bff-web bff-mobile bff-partner workers terraform/deploy bench
