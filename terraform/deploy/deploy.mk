# Makefile fragment for terraform/deploy (bffdeploy). Include it from the top-level Makefile:
#   include terraform/deploy/deploy.mk
# Paths work from any including directory.

DEPLOY_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
DEPLOY_REPO := $(abspath $(DEPLOY_DIR)/../..)
BFFDEPLOY := $(DEPLOY_REPO)/.local/bin/bffdeploy

.PHONY: deploy-test deploy-bin deploy-zips

# Unit and end-to-end tests of bffdeploy (real OpenTofu, Terraform when on PATH, cognito-local,
# the offline provider mirror for terraform/envs/*). About 35 s warm. Set CI=1 to fail, not skip,
# when a tool from .ci/install-deps is missing. terraform/deploy/tfcheck is left to its owner's target.
deploy-test: ## bffdeploy unit and end-to-end tests (real OpenTofu, cognito-local; about 35 s warm)
	cd $(DEPLOY_DIR) && gofmt -l . | (! grep .) && go vet ./... && \
		go test -count=1 $$(go list ./... | grep -v '/tfcheck')

# The bffdeploy binary, in .local/bin/.
deploy-bin: ## build the bffdeploy binary into .local/bin
	cd $(DEPLOY_DIR) && go build -trimpath -o $(BFFDEPLOY) ./cmd/bffdeploy

# Reproducible Lambda zips of the three BFFs in dist/ (bffdeploy build).
deploy-zips: deploy-bin ## reproducible Lambda zips of the three BFFs in dist/ (bffdeploy build)
	cd $(DEPLOY_REPO) && $(BFFDEPLOY) build
