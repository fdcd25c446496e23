# Fixture root for bffdeploy's end-to-end tests: only the built-in terraform_data resource and a
# local backend, so init needs no provider registry and apply touches nothing outside the state file.
# Its outputs follow the same contract as terraform/envs/* (see docs/deploy.md).
terraform {
  required_version = ">= 1.5"

  backend "local" {}
}

variable "env" {
  type    = string
  default = "dev"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

# Changing code_sha256 replaces the functions (like a new Lambda zip would update them).
variable "code_sha256" {
  type    = map(string)
  default = { web = "a1", mobile = "b1", partner = "c1" }
}

# Changing stage updates the APIs in place.
variable "stage" {
  type    = string
  default = "v1"
}

variable "partners" {
  type    = map(list(string))
  default = { acme = ["orders.read"] }
}

resource "terraform_data" "user_pool" {
  input = { id = "${var.region}_Fx${var.env}", name = "bff-${var.env}" }
}

resource "terraform_data" "app_client" {
  for_each = toset(["web", "mobile"])
  input    = { id = "client-${each.key}-${var.env}" }
}

resource "terraform_data" "partner" {
  for_each = var.partners
  input    = { scopes = each.value }
}

module "api" {
  source   = "./modules/api"
  for_each = var.code_sha256

  name        = "bff-${each.key}-${var.env}"
  region      = var.region
  stage       = var.stage
  code_sha256 = each.value
}

output "region" {
  value = var.region
}

output "user_pool_id" {
  value = terraform_data.user_pool.output.id
}

output "issuer" {
  value = "https://cognito-idp.${var.region}.amazonaws.com/${terraform_data.user_pool.output.id}"
}

output "api_urls" {
  value = { for k, m in module.api : k => m.url }
}

output "client_ids" {
  value = { for k, c in terraform_data.app_client : k => c.output.id }
}

output "internal_secret" {
  value     = "not-for-front-ends"
  sensitive = true
}
