# Alarms and a dashboard for one BFF: API 5xx rate, API p99 latency near the request budget,
# Lambda errors, throttles and p99 duration near the timeout.

data "aws_region" "current" {}

locals {
  actions        = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  api_dimensions = var.api.kind == "http" ? { ApiId = var.api.id, Stage = var.api.stage } : { ApiName = var.api.id, Stage = var.api.stage }
  api_5xx_metric = var.api.kind == "http" ? "5xx" : "5XXError"
  api_count      = "Count"
  lambda_dims    = { FunctionName = var.function_name }
}

resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${var.name}-api-5xx-rate"
  alarm_description   = "More than ${var.error_rate_threshold * 100}% of ${var.name} requests end in 5xx."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, errors / requests, 0)"
    label       = "5xx rate"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = local.api_5xx_metric
      dimensions  = local.api_dimensions
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = local.api_count
      dimensions  = local.api_dimensions
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_latency_p99" {
  alarm_name          = "${var.name}-api-latency-p99"
  alarm_description   = "p99 latency of ${var.name} is above ${var.near_budget_ratio * 100}% of the ${var.latency_budget_ms} ms request budget."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = local.api_dimensions
  extended_statistic  = "p99"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.latency_budget_ms * var.near_budget_ratio
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = "${var.name}-lambda-errors"
  alarm_description   = "${var.function_name} invocations fail (crash, timeout, out of memory)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = local.lambda_dims
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  alarm_name          = "${var.name}-lambda-throttles"
  alarm_description   = "${var.function_name} is throttled (reserved or account concurrency exhausted)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = local.lambda_dims
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_duration_p99" {
  alarm_name          = "${var.name}-lambda-duration-p99"
  alarm_description   = "p99 duration of ${var.function_name} is above ${var.near_budget_ratio * 100}% of its ${var.lambda_timeout_seconds} s timeout."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = local.lambda_dims
  extended_statistic  = "p99"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.lambda_timeout_seconds * 1000 * var.near_budget_ratio
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "Requests and 5xx"
          region  = data.aws_region.current.id
          stat    = "Sum"
          period  = var.period_seconds
          metrics = [["AWS/ApiGateway", local.api_count, keys(local.api_dimensions)[0], values(local.api_dimensions)[0], "Stage", var.api.stage], [".", local.api_5xx_metric, ".", ".", ".", "."]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "API latency p50 / p99 (budget ${var.latency_budget_ms} ms)"
          region = data.aws_region.current.id
          period = var.period_seconds
          metrics = [
            ["AWS/ApiGateway", "Latency", keys(local.api_dimensions)[0], values(local.api_dimensions)[0], "Stage", var.api.stage, { stat = "p50" }],
            ["...", { stat = "p99" }],
          ]
          annotations = { horizontal = [{ label = "budget", value = var.latency_budget_ms }] }
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Lambda errors and throttles"
          region  = data.aws_region.current.id
          stat    = "Sum"
          period  = var.period_seconds
          metrics = [["AWS/Lambda", "Errors", "FunctionName", var.function_name], [".", "Throttles", ".", "."], [".", "Invocations", ".", "."]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Lambda duration p99 and concurrency"
          region = data.aws_region.current.id
          period = var.period_seconds
          metrics = [
            ["AWS/Lambda", "Duration", "FunctionName", var.function_name, { stat = "p99" }],
            [".", "ConcurrentExecutions", ".", ".", { stat = "Maximum", yAxis = "right" }],
          ]
        }
      },
    ]
  })
}
