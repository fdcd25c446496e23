variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name, e.g. \"bffsuite-prod\"."
}

variable "event_bus_name" {
  type        = string
  description = "Name of the order event bus (module order_events). Null: no rule is created (the queues and functions still exist; nothing feeds them)."
  default     = null
}

variable "event_source" {
  type        = string
  description = "EventBridge source of the order events (shared/events.Source)."
  default     = "bffsuite.orders"
}

variable "table_name" {
  type        = string
  description = "The webhooks table (endpoints, deliveries, partner feeds; shared/webhooks.TableSchema)."
}

variable "table_arn" {
  type        = string
  description = "ARN of the webhooks table."
}

variable "artifact_dir" {
  type        = string
  description = "Directory of the function zips (webhook-fanout.zip, webhook-sender.zip), as bffdeploy build writes them."
}

variable "architecture" {
  type        = string
  description = "Lambda architecture of the functions (arm64 or x86_64)."
  default     = "arm64"
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the functions' EMF metrics (BFF_METRICS_NAMESPACE): webhook-sender writes WebhookDeliveries by Result and WebhookDeliveryAge."

  validation {
    condition     = length(var.metrics_namespace) > 0 && length(var.metrics_namespace) <= 255 && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters and not start with AWS/."
  }
}

variable "log_level" {
  type        = string
  description = "BFF_LOG_LEVEL of the functions."
  default     = "info"
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' log groups."
  default     = 30
}

variable "logging_config" {
  type        = bool
  description = "Set the functions' JSON logging config (false on emulators that do not support it)."
  default     = true
}

variable "xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing on the functions."
  default     = false
}

variable "sender_timeout_seconds" {
  type        = number
  description = "Timeout of the webhook-sender Lambda; one POST is bounded by webhook_timeout_seconds, a batch is sent concurrently."
  default     = 25

  validation {
    condition     = var.sender_timeout_seconds >= 15 && var.sender_timeout_seconds <= 28
    error_message = "sender_timeout_seconds must be between 15 and 28 (the bff_lambda module's bound)."
  }
}

variable "webhook_timeout_seconds" {
  type        = number
  description = "Bound of one POST to a partner endpoint (BFF_WEBHOOK_TIMEOUT)."
  default     = 10
}

variable "delivery_max_receive_count" {
  type        = number
  description = "maxReceiveCount of the delivery queue = delivery attempts before the DLQ. With the sender's backoff (30 s doubling, capped at 4 h) 15 attempts span more than 24 h."
  default     = 15

  validation {
    condition     = var.delivery_max_receive_count >= 15
    error_message = "delivery_max_receive_count must be at least 15: fewer attempts do not span 24 h of retries."
  }
}

variable "sender_max_concurrency" {
  type        = number
  description = "Maximum concurrent webhook-sender invocations the event source mapping starts (protects slow partner endpoints and the account's concurrency)."
  default     = 10
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic the DLQ and queue-age alarms notify (null: alarms without actions)."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags."
  default     = {}
}

# --- mobile push (workers/cmd/push) -------------------------------------------------------------

variable "push_platform_applications" {
  type        = map(string)
  description = "SNS platform application ARNs keyed by device platform (ios, android). Empty: the push function consumes events without sending (and has no SNS permission)."
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.push_platform_applications : contains(["ios", "android"], k) && can(regex("^arn:[^:]+:sns:[^:]+:[0-9]+:app/(APNS|APNS_SANDBOX|GCM)/[^/]+$", v))])
    error_message = "push_platform_applications keys must be ios or android and values SNS platform application ARNs (arn:...:sns:REGION:ACCOUNT:app/APNS|APNS_SANDBOX|GCM/NAME)."
  }
}

variable "devices_table_name" {
  type        = string
  description = "The devices table bff-mobile registers push tokens in (shared/devices)."
}

variable "devices_table_arn" {
  type        = string
  description = "ARN of the devices table."
}

variable "devices_index_arns" {
  type        = list(string)
  description = "Index ARNs of the devices table (by_customer: the push function lists a customer's devices)."
}
