# Checkout as an orchestrated saga (issue 19): the state machine from the repository's one
# definition (shared/checkout/definition.asl.json, linked here as definition.asl.json), the checkout-tasks function behind every
# Task state, the payments ledger table the tasks write, the state machine's role, logs and
# tracing, and alarms on failed and timed-out executions. The BFFs that start checkouts get
# states:StartExecution on this machine in terraform/modules/suite (module "lambda").

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  state_machine_name = "${var.name_prefix}-checkout"
  state_machine_arn  = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.state_machine_name}"
  # The deployed definition: the repository's, every Task Resource placeholder replaced by the
  # task function's ARN (a plain Lambda ARN: Step Functions invokes it and turns a function
  # error into the States error named by its errorType, which the Retry and Catch rules match).
  # definition.asl.json here is a symbolic link to shared/checkout/definition.asl.json (the Go
  # runners embed that file; Terraform reads the same one through the link).
  source_definition = file("${path.module}/definition.asl.json")
  definition        = replace(local.source_definition, var.task_resource_placeholder, module.tasks.function_arn)
  # The Resources of the top-level Task states as written (the checkout has no nested states).
  task_resources = distinct([
    for s in values(jsondecode(local.source_definition).States) : s.Resource if s.Type == "Task"
  ])
  secrets_prefix = "${dirname(var.cursor_key_parameter_name)}/"
}

# --- the payments ledger (one item per order; shared/store/dynamo.LedgerTable) ----------------

module "ledger" {
  source = "../dynamodb"

  name_prefix = var.name_prefix
  tables = {
    payments = { hash_key = "order_id", attributes = { order_id = "S" } }
  }
  deletion_protection = var.deletion_protection
  tags                = var.tags
}

# --- the task function --------------------------------------------------------------------------

# shared/store's configuration requires BFF_CURSOR_KEY with DynamoDB; the tasks never sign a
# cursor, so a random key created here (uuid() draws from crypto/rand) does, and later plans
# leave it alone.
resource "aws_ssm_parameter" "cursor_key" {
  name        = var.cursor_key_parameter_name
  description = "BFF_CURSOR_KEY of ${var.name_prefix}-checkout-tasks (required by the store configuration, unused by the tasks)"
  type        = "SecureString"
  value       = sha256(uuid())
  tags        = var.tags

  lifecycle {
    ignore_changes = [value]
  }
}

module "tasks" {
  source = "../bff_lambda"

  function_name         = "${var.name_prefix}-checkout-tasks"
  description           = "checkout saga tasks behind every Task state of ${local.state_machine_name}"
  zip_path              = var.zip_path
  architecture          = var.architecture
  memory_mb             = var.memory_mb
  timeout_seconds       = var.timeout_seconds
  log_retention_days    = var.log_retention_days
  logging_config        = var.logging_config
  application_log_level = upper(var.log_level)
  xray_tracing          = var.xray_tracing
  # Attached only with tracing on, as for the BFFs.
  otel_collector_layer_arn = var.xray_tracing ? var.otel_collector_layer_arn : null
  ssm_parameter_arns       = [aws_ssm_parameter.cursor_key.arn]
  tags                     = merge(var.tags, { "bffsuite:worker" = "checkout-tasks" })

  environment = {
    BFF_DATA_BACKEND       = "dynamodb"
    BFF_TABLE_CATALOG      = var.catalog_table.name
    BFF_TABLE_ORDERS       = var.orders_table.name
    BFF_TABLE_PAYMENTS     = module.ledger.table_names["payments"]
    BFF_PAYMENTS_PROVIDER  = "fake" # the only card processor there is: package payments' test-mode fake
    BFF_LOG_LEVEL          = var.log_level
    BFF_SECRETS_SSM_PREFIX = local.secrets_prefix
  }

  # Orders, products' stock and the ledger; nothing else (no customers, no indexes).
  dynamodb_access = {
    orders = {
      table_arn = var.orders_table.arn
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]
    }
    catalog = {
      table_arn = var.catalog_table.arn
      actions   = ["dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]
    }
    payments = {
      table_arn = module.ledger.table_arns["payments"]
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    }
  }
}

# --- the state machine's role -----------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "StatesAssume"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    # Only this account's checkout machine may use the role (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${local.state_machine_name}-states"
  description        = "Role of the ${local.state_machine_name} state machine: invokes the checkout-tasks function, delivers logs and traces"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "InvokeTaskFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.tasks.function_arn]
  }

  # Logging to CloudWatch Logs goes through log delivery (vended logs): AWS documents these
  # actions on "*" only, since none of them supports resource-level permissions.
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ]
    resources = ["*"]
  }

  # X-Ray has no resource-level permissions: "*" is the only valid resource.
  statement {
    sid       = "XRayTraces"
    actions   = ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "${local.state_machine_name}-access"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

# --- the state machine ------------------------------------------------------------------------

# Under /aws/vendedlogs/: CloudWatch Logs then needs no resource policy per log group (whose
# size limit many state machines would exhaust).
resource "aws_cloudwatch_log_group" "state_machine" {
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_sfn_state_machine" "checkout" {
  name       = local.state_machine_name
  role_arn   = aws_iam_role.state_machine.arn
  type       = "STANDARD" # exactly-once per execution name, 90 days of history, waits cost nothing
  definition = local.definition

  # ERROR: failed states and executions reach the log group (what an alarm sends someone to
  # look at); a whole execution's events are in its execution history anyway (90 days).
  # No execution data: inputs, outputs and causes hold order ids, correlation ids and trace
  # headers, and stay in the history, readable only with states:GetExecutionHistory.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = false
    level                  = var.state_machine_log_level
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]

  lifecycle {
    precondition {
      condition     = length(local.task_resources) == 1 && local.task_resources[0] == var.task_resource_placeholder
      error_message = "Every Task state of the checkout definition must run the checkout-tasks function: its Resource must be ${var.task_resource_placeholder} (found ${jsonencode(local.task_resources)})."
    }
    precondition {
      condition     = !strcontains(replace(local.source_definition, var.task_resource_placeholder, ""), "$${")
      error_message = "The checkout definition has a template placeholder other than ${var.task_resource_placeholder}: nothing would replace it."
    }
  }
}

# --- alarms -------------------------------------------------------------------------------------

locals {
  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  sfn_dims      = { StateMachineArn = aws_sfn_state_machine.checkout.arn }
}

# A cancelled checkout (declined card, no stock) ends in the Fail state CheckoutFailed, so
# ExecutionsFailed counts business outcomes too: alarm on the share of failed executions, not
# on one. A compensation that fails (CompensationFailed) shows up the same way; its executions
# are listed by `aws stepfunctions list-executions --status-filter FAILED`.
resource "aws_cloudwatch_metric_alarm" "failed_rate" {
  alarm_name          = "${local.state_machine_name}-failed-rate"
  alarm_description   = "More than ${var.failed_rate_threshold * 100}% of ${local.state_machine_name} executions failed (cancelled checkouts included)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.failed_rate_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(ended > 0, failed / ended, 0)"
    label       = "failed share"
    return_data = true
  }
  metric_query {
    id          = "ended"
    expression  = "failed + succeeded + timedout"
    label       = "ended executions"
    return_data = false
  }
  dynamic "metric_query" {
    for_each = { failed = "ExecutionsFailed", succeeded = "ExecutionsSucceeded", timedout = "ExecutionsTimedOut" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/States"
        metric_name = metric_query.value
        dimensions  = local.sfn_dims
        period      = var.alarm_period_seconds
        stat        = "Sum"
      }
    }
  }
}

# A timed-out execution is never a business outcome: one is an alarm.
resource "aws_cloudwatch_metric_alarm" "timed_out" {
  alarm_name          = "${local.state_machine_name}-timed-out"
  alarm_description   = "A ${local.state_machine_name} execution timed out: its order stays pending."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsTimedOut"
  dimensions          = local.sfn_dims
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
