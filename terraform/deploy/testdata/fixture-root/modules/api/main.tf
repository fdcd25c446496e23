variable "name" { type = string }
variable "region" { type = string }
variable "stage" { type = string }
variable "code_sha256" { type = string }

resource "terraform_data" "function" {
  input            = { name = var.name }
  triggers_replace = [var.code_sha256]
}

resource "terraform_data" "api" {
  input = { url = "https://${var.name}.execute-api.${var.region}.amazonaws.com/${var.stage}" }
}

output "url" {
  value = terraform_data.api.output.url
}
