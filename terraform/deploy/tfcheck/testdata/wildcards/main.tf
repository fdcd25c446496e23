# Deliberately bad IAM for TestWildcardChecksFindProblems: 3 wildcard actions, 1 "*" resource.
data "aws_iam_policy_document" "bad" {
  statement {
    actions   = ["dynamodb:*", "s3:Get*"]
    resources = ["*"]
  }
  statement {
    actions   = ["xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "inline" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["logs:*"], Resource = "arn:aws:logs:eu-central-1:123456789012:log-group:x" }]
  })
}
