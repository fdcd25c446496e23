# The order events (docs/events.md): the orders table's stream drives order-events, which
# publishes each status change to a custom EventBridge bus; a rule sends every event to the
# projector's queue (with a DLQ), whose function keeps the read models. Consumers added later
# (partner webhooks, push) get their own rule and queue on the same bus.

data "aws_partition" "current" {}

locals {
  functions = {
    producer  = "${var.name_prefix}-order-events"
    projector = "${var.name_prefix}-projector"
  }
  actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  common_environment = {
    BFF_LOG_LEVEL         = var.log_level
    BFF_METRICS           = "emf"
    BFF_METRICS_NAMESPACE = var.metrics_namespace
  }
  # Lambda's poller of an SQS source needs these on the queue (function role).
  sqs_consume = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
}

resource "aws_cloudwatch_event_bus" "orders" {
  name = "${var.name_prefix}-orders"
  tags = var.tags
}

# --- producer: orders stream → order-events → bus ---------------------------------------------

# Batches given up (retries or record age exhausted) are described here (shard, sequence
# numbers): an operator replays them with rebuild-readmodels or by hand.
resource "aws_sqs_queue" "stream_failures" {
  name                      = "${var.name_prefix}-order-events-stream-failures"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

module "producer" {
  source = "../bff_lambda"

  function_name         = local.functions.producer
  description           = "order-events: orders stream to the ${aws_cloudwatch_event_bus.orders.name} bus"
  zip_path              = "${var.artifact_dir}/order-events.zip"
  architecture          = var.lambda_architecture
  logging_config        = var.lambda_logging_config
  application_log_level = upper(var.log_level)
  memory_mb             = 256
  timeout_seconds       = 28
  log_retention_days    = var.log_retention_days
  xray_tracing          = var.xray_tracing
  # With tracing on the collector layer is required (bff_lambda's precondition).
  otel_collector_layer_arn = var.xray_tracing ? var.otel_collector_layer_arn : null
  environment              = merge(local.common_environment, { BFF_EVENT_BUS_NAME = aws_cloudwatch_event_bus.orders.name })
  tags                     = merge(var.tags, { "bffsuite:worker" = "order-events" })

  extra_policy_statements = [
    { sid = "ReadOrdersStream", actions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], resources = [var.orders_stream_arn] },
    { sid = "ListOrdersStreams", actions = ["dynamodb:ListStreams"], resources = ["${var.orders_table_arn}/stream/*"] },
    { sid = "PublishOrderEvents", actions = ["events:PutEvents"], resources = [aws_cloudwatch_event_bus.orders.arn] },
    { sid = "StreamFailureDestination", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.stream_failures.arn] },
  ]
}

resource "aws_lambda_event_source_mapping" "orders_stream" {
  event_source_arn  = var.orders_stream_arn
  function_name     = module.producer.function_arn
  starting_position = "TRIM_HORIZON"
  batch_size        = var.stream.batch_size
  # One bad record must not block the shard: the function reports the failed records
  # (ReportBatchItemFailures), a failing batch is split in two, retried a bounded number of
  # times and given up after maximum_record_age_seconds, described to the failures queue.
  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = var.stream.maximum_retry_attempts
  maximum_record_age_in_seconds  = var.stream.maximum_record_age_seconds
  parallelization_factor         = var.stream.parallelization_factor

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failures.arn
    }
  }
}

# --- projector: bus → rule → queue (DLQ) → projector → read models -----------------------------

resource "aws_sqs_queue" "projector_dlq" {
  name                      = "${var.name_prefix}-projector-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "projector" {
  name = "${var.name_prefix}-projector"
  # Six times the function timeout, as Lambda recommends for an SQS source.
  visibility_timeout_seconds = 6 * var.projector.timeout_seconds
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.projector_dlq.arn
    maxReceiveCount     = var.projector.max_receive_count
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "projector" {
  name           = "${var.name_prefix}-projector"
  description    = "Every order event to the read-model projector."
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern  = jsonencode({ source = ["bffsuite.orders"] })
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "projector" {
  rule           = aws_cloudwatch_event_rule.projector.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  target_id      = "projector-queue"
  arn            = aws_sqs_queue.projector.arn
}

data "aws_iam_policy_document" "projector_queue" {
  statement {
    sid       = "OrderEventsRule"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.projector.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.projector.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "projector" {
  queue_url = aws_sqs_queue.projector.id
  policy    = data.aws_iam_policy_document.projector_queue.json
}

module "projector" {
  source = "../bff_lambda"

  function_name            = local.functions.projector
  description              = "projector: order events to the read models"
  zip_path                 = "${var.artifact_dir}/projector.zip"
  architecture             = var.lambda_architecture
  logging_config           = var.lambda_logging_config
  application_log_level    = upper(var.log_level)
  memory_mb                = 256
  timeout_seconds          = var.projector.timeout_seconds
  log_retention_days       = var.log_retention_days
  xray_tracing             = var.xray_tracing
  otel_collector_layer_arn = var.xray_tracing ? var.otel_collector_layer_arn : null
  environment = merge(local.common_environment, {
    BFF_TABLE_READMODELS = var.read_models_table_name
    BFF_POPULAR_WINDOW   = var.projector.popular_window
  })
  tags = merge(var.tags, { "bffsuite:worker" = "projector" })

  dynamodb_access = {
    # One transaction per event: the order state (Put, conditional), the summary and the
    # popularity buckets (Update).
    readmodels = {
      table_arn = var.read_models_table_arn
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    }
  }
  extra_policy_statements = [
    { sid = "ConsumeProjectorQueue", actions = local.sqs_consume, resources = [aws_sqs_queue.projector.arn] },
  ]
}

resource "aws_lambda_event_source_mapping" "projector" {
  event_source_arn        = aws_sqs_queue.projector.arn
  function_name           = module.projector.function_arn
  batch_size              = var.projector.batch_size
  function_response_types = ["ReportBatchItemFailures"]
}

# --- alarms: anything in a DLQ, and a projector falling behind -----------------------------------

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = {
    projector       = aws_sqs_queue.projector_dlq.name
    stream_failures = aws_sqs_queue.stream_failures.name
  }

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-dlq-depth"
  alarm_description   = "Order events given up in ${each.value}: inspect them (docs/events.md), fix, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message" {
  for_each = {
    projector     = aws_sqs_queue.projector.name
    projector_dlq = aws_sqs_queue.projector_dlq.name
  }

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-oldest-message"
  alarm_description   = "The oldest message of ${each.value} is older than ${var.oldest_message_alarm_seconds} s: the read models lag behind the orders."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = var.oldest_message_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "poison_records" {
  alarm_name          = "${var.name_prefix}-order-events-poison-records"
  alarm_description   = "order-events skipped stream records that are no order item (PoisonRecords): search its logs for \"poison stream record skipped\"."
  namespace           = var.metrics_namespace
  metric_name         = "PoisonRecords"
  dimensions          = { Service = "order-events" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
