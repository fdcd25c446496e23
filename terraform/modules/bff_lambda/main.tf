# One BFF Lambda: function (provided.al2023, arm64 unless told otherwise, handler "bootstrap"),
# its log group with finite retention and a least-privilege role.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# KMS evaluates a grant on an alias ARN as a grant on the alias resource, never on the key behind
# it: kms:Decrypt on ".../alias/aws/ssm" allowed nothing. Resolve the AWS managed SSM key to its
# key ARN (only when the caller names no keys of its own).
data "aws_kms_alias" "ssm" {
  count = length(var.ssm_parameter_arns) > 0 && length(var.kms_key_arns) == 0 ? 1 : 0
  name  = "alias/aws/ssm"
}

locals {
  # shared/tracing exports spans over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; the
  # ADOT collector layer listens on localhost:4318 and forwards them to X-Ray.
  environment = var.otel_collector_layer_arn == null ? var.environment : merge(var.environment, {
    OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318"
  })
  log_group_name   = "/aws/lambda/${var.function_name}"
  ssm_kms_key_arns = length(var.kms_key_arns) > 0 ? var.kms_key_arns : data.aws_kms_alias.ssm[*].target_key_arn
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssume"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.function_name}-lambda"
  description        = "Execution role of the ${var.function_name} BFF Lambda"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.dynamodb_access
    content {
      sid       = "DynamoDB${replace(title(replace(statement.key, "/[^a-zA-Z0-9]+/", " ")), " ", "")}"
      actions   = sort(distinct(statement.value.actions))
      resources = concat([statement.value.table_arn], statement.value.index_arns)
    }
  }

  dynamic "statement" {
    for_each = var.cognito_access == null ? [] : [var.cognito_access]
    content {
      sid       = "CognitoUserPool"
      actions   = sort(distinct(statement.value.actions))
      resources = [statement.value.user_pool_arn]
    }
  }

  dynamic "statement" {
    for_each = length(var.ssm_parameter_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOwnSecrets"
      actions   = ["ssm:GetParameter", "ssm:GetParameters"]
      resources = var.ssm_parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.ssm_parameter_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptSecretsViaSSM"
      actions   = ["kms:Decrypt"]
      resources = local.ssm_kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${data.aws_region.current.id}.amazonaws.com"]
      }
    }
  }

  # What only this function needs beyond the common pieces above (a worker's queue, bus or
  # bucket prefix): exact resource ARNs, named by the caller.
  dynamic "statement" {
    for_each = var.extra_policy_statements
    content {
      sid       = statement.value.sid
      actions   = sort(distinct(statement.value.actions))
      resources = statement.value.resources
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  # X-Ray has no resource-level permissions: "*" is the only valid resource here.
  dynamic "statement" {
    for_each = var.xray_tracing ? [1] : []
    content {
      sid       = "XRayTraces"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn

  runtime       = "provided.al2023"
  architectures = [var.architecture]
  handler       = "bootstrap"
  package_type  = "Zip"
  filename      = var.zip_path
  # Redeploy when the zip changes; null while the zip has not been built (validate, docs).
  source_code_hash = fileexists(var.zip_path) ? filebase64sha256(var.zip_path) : null

  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency

  environment {
    variables = local.environment
  }

  dynamic "logging_config" {
    for_each = var.logging_config ? [1] : []
    content {
      log_format = "JSON"
      log_group  = aws_cloudwatch_log_group.this.name
      # With JSON logs Lambda sets AWS_LAMBDA_LOG_LEVEL from application_log_level (INFO when
      # unset), and shared/logging lets it win over BFF_LOG_LEVEL: set it from the env's level.
      application_log_level = var.application_log_level
      # INFO keeps the platform REPORT lines (duration, memory, init duration).
      system_log_level = var.system_log_level
    }
  }

  # The ADOT collector runs as an extension and receives the spans on localhost:4318.
  layers = var.otel_collector_layer_arn == null ? [] : [var.otel_collector_layer_arn]

  tracing_config {
    mode = var.xray_tracing ? "Active" : "PassThrough"
  }

  tags = var.tags

  # The role's policy must exist before the first cold start writes logs or reads tables.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = !var.behind_api_gateway || var.timeout_seconds <= 28
      error_message = "timeout_seconds of ${var.function_name} must be at most 28 behind API Gateway (it gives up after 29 s)."
    }
    # Without this, plan passes and apply creates the tables, pool and roles, then stops at the
    # first function: fail at plan time and say how to build the zip.
    precondition {
      condition     = fileexists(var.zip_path)
      error_message = "Lambda zip ${var.zip_path} of ${var.function_name} is missing: build it first with `make lambda` (bffdeploy build -out <artifact_dir>)."
    }
    # Active tracing without a collector records only Lambda's own segment: the BFF's spans
    # (DynamoDB and Cognito calls) never leave the function.
    precondition {
      condition     = !var.xray_tracing || var.otel_collector_layer_arn != null
      error_message = "xray_tracing is on for ${var.function_name} but otel_collector_layer_arn is null: without the ADOT collector layer no BFF span (DynamoDB, Cognito) reaches X-Ray. Set the layer ARN of the region and architecture (aws-otel-collector-<amd64|arm64>-ver-...)."
    }
    precondition {
      condition     = var.otel_collector_layer_arn == null || !can(regex("aws-otel-collector-(amd64|arm64)-", var.otel_collector_layer_arn)) || strcontains(var.otel_collector_layer_arn, var.architecture == "arm64" ? "-arm64-" : "-amd64-")
      error_message = "otel_collector_layer_arn is built for another architecture than ${var.function_name} (${var.architecture}): the extension would not start."
    }
    precondition {
      condition     = sum(concat([0], [for k, v in local.environment : length(k) + length(v)])) <= 4096
      error_message = "The environment of ${var.function_name} exceeds Lambda's 4 KB limit (keys plus values); move large values (e.g. the partner registry) elsewhere."
    }
  }
}
