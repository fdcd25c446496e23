terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.46, < 7.0"
    }
  }

  # State lives in S3 (it holds the app client secrets and API key values): a partial backend,
  # filled at init from backend.hcl, which `bffdeploy init-state -env dev` writes after creating or
  # checking the bucket (versioned, encrypted, public access blocked, TLS only). bffdeploy passes
  # it as `init -backend-config=backend.hcl`; by hand: `tofu init -backend-config=backend.hcl`.
  # use_lockfile (state locking by S3 conditional writes, no DynamoDB table) needs >= 1.10.
  # Offline checks use `init -backend=false` and never read it.
  backend "s3" {}
}
