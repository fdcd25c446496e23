variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (project-environment), e.g. bff-dev."
}

variable "zip_path" {
  type        = string
  description = "Path of the import worker's Lambda zip (import-worker.zip of `bffdeploy build`)."
}

variable "architecture" {
  type        = string
  description = "Lambda architecture of the worker (arm64 or x86_64), the same as the BFFs'."
  default     = "arm64"
}

variable "catalog_table" {
  type = object({
    name       = string
    arn        = string
    index_arns = map(string)
  })
  description = "The catalog table the worker applies rows to (name, ARN, index ARNs by name; it queries by_sku)."
}

variable "imports_table" {
  type = object({
    name = string
    arn  = string
  })
  description = "The imports table (shared/imports records: status, counts, checkpoint, lease)."
}

variable "worker_timeout_seconds" {
  type        = number
  description = "Timeout of one worker run; a larger file continues in further runs (the worker stops BFF_IMPORTS_MARGIN before it)."
  default     = 300

  validation {
    condition     = var.worker_timeout_seconds >= 30 && var.worker_timeout_seconds <= 900
    error_message = "worker_timeout_seconds must be between 30 and 900 (the Lambda maximum)."
  }
}

variable "worker_memory_mb" {
  type        = number
  description = "Memory of the worker; it streams files and keeps one batch in memory (peak RSS about 42 MiB measured for 1 million rows)."
  default     = 256
}

variable "worker_reserved_concurrency" {
  type        = number
  description = "Reserved (and so maximum) concurrency of the worker: at most this many imports run at once, whatever the partners upload, so imports cannot starve the BFFs of DynamoDB capacity or the account's concurrency."
  default     = 5

  validation {
    condition     = var.worker_reserved_concurrency >= 1 && var.worker_reserved_concurrency <= 50
    error_message = "worker_reserved_concurrency must be between 1 and 50."
  }
}

variable "batch_rows" {
  type        = number
  description = "Rows applied per checkpoint (BFF_IMPORTS_BATCH_ROWS)."
  default     = 5000
}

variable "upload_expiry_days" {
  type        = number
  description = "Days after which uploaded files are deleted (lifecycle rule on uploads/)."
  default     = 7
}

variable "report_expiry_days" {
  type        = number
  description = "Days after which rejection reports are deleted (lifecycle rule on reports/)."
  default     = 30
}

variable "max_receive_count" {
  type        = number
  description = "Deliveries of one message before it moves to the dead-letter queue (a busy import is retried, so keep some room)."
  default     = 10
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy the bucket with objects in it (dev and rehearsals; false in prod)."
  default     = false
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic of the dead-letter alarm."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the worker's log group."
  default     = 30
}

variable "log_level" {
  type        = string
  description = "Application log level of the worker (DEBUG, INFO, WARN, ERROR)."
  default     = "INFO"
}

variable "logging_config" {
  type        = bool
  description = "JSON logs into the function's own log group (false where the API is missing, e.g. moto)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Extra tags."
  default     = {}
}

variable "attach_dead_letter_queue" {
  type        = bool
  description = "Attach the dead-letter queue (redrive policy) to the import queue. Only `make rehearse` sets false: moto 5.2.1 returns RedrivePolicy with spaces after ':' and ',', which the AWS provider shows as a whitespace change on every plan (the dead-letter queue and its alarm are still created)."
  default     = true
}
