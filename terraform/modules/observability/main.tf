# Observability of one BFF from its own telemetry (shared/metrics EMF lines and shared/logging
# JSON lines, see docs/observability.md): alarms on the BFF's 5xx rate, p99 latency near the
# request budget, partial-response rate, dependency errors/throttles/timeouts and JWKS outages;
# a dashboard with per-route, per-part, per-dependency and per-reason breakdowns, Lambda
# throttles and cold starts, and the latest errors from the logs; saved Logs Insights queries
# that find a request by trace or correlation ID. The API Gateway and Lambda service metrics
# (gateway 5xx and latency, Lambda errors, throttles, duration) are in modules/alarms.

data "aws_region" "current" {}

locals {
  actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  region  = data.aws_region.current.id
  svc     = { Service = var.service }
  # SEARCH expressions of the dashboard: one line per dimension value.
  search = {
    route_p99      = "SEARCH('{${var.namespace},Service,Route} MetricName=\"Latency\" Service=\"${var.service}\"', 'p99', ${var.period_seconds})"
    route_faults   = "SEARCH('{${var.namespace},Service,Route} MetricName=\"Fault\" Service=\"${var.service}\"', 'Sum', ${var.period_seconds})"
    part_missing   = "SEARCH('{${var.namespace},Service,Part} MetricName=\"PartMissing\" Service=\"${var.service}\"', 'Sum', ${var.period_seconds})"
    downstream     = "SEARCH('{${var.namespace},Service,Dependency} (MetricName=\"DownstreamErrors\" OR MetricName=\"DownstreamTimeouts\") Service=\"${var.service}\"', 'Sum', ${var.period_seconds})"
    auth_by_reason = "SEARCH('{${var.namespace},Service,Reason} MetricName=\"AuthFailures\" Service=\"${var.service}\"', 'Sum', ${var.period_seconds})"
  }
  queries = {
    by-trace-or-correlation-id = <<-EOT
      fields @timestamp, level, msg, route, status, latency_ms, code, principal_id, aws_request_id
      | filter trace_id = "1-00000000-000000000000000000000000" or correlation_id = "paste-the-id-here"
      | sort @timestamp asc
    EOT
    errors-by-route            = <<-EOT
      fields @timestamp, route, status, code, trace_id, correlation_id
      | filter msg = "request" and status >= 500
      | stats count(*) as errors by route, status
      | sort errors desc
    EOT
    slowest-requests           = <<-EOT
      fields @timestamp, route, status, latency_ms, trace_id, correlation_id
      | filter msg = "request"
      | sort latency_ms desc
      | limit 50
    EOT
    partial-responses          = <<-EOT
      fields @timestamp, Route, Part, trace_id, correlation_id
      | filter ispresent(PartMissing)
      | stats count(*) as missing by Part
      | sort missing desc
    EOT
  }
}

resource "aws_cloudwatch_metric_alarm" "fault_rate" {
  alarm_name          = "${var.name}-bff-5xx-rate"
  alarm_description   = "More than ${var.fault_rate_threshold * 100}% of ${var.service} answers are 5xx (BFF-measured, EMF Fault/Requests)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.fault_rate_threshold
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, faults / requests, 0)"
    label       = "5xx rate"
    return_data = true
  }

  metric_query {
    id = "faults"
    metric {
      namespace   = var.namespace
      metric_name = "Fault"
      dimensions  = local.svc
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = var.namespace
      metric_name = "Requests"
      dimensions  = local.svc
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "latency_p99" {
  alarm_name          = "${var.name}-bff-latency-p99"
  alarm_description   = "p99 of ${var.service}'s own request latency is above ${var.near_budget_ratio * 100}% of the ${var.latency_budget_ms} ms budget."
  namespace           = var.namespace
  metric_name         = "Latency"
  dimensions          = local.svc
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

resource "aws_cloudwatch_metric_alarm" "partial_rate" {
  alarm_name          = "${var.name}-bff-partial-rate"
  alarm_description   = "More than ${var.partial_rate_threshold * 100}% of ${var.service} responses are partial (an optional part failed or timed out); the dashboard's PartMissing widget names the part."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.partial_rate_threshold
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, partial / requests, 0)"
    label       = "partial-response rate"
    return_data = true
  }

  metric_query {
    id = "partial"
    metric {
      namespace   = var.namespace
      metric_name = "Partial"
      dimensions  = local.svc
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = var.namespace
      metric_name = "Requests"
      dimensions  = local.svc
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dependency" {
  for_each = toset(var.dependencies)

  alarm_name          = "${var.name}-dependency-${replace(lower(each.key), " ", "-")}"
  alarm_description   = "${each.key} calls of ${var.service} fail (server faults, throttling) or time out after the SDK's retries."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dependency_errors_threshold
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "total"
    expression  = "FILL(errors, 0) + FILL(timeouts, 0)"
    label       = "${each.key} errors and timeouts"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = var.namespace
      metric_name = "DownstreamErrors"
      dimensions  = { Service = var.service, Dependency = each.key }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "timeouts"
    metric {
      namespace   = var.namespace
      metric_name = "DownstreamTimeouts"
      dimensions  = { Service = var.service, Dependency = each.key }
      period      = var.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "auth_keys_unavailable" {
  alarm_name          = "${var.name}-auth-keys-unavailable"
  alarm_description   = "${var.service} could not fetch the user pool's signing keys (JWKS) for a token: callers get 401s."
  namespace           = var.namespace
  metric_name         = "AuthFailures"
  dimensions          = { Service = var.service, Reason = "keys_unavailable" }
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_query_definition" "this" {
  for_each = var.saved_queries ? local.queries : {}

  name            = "${var.name}/${each.key}"
  log_group_names = [var.log_group_name]
  query_string    = each.value
}

resource "aws_cloudwatch_dashboard" "app" {
  dashboard_name = "${var.name}-app"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 8, height = 6
        properties = {
          title   = "Requests, 4xx, 5xx, partial"
          region  = local.region
          stat    = "Sum"
          period  = var.period_seconds
          metrics = [[var.namespace, "Requests", "Service", var.service], [".", "Error", ".", "."], [".", "Fault", ".", "."], [".", "Partial", ".", "."]]
        }
      },
      {
        type = "metric", x = 8, y = 0, width = 8, height = 6
        properties = {
          title  = "Latency p50 / p99 (budget ${var.latency_budget_ms} ms)"
          region = local.region
          period = var.period_seconds
          metrics = [
            [var.namespace, "Latency", "Service", var.service, { stat = "p50" }],
            ["...", { stat = "p99" }],
          ]
          annotations = { horizontal = [{ label = "budget", value = var.latency_budget_ms }] }
        }
      },
      {
        type = "metric", x = 16, y = 0, width = 8, height = 6
        properties = {
          title   = "p99 latency by route"
          region  = local.region
          metrics = [[{ expression = local.search.route_p99, id = "routes", label = "" }]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 8, height = 6
        properties = {
          title   = "5xx by route"
          region  = local.region
          metrics = [[{ expression = local.search.route_faults, id = "faults", label = "" }]]
        }
      },
      {
        type = "metric", x = 8, y = 6, width = 8, height = 6
        properties = {
          title   = "Missing parts of partial responses"
          region  = local.region
          metrics = [[{ expression = local.search.part_missing, id = "parts", label = "" }]]
        }
      },
      {
        type = "metric", x = 16, y = 6, width = 8, height = 6
        properties = {
          title   = "Dependency errors and timeouts"
          region  = local.region
          metrics = [[{ expression = local.search.downstream, id = "deps", label = "" }]]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 8, height = 6
        properties = {
          title   = "Token verification failures by reason"
          region  = local.region
          metrics = [[{ expression = local.search.auth_by_reason, id = "auth", label = "" }]]
        }
      },
      {
        type = "metric", x = 8, y = 12, width = 8, height = 6
        properties = {
          title  = "Cold starts and Lambda throttles"
          region = local.region
          stat   = "Sum"
          period = var.period_seconds
          metrics = [
            [var.namespace, "ColdStart", "Service", var.service],
            ["AWS/Lambda", "Throttles", "FunctionName", var.function_name, { yAxis = "right" }],
          ]
        }
      },
      {
        type = "log", x = 16, y = 12, width = 8, height = 6
        properties = {
          title  = "Latest failed requests"
          region = local.region
          view   = "table"
          query  = "SOURCE '${var.log_group_name}' | fields @timestamp, route, status, code, trace_id, correlation_id | filter level = \"ERROR\" or status >= 500 | sort @timestamp desc | limit 20"
        }
      },
    ]
  })
}
