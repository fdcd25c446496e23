# Plans fail: the output refers to a variable that is not declared (bffdeploy must show
# Terraform's own diagnostic).
terraform {
  backend "local" {}
}

resource "terraform_data" "x" {
  input = var.not_declared
}
