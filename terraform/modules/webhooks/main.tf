# Partner webhooks (issue 18): a rule on the order event bus feeds the fanout queue; the
# webhook-fanout Lambda records deliveries (and the partner pull feed) and sends one message
# per delivery to the delivery queue; webhook-sender POSTs each signed webhook and retries a
# failure by making the message visible again after its backoff (ChangeMessageVisibility),
# until the delivery queue's maxReceiveCount moves it to its DLQ (>= 24 h of attempts).

locals {
  actions      = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  fanout_name  = "${var.name_prefix}-webhook-fanout"
  sender_name  = "${var.name_prefix}-webhook-sender"
  fanout_vis_s = 6 * 25 # 6 x the fanout Lambda timeout, as AWS recommends for SQS event sources
  sender_vis_s = 6 * var.sender_timeout_seconds
  # The retries span >= 24 h of backoff plus the time in flight; keep messages 4 days.
  retention_s   = 4 * 24 * 3600
  queue_receive = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
}

# --- queues ------------------------------------------------------------------------------------

resource "aws_sqs_queue" "fanout_dlq" {
  name                      = "${local.fanout_name}-dlq"
  message_retention_seconds = 14 * 24 * 3600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "fanout" {
  name                       = local.fanout_name
  visibility_timeout_seconds = local.fanout_vis_s
  message_retention_seconds  = local.retention_s
  sqs_managed_sse_enabled    = true
  tags                       = var.tags
  # The redrive policy is aws_sqs_queue_redrive_policy.fanout's: a queue reading it back would
  # show a whitespace-only diff on emulators that format the JSON differently.
  lifecycle {
    ignore_changes = [redrive_policy]
  }
}

resource "aws_sqs_queue" "delivery_dlq" {
  name                      = "${local.sender_name}-dlq"
  message_retention_seconds = 14 * 24 * 3600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "delivery" {
  name                       = "${var.name_prefix}-webhook-delivery"
  visibility_timeout_seconds = local.sender_vis_s
  message_retention_seconds  = local.retention_s
  sqs_managed_sse_enabled    = true
  tags                       = var.tags
  # The redrive policy is aws_sqs_queue_redrive_policy.delivery's: a queue reading it back would
  # show a whitespace-only diff on emulators that format the JSON differently.
  lifecycle {
    ignore_changes = [redrive_policy]
  }
}

resource "aws_sqs_queue" "push_dlq" {
  name                      = "${var.name_prefix}-push-dlq"
  message_retention_seconds = 14 * 24 * 3600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "push" {
  name                       = "${var.name_prefix}-push"
  visibility_timeout_seconds = 6 * 25
  message_retention_seconds  = 24 * 3600 # a day-old order notification is not worth sending
  sqs_managed_sse_enabled    = true
  tags                       = var.tags
  # The redrive policy is aws_sqs_queue_redrive_policy.push's: a queue reading it back would
  # show a whitespace-only diff on emulators that format the JSON differently.
  lifecycle {
    ignore_changes = [redrive_policy]
  }
}

resource "aws_sqs_queue_redrive_policy" "fanout" {
  queue_url      = aws_sqs_queue.fanout.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.fanout_dlq.arn, maxReceiveCount = 5 })
}

resource "aws_sqs_queue_redrive_policy" "delivery" {
  queue_url      = aws_sqs_queue.delivery.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.delivery_dlq.arn, maxReceiveCount = var.delivery_max_receive_count })
}

resource "aws_sqs_queue_redrive_policy" "push" {
  queue_url      = aws_sqs_queue.push.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.push_dlq.arn, maxReceiveCount = 5 })
}

# --- the bus rules ------------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "webhooks" {
  count          = var.event_bus_name == null ? 0 : 1
  name           = "${var.name_prefix}-webhooks"
  description    = "Order events of partner orders to the webhook fanout queue"
  event_bus_name = var.event_bus_name
  event_pattern = jsonencode({
    source = [var.event_source]
    detail = { owner = { partner_id = [{ exists = true }] } }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "webhooks" {
  count          = var.event_bus_name == null ? 0 : 1
  rule           = aws_cloudwatch_event_rule.webhooks[0].name
  event_bus_name = var.event_bus_name
  target_id      = "webhook-fanout-queue"
  arn            = aws_sqs_queue.fanout.arn
}

resource "aws_cloudwatch_event_rule" "push" {
  count          = var.event_bus_name == null ? 0 : 1
  name           = "${var.name_prefix}-push"
  description    = "Order events of customers to the mobile push queue"
  event_bus_name = var.event_bus_name
  event_pattern = jsonencode({
    source = [var.event_source]
    detail = { owner = { customer_id = [{ exists = true }] } }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "push" {
  count          = var.event_bus_name == null ? 0 : 1
  rule           = aws_cloudwatch_event_rule.push[0].name
  event_bus_name = var.event_bus_name
  target_id      = "push-queue"
  arn            = aws_sqs_queue.push.arn
}

locals {
  # Each rule may send only to its own queue.
  rule_queues = var.event_bus_name == null ? {} : {
    fanout = { queue_arn = aws_sqs_queue.fanout.arn, queue_url = aws_sqs_queue.fanout.id, rule_arn = aws_cloudwatch_event_rule.webhooks[0].arn }
    push   = { queue_arn = aws_sqs_queue.push.arn, queue_url = aws_sqs_queue.push.id, rule_arn = aws_cloudwatch_event_rule.push[0].arn }
  }
}

data "aws_iam_policy_document" "rule_queue" {
  for_each = local.rule_queues
  statement {
    sid       = "OrderEventsRule"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.queue_arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [each.value.rule_arn]
    }
  }
}

resource "aws_sqs_queue_policy" "rule_queue" {
  for_each  = local.rule_queues
  queue_url = each.value.queue_url
  policy    = data.aws_iam_policy_document.rule_queue[each.key].json

  # One SetQueueAttributes at a time per queue: the redrive policy above is set by a resource of
  # its own, and two concurrent writes to one queue's attributes lost the policy on moto (the
  # provider then waited 2 minutes for it and failed the rehearsal).
  depends_on = [aws_sqs_queue_redrive_policy.fanout, aws_sqs_queue_redrive_policy.push]
}

# --- functions ---------------------------------------------------------------------------------

module "fanout" {
  source = "../bff_lambda"

  function_name         = local.fanout_name
  description           = "Order events to partner webhook deliveries and feeds"
  zip_path              = "${var.artifact_dir}/webhook-fanout.zip"
  architecture          = var.architecture
  memory_mb             = 256
  timeout_seconds       = 25
  log_retention_days    = var.log_retention_days
  logging_config        = var.logging_config
  application_log_level = upper(var.log_level)
  xray_tracing          = var.xray_tracing
  tags                  = merge(var.tags, { "bffsuite:worker" = "webhook-fanout" })
  environment = {
    BFF_TABLE_WEBHOOKS       = var.table_name
    BFF_WEBHOOK_QUEUE_URL    = aws_sqs_queue.delivery.url
    BFF_WEBHOOK_MAX_ATTEMPTS = tostring(var.delivery_max_receive_count)
    BFF_LOG_LEVEL            = var.log_level
    BFF_METRICS              = "emf"
    BFF_METRICS_NAMESPACE    = var.metrics_namespace
  }
  dynamodb_access = {
    webhooks = { table_arn = var.table_arn, actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"] }
  }
  extra_policy_statements = [
    { sid = "ConsumeFanoutQueue", actions = local.queue_receive, resources = [aws_sqs_queue.fanout.arn] },
    { sid = "SendDeliveries", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.delivery.arn] },
  ]
}

module "sender" {
  source = "../bff_lambda"

  function_name         = local.sender_name
  description           = "Signed partner webhook deliveries with retries"
  zip_path              = "${var.artifact_dir}/webhook-sender.zip"
  architecture          = var.architecture
  memory_mb             = 256
  timeout_seconds       = var.sender_timeout_seconds
  log_retention_days    = var.log_retention_days
  logging_config        = var.logging_config
  application_log_level = upper(var.log_level)
  xray_tracing          = var.xray_tracing
  tags                  = merge(var.tags, { "bffsuite:worker" = "webhook-sender" })
  environment = {
    BFF_TABLE_WEBHOOKS       = var.table_name
    BFF_WEBHOOK_QUEUE_URL    = aws_sqs_queue.delivery.url
    BFF_WEBHOOK_MAX_ATTEMPTS = tostring(var.delivery_max_receive_count)
    BFF_WEBHOOK_TIMEOUT      = "${var.webhook_timeout_seconds}s"
    BFF_LOG_LEVEL            = var.log_level
    BFF_METRICS              = "emf"
    BFF_METRICS_NAMESPACE    = var.metrics_namespace
  }
  dynamodb_access = {
    webhooks = { table_arn = var.table_arn, actions = ["dynamodb:GetItem", "dynamodb:PutItem"] }
  }
  extra_policy_statements = [
    { sid = "ConsumeDeliveryQueue", actions = concat(local.queue_receive, ["sqs:ChangeMessageVisibility"]), resources = [aws_sqs_queue.delivery.arn] },
  ]
}

locals {
  push_apps = values(var.push_platform_applications)
  # Endpoints of an application are arn:...:endpoint/<PLATFORM>/<APP>/<id>.
  push_endpoints = [for a in local.push_apps : "${replace(a, ":app/", ":endpoint/")}/*"]
}

module "push" {
  source = "../bff_lambda"

  function_name         = "${var.name_prefix}-push"
  description           = "Order status changes to customers' devices through SNS mobile push"
  zip_path              = "${var.artifact_dir}/push.zip"
  architecture          = var.architecture
  memory_mb             = 256
  timeout_seconds       = 25
  log_retention_days    = var.log_retention_days
  logging_config        = var.logging_config
  application_log_level = upper(var.log_level)
  xray_tracing          = var.xray_tracing
  tags                  = merge(var.tags, { "bffsuite:worker" = "push" })
  environment = {
    BFF_TABLE_DEVICES              = var.devices_table_name
    BFF_PUSH_PLATFORM_APPLICATIONS = join(",", [for k, v in var.push_platform_applications : "${k}=${v}"])
    BFF_LOG_LEVEL                  = var.log_level
  }
  dynamodb_access = {
    devices = { table_arn = var.devices_table_arn, index_arns = var.devices_index_arns, actions = ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"] }
  }
  extra_policy_statements = concat(
    [{ sid = "ConsumePushQueue", actions = local.queue_receive, resources = [aws_sqs_queue.push.arn] }],
    length(local.push_apps) == 0 ? [] : [
      { sid = "CreatePlatformEndpoints", actions = ["sns:CreatePlatformEndpoint"], resources = local.push_apps },
      { sid = "PublishToDevices", actions = ["sns:Publish", "sns:DeleteEndpoint"], resources = local.push_endpoints },
    ],
  )
}

resource "aws_lambda_event_source_mapping" "push" {
  event_source_arn                   = aws_sqs_queue.push.arn
  function_name                      = module.push.function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 0
  function_response_types            = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "fanout" {
  event_source_arn                   = aws_sqs_queue.fanout.arn
  function_name                      = module.fanout.function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 0
  function_response_types            = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "sender" {
  event_source_arn                   = aws_sqs_queue.delivery.arn
  function_name                      = module.sender.function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 0
  function_response_types            = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = var.sender_max_concurrency
  }
}

# --- alarms ------------------------------------------------------------------------------------

locals {
  dlqs = {
    fanout   = aws_sqs_queue.fanout_dlq.name
    delivery = aws_sqs_queue.delivery_dlq.name
    push     = aws_sqs_queue.push_dlq.name
  }
  # Oldest message age: fanout should drain within minutes; deliveries stay up to the retry
  # window (> 24 h) by design, so that alarm fires only past it.
  age_limits = {
    fanout   = { queue = aws_sqs_queue.fanout.name, seconds = 900 }
    delivery = { queue = aws_sqs_queue.delivery.name, seconds = 30 * 3600 }
    push     = { queue = aws_sqs_queue.push.name, seconds = 900 }
  }
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each            = local.dlqs
  alarm_name          = "${each.value}-depth"
  alarm_description   = "Messages in the ${each.key} DLQ: events or webhook deliveries that exhausted their retries."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  for_each            = local.age_limits
  alarm_name          = "${each.value.queue}-oldest-age"
  alarm_description   = "The oldest message of the ${each.key} queue is older than ${each.value.seconds} s."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.queue }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = each.value.seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
