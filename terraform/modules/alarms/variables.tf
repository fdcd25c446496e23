variable "name" {
  type        = string
  description = "Name prefix of the alarms and the dashboard, e.g. \"bffsuite-prod-web\"."
}

variable "function_name" {
  type        = string
  description = "Lambda function of the BFF."
}

variable "lambda_timeout_seconds" {
  type        = number
  description = "Lambda timeout; the duration alarm fires when p99 comes near it."
}

variable "latency_budget_ms" {
  type        = number
  description = "Request budget in milliseconds (BFF_REQUEST_BUDGET); the latency alarm fires when API p99 exceeds near_budget_ratio of it."
}

variable "near_budget_ratio" {
  type        = number
  description = "Fraction of the budget (and of the Lambda timeout) at which the p99 alarms fire."
  default     = 0.8

  validation {
    condition     = var.near_budget_ratio > 0 && var.near_budget_ratio <= 1
    error_message = "near_budget_ratio must be in (0, 1]."
  }
}

variable "api" {
  type = object({
    kind  = string # "http" (HTTP API: ApiId dimension) or "rest" (REST API: ApiName dimension)
    id    = string # API ID for http, API name for rest
    stage = string
  })
  description = "The API in front of the function."

  validation {
    condition     = contains(["http", "rest"], var.api.kind)
    error_message = "api.kind must be http or rest."
  }
}

variable "error_rate_threshold" {
  type        = number
  description = "5xx responses as a fraction of all requests that raises the 5xx alarm."
  default     = 0.01
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
