# Terraform targets, included from the top-level Makefile (`include terraform/terraform.mk`).
#   make tf-fmt        rewrite terraform/ in canonical format
#   make tf-validate   fmt check + init/validate of every env root and module (offline by default;
#                      TF_OFFLINE=0 uses the real provider registry) + the Go consistency tests
BFF_TOOLS ?= $(HOME)/.cache/bffsuite
TF_DIR    := terraform
TOFU      ?= $(firstword $(wildcard $(BFF_TOOLS)/bin/tofu) $(shell command -v tofu 2>/dev/null) tofu)

.PHONY: tf-fmt tf-validate tf-check tf-lint

tf-fmt: ## rewrite terraform/ in canonical format
	$(TOFU) fmt -recursive $(TF_DIR)

tf-lint: ## fmt check + offline init/validate of every Terraform root and module
	TOFU=$(TOFU) $(TF_DIR)/scripts/validate.sh

tf-check: ## Go consistency tests: Terraform vs BFF configs, tables, IAM
	cd $(TF_DIR)/deploy && go test -count=1 ./tfcheck/...

tf-validate: tf-lint tf-check ## all Terraform checks (TF_OFFLINE=0: real provider registry)
