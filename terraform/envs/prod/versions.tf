terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.46, < 7.0"
    }
  }

  # Remote state is yours to set up: create the bucket once (versioning and encryption on),
  # uncomment this block, fill it in and run `tofu init` (or `terraform init`) again.
  # use_lockfile needs Terraform >= 1.10 / OpenTofu >= 1.10; older versions need dynamodb_table.
  #
  # backend "s3" {
  #   bucket       = "my-company-tfstate"
  #   key          = "bffsuite/prod/terraform.tfstate"
  #   region       = "eu-central-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}
