variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name, e.g. \"bffsuite-dev\"."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,40}$", var.name_prefix))
    error_message = "name_prefix must be 3-40 letters, digits, '-' or '_'."
  }
}

variable "orders_table_arn" {
  type        = string
  description = "ARN of the orders table (its stream is the outbox of the order events)."
}

variable "orders_stream_arn" {
  type        = string
  description = "Latest stream ARN of the orders table (NEW_AND_OLD_IMAGES)."

  validation {
    condition     = can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/.+/stream/.+$", var.orders_stream_arn))
    error_message = "orders_stream_arn must be a DynamoDB stream ARN (arn:...:dynamodb:<region>:<account>:table/<name>/stream/<label>)."
  }
}

variable "read_models_table_name" {
  type        = string
  description = "Name of the read-model table the projector writes (shared/readmodels; BFF_TABLE_READMODELS)."
}

variable "read_models_table_arn" {
  type        = string
  description = "ARN of that table."
}

variable "artifact_dir" {
  type        = string
  description = "Directory holding order-events.zip and projector.zip (bffdeploy build)."
}

variable "lambda_architecture" {
  type        = string
  description = "arm64 (production) or x86_64 (the local rehearsal)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_logging_config" {
  type        = bool
  description = "Set the functions' JSON logging configuration (off only in the local rehearsal, see bff_lambda)."
  default     = true
}

variable "log_level" {
  type        = string
  description = "BFF_LOG_LEVEL of the functions: debug, info, warn or error."
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' log groups."
  default     = 30
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the functions' EMF metrics (BFF_METRICS_NAMESPACE)."
}

variable "xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing of the functions (needs otel_collector_layer_arn)."
  default     = false
}

variable "otel_collector_layer_arn" {
  type        = string
  description = "ADOT collector layer of the region and architecture, with xray_tracing."
  default     = null
}

variable "stream" {
  type = object({
    batch_size                 = optional(number, 100)
    maximum_retry_attempts     = optional(number, 10)
    maximum_record_age_seconds = optional(number, 3600)
    parallelization_factor     = optional(number, 1)
  })
  description = "The orders stream mapping of order-events: records per invoke, retries of a failing batch (bisected on error) and the age after which a record is given up (described to the stream-failures queue)."
  default     = {}

  validation {
    condition = (
      var.stream.batch_size >= 1 && var.stream.batch_size <= 1000 &&
      var.stream.maximum_retry_attempts >= 0 && var.stream.maximum_retry_attempts <= 10000 &&
      var.stream.maximum_record_age_seconds >= 60 && var.stream.maximum_record_age_seconds <= 604800 &&
      var.stream.parallelization_factor == 1
    )
    error_message = "stream: batch_size 1-1000, maximum_retry_attempts 0-10000, maximum_record_age_seconds 60-604800, parallelization_factor 1 (order per order id needs one batch per shard at a time)."
  }
}

variable "projector" {
  type = object({
    batch_size        = optional(number, 10)
    max_receive_count = optional(number, 5)
    timeout_seconds   = optional(number, 10)
    popular_window    = optional(string, "24h")
  })
  description = "The projector: messages per invoke, deliveries before a message goes to the DLQ, function timeout and the \"Popular now\" window (BFF_POPULAR_WINDOW)."
  default     = {}

  validation {
    condition     = var.projector.batch_size >= 1 && var.projector.batch_size <= 10 && var.projector.max_receive_count >= 1 && var.projector.timeout_seconds >= 1 && var.projector.timeout_seconds <= 28
    error_message = "projector: batch_size 1-10, max_receive_count at least 1, timeout_seconds 1-28."
  }
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic the alarms notify (null: alarms without actions)."
  default     = null
}

variable "oldest_message_alarm_seconds" {
  type        = number
  description = "Alarm when the oldest message of the projector queue is older than this (the read models lag)."
  default     = 300
}

variable "tags" {
  type        = map(string)
  description = "Tags of every resource."
  default     = {}
}
