variable "name_prefix" {
  type        = string
  description = "Prefix of every name, e.g. \"bffsuite-dev\": the state machine \"<prefix>-checkout\", the task function \"<prefix>-checkout-tasks\", the ledger table \"<prefix>-payments\"."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,40}$", var.name_prefix))
    error_message = "name_prefix must be 3-40 letters, digits, '-' or '_'."
  }
}

variable "task_resource_placeholder" {
  type        = string
  description = "The Resource placeholder of the definition's Task states, replaced by the checkout-tasks function's ARN."
  default     = "$${checkout_tasks_function_arn}"
}

variable "zip_path" {
  type        = string
  description = "Deployment zip of the checkout-tasks function (workers/cmd/checkout-tasks, built by the deploy tool as <artifact_dir>/checkout-tasks.zip)."
}

variable "architecture" {
  type        = string
  description = "Instruction set of the task function and its zip: arm64 or x86_64 (the local rehearsal)."
  default     = "arm64"
}

variable "memory_mb" {
  type        = number
  description = "Memory of the task function in MB."
  default     = 256
}

variable "timeout_seconds" {
  type        = number
  description = "Timeout of the task function in seconds; below the Task states' TimeoutSeconds (30), so the function's own timeout is what a slow task hits."
  default     = 20

  validation {
    condition     = var.timeout_seconds >= 3 && var.timeout_seconds < 30 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number from 3 to 29 (the definition's Task TimeoutSeconds is 30)."
  }
}

variable "log_level" {
  type        = string
  description = "Log level of the task function (BFF_LOG_LEVEL: debug, info, warn, error)."
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the task function's and the state machine's log groups in days."
  default     = 30
}

variable "logging_config" {
  type        = bool
  description = "Set the task function's JSON logging configuration (only the local rehearsal turns it off: moto drops it)."
  default     = true
}

variable "xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing of the task function (needs otel_collector_layer_arn, as for the BFFs). The state machine is always traced."
  default     = false
}

variable "otel_collector_layer_arn" {
  type        = string
  description = "ADOT collector layer of the task function when xray_tracing is on."
  default     = null
}

variable "state_machine_log_level" {
  type        = string
  description = "Execution history events the state machine sends to CloudWatch Logs: ERROR (default: failed states and executions only; every event stays in the execution history for 90 days) or ALL (every transition, for a bug hunt), or FATAL. Execution data (inputs, outputs, error causes) is never logged."
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.state_machine_log_level)
    error_message = "state_machine_log_level must be ALL, ERROR or FATAL (OFF is not allowed: the issue requires logging)."
  }
}

variable "orders_table" {
  type = object({
    name = string
    arn  = string
  })
  description = "The orders table (the tasks read and write orders)."
}

variable "catalog_table" {
  type = object({
    name = string
    arn  = string
  })
  description = "The catalog table (the tasks move products' stock)."
}

variable "cursor_key_parameter_name" {
  type        = string
  description = "Name of the SSM SecureString parameter holding the task function's BFF_CURSOR_KEY, e.g. \"/bffsuite/dev/checkout-tasks/BFF_CURSOR_KEY\". The shared store configuration requires one with DynamoDB although the tasks never sign a cursor; this module creates it with a random value (kept across plans)."

  validation {
    condition     = can(regex("^/[a-zA-Z0-9_./-]+/BFF_CURSOR_KEY$", var.cursor_key_parameter_name))
    error_message = "cursor_key_parameter_name must be an absolute SSM name ending in /BFF_CURSOR_KEY."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Deletion protection of the payments ledger table (true in prod)."
  default     = false
}

variable "failed_rate_threshold" {
  type        = number
  description = "Alarm when more than this share of the executions that ended in the period failed. Failed includes every cancelled checkout (a declined card or missing stock ends in the Fail state CheckoutFailed), so the threshold sits above the normal decline rate."
  default     = 0.25

  validation {
    condition     = var.failed_rate_threshold > 0 && var.failed_rate_threshold < 1
    error_message = "failed_rate_threshold must be between 0 and 1."
  }
}

variable "alarm_period_seconds" {
  type        = number
  description = "Period of the execution alarms."
  default     = 300
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic the alarms notify (null: no action)."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags."
  default     = {}
}
