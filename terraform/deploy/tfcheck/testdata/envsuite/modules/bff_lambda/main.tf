resource "aws_lambda_function" "this" {
  environment {
    variables = var.environment
  }
}
