variable "name" {
  type        = string
  description = "Name prefix of the alarms, the dashboard (\"<name>-app\") and the saved queries, e.g. \"bffsuite-prod-web\"."
}

variable "service" {
  type        = string
  description = "The BFF's service name as it writes it in the Service dimension of its EMF metrics and in its logs (\"bff-web\")."
}

variable "namespace" {
  type        = string
  description = "CloudWatch namespace of the BFF's EMF metrics (BFF_METRICS_NAMESPACE)."
}

variable "function_name" {
  type        = string
  description = "Lambda function of the BFF (throttles and cold-start widgets)."
}

variable "log_group_name" {
  type        = string
  description = "Log group of the Lambda: the saved Logs Insights queries and the log widget read it."
}

variable "latency_budget_ms" {
  type        = number
  description = "Request budget in milliseconds (BFF_REQUEST_BUDGET); the latency alarm fires when the BFF's own p99 exceeds near_budget_ratio of it."
}

variable "near_budget_ratio" {
  type        = number
  description = "Fraction of the budget at which the p99 latency alarm fires."
  default     = 0.8

  validation {
    condition     = var.near_budget_ratio > 0 && var.near_budget_ratio <= 1
    error_message = "near_budget_ratio must be in (0, 1]."
  }
}

variable "fault_rate_threshold" {
  type        = number
  description = "5xx answers (EMF Fault) as a fraction of requests that raises the 5xx-rate alarm."
  default     = 0.01

  validation {
    condition     = var.fault_rate_threshold > 0 && var.fault_rate_threshold < 1
    error_message = "fault_rate_threshold must be in (0, 1)."
  }
}

variable "partial_rate_threshold" {
  type        = number
  description = "Partial responses (an optional part missing) as a fraction of requests that raises the partial-rate alarm."
  default     = 0.05

  validation {
    condition     = var.partial_rate_threshold > 0 && var.partial_rate_threshold < 1
    error_message = "partial_rate_threshold must be in (0, 1)."
  }
}

variable "dependencies" {
  type        = list(string)
  description = "AWS services the BFF calls through the SDK, by SDK service ID (the Dependency dimension of DownstreamErrors/DownstreamTimeouts: \"DynamoDB\", \"Cognito Identity Provider\"); one throttle/error alarm each."
  default     = ["DynamoDB"]
}

variable "dependency_errors_threshold" {
  type        = number
  description = "DownstreamErrors + DownstreamTimeouts of one dependency per period (server faults, throttling, timeouts after the SDK's retries) that raises its alarm."
  default     = 5
}

variable "period_seconds" {
  type        = number
  description = "Alarm period in seconds."
  default     = 60
}

variable "evaluation_periods" {
  type        = number
  description = "Periods evaluated; datapoints_to_alarm is the same (all must breach)."
  default     = 5
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic notified on ALARM and OK; null for alarms without actions."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags (the provider's default_tags apply as well)."
  default     = {}
}

variable "saved_queries" {
  type        = bool
  description = "Create the saved Logs Insights queries. Only the local rehearsal turns this off: moto 5.2.1 lacks PutQueryDefinition."
  default     = true
}
