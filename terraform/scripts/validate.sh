#!/usr/bin/env bash
# Validates every Terraform root and module under terraform/ (except deploy/):
#   1. `tofu fmt -check -recursive` over terraform/
#   2. `tofu init -backend=false` + `tofu validate` in each directory holding *.tf files
#      (env roots and modules alike: every module declares its providers, so it validates alone).
# Offline by default (TF_OFFLINE=1): the hashicorp/aws provider comes from the schema-only
# stand-in of ../shared/tools/tf-offline. With TF_OFFLINE=0 the real registries are used
# (the real provider also runs its own argument checks).
# Work happens on a temporary copy of terraform/, so no .terraform/ or lock file is written into
# the work tree and committed lock files (with real provider hashes) do not get in the way.
# Environment: BFF_TOOLS (tool dir, default ~/.cache/bffsuite), TOFU (binary), TF_OFFLINE,
# TF_OFFLINE_TOOLKIT (default <repo>/../shared/tools/tf-offline).
# Exit status: 0 when everything is valid, 1 on any failure, 2 when tofu is missing.
set -euo pipefail

tf_dir=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$tf_dir/.." && pwd)
tools=${BFF_TOOLS:-$HOME/.cache/bffsuite}
offline=${TF_OFFLINE:-1}
toolkit=${TF_OFFLINE_TOOLKIT:-$repo/../shared/tools/tf-offline}

log() { printf '[tf-validate] %s\n' "$*" >&2; }

tofu=${TOFU:-}
if [ -z "$tofu" ]; then
  if [ -x "$tools/bin/tofu" ]; then
    tofu=$tools/bin/tofu
  elif command -v tofu >/dev/null 2>&1; then
    tofu=$(command -v tofu)
  elif command -v terraform >/dev/null 2>&1; then
    tofu=$(command -v terraform)
  else
    log "no tofu: run .ci/install-deps tofu (installs $tools/bin/tofu) or put tofu on PATH"
    exit 2
  fi
fi

if [ "$offline" = 1 ]; then
  if [ ! -x "$toolkit/setup-mirror" ]; then
    log "offline validation needs $toolkit/setup-mirror (set TF_OFFLINE_TOOLKIT, or TF_OFFLINE=0 to use the real registry)"
    exit 1
  fi
  TF_CLI_CONFIG_FILE=$("$toolkit/setup-mirror")
  export TF_CLI_CONFIG_FILE
  log "offline: hashicorp/aws from the schema stand-in ($TF_CLI_CONFIG_FILE)"
fi
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
log "using $tofu ($("$tofu" version 2>/dev/null | grep -m1 -E 'OpenTofu|Terraform' || echo 'unknown version'))"

failed=()

log "fmt -check -recursive terraform/"
if ! "$tofu" fmt -check -recursive -diff "$tf_dir"; then
  failed+=("fmt")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tf-validate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Copy everything but deploy/ (Go code), local state and lock files. -h: copy what symbolic
# links point to (modules/checkout/definition.asl.json is one, to shared/checkout).
tar -h -C "$tf_dir" --exclude=./deploy --exclude=.terraform --exclude=.terraform.lock.hcl \
  --exclude='*.tfstate' --exclude='*.tfstate.backup' -cf - . | tar -C "$tmp" -xf -

# A shared plugin cache makes each init link the provider instead of copying it.
export TF_PLUGIN_CACHE_DIR="$tmp/.plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"

mapfile -t dirs < <(cd "$tmp" && find . -name '*.tf' -not -path './.plugin-cache/*' -printf '%h\n' | sort -u)
if [ ${#dirs[@]} -eq 0 ]; then
  log "no Terraform directories found under $tf_dir"
  exit 1
fi

for d in "${dirs[@]}"; do
  rel=${d#./}
  if ! out=$(cd "$tmp/$rel" && "$tofu" init -backend=false -input=false -no-color 2>&1); then
    log "FAIL init $rel"
    printf '%s\n' "$out" >&2
    failed+=("init $rel")
    continue
  fi
  if out=$(cd "$tmp/$rel" && "$tofu" validate -no-color 2>&1); then
    log "ok   $rel"
  else
    log "FAIL validate $rel"
    printf '%s\n' "$out" >&2
    failed+=("validate $rel")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  log "${#failed[@]} failure(s): ${failed[*]}"
  exit 1
fi
log "all ${#dirs[@]} directories valid"
