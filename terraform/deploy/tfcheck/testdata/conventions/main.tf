# Fixture for TestConventionChecksFindProblems: deliberately breaks the module conventions.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "no_description" {
  type = string
}

variable "no_type" {
  description = "untyped"
}

output "no_description" {
  value = var.no_type
}

resource "aws_cloudwatch_log_group" "forever" {
  name = "forever"
}

resource "aws_cloudwatch_log_group" "zero" {
  name              = "zero"
  retention_in_days = 0
}
