variable "function_name" {
  type        = string
  description = "Lambda function name, e.g. \"bffsuite-dev-web\"; also names the role and the log group."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,56}$", var.function_name))
    error_message = "function_name must be 1-56 letters, digits, '-' or '_' (the role name adds a suffix)."
  }
}

variable "description" {
  type        = string
  description = "Lambda function description."
  default     = ""
}

variable "zip_path" {
  type        = string
  description = "Path of the deployment zip holding the `bootstrap` binary for var.architecture (built by the deploy tool as dist/<bff>.zip)."
}

variable "architecture" {
  type        = string
  description = "Instruction set of the function and of the zip's bootstrap: arm64 (production) or x86_64 (the local rehearsal runs the deployed zips on an amd64 machine)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_mb" {
  type        = number
  description = "Memory in MB (CPU scales with it)."
  default     = 512

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240 && floor(var.memory_mb) == var.memory_mb
    error_message = "memory_mb must be a whole number from 128 to 10240."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Function timeout in seconds; behind API Gateway (behind_api_gateway) it must stay under the 29 s integration limit, a worker may use up to Lambda's 900 s."
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number from 1 to 900 (Lambda's maximum)."
  }
}

variable "behind_api_gateway" {
  type        = bool
  description = "The function serves an API Gateway integration (the BFFs): its timeout must then be at most 28 s. False for workers behind queues."
  default     = true
}

variable "environment" {
  type        = map(string)
  description = "Environment variables of the function (the BFF's config). Secrets do not belong here: pass SSM parameter names instead."
  default     = {}
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function's CloudWatch log group in days (never infinite)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's retention values (1, 3, 5, 7, 14, 30, 60, 90, ... 3653); 0 (never expire) is not allowed."
  }
}

variable "application_log_level" {
  type        = string
  description = "Application log level of the JSON logging config (AWS_LAMBDA_LOG_LEVEL, which wins over BFF_LOG_LEVEL in shared/logging): pass the BFF's own level in upper case."
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "system_log_level" {
  type        = string
  description = "Lambda system (platform) log level. WARN would drop the platform REPORT lines (duration, billed duration, memory, init duration) that cold-start and sizing queries read."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO"], var.system_log_level)
    error_message = "system_log_level must be DEBUG or INFO: WARN drops the platform REPORT lines (duration, memory, init duration)."
  }
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions; null leaves the function on the unreserved account pool."
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency, false)
    error_message = "reserved_concurrency must be null or a whole number >= 1 (0 would disable the function)."
  }
}

variable "xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing (adds xray:PutTraceSegments/PutTelemetryRecords to the role)."
  default     = false
}

variable "otel_collector_layer_arn" {
  type        = string
  description = "ARN (with version) of the AWS Distro for OpenTelemetry collector layer, e.g. arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1; sets OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318. Required when xray_tracing is on."
  default     = null

  validation {
    condition     = var.otel_collector_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.otel_collector_layer_arn))
    error_message = "otel_collector_layer_arn must be a versioned Lambda layer ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)."
  }
}

variable "dynamodb_access" {
  type = map(object({
    table_arn  = string
    index_arns = optional(list(string), [])
    actions    = list(string)
  }))
  description = "DynamoDB grants keyed by logical table name: the table ARN, the index ARNs the BFF queries and the exact actions."
  default     = {}

  validation {
    condition = alltrue(flatten([
      for g in values(var.dynamodb_access) : [for a in g.actions : can(regex("^dynamodb:[A-Za-z]+$", a))]
    ]))
    error_message = "dynamodb_access actions must be explicit dynamodb:<Action> names; wildcards are not allowed."
  }
}

variable "cognito_access" {
  type = object({
    user_pool_arn = string
    actions       = list(string)
  })
  description = "Cognito admin actions the BFF calls with IAM credentials (null when it calls none; public APIs such as InitiateAuth need no IAM)."
  default     = null

  validation {
    condition     = var.cognito_access == null || try(alltrue([for a in var.cognito_access.actions : can(regex("^cognito-idp:[A-Za-z]+$", a))]), false)
    error_message = "cognito_access actions must be explicit cognito-idp:<Action> names; wildcards are not allowed."
  }
}

variable "ssm_parameter_arns" {
  type        = list(string)
  description = "SSM SecureString parameter ARNs the BFF may read at cold start (its secrets)."
  default     = []
}

variable "kms_key_arns" {
  type        = list(string)
  description = "KMS key ARNs used to decrypt the SSM parameters; empty means the AWS managed key behind alias/aws/ssm, resolved to its key ARN (decrypt allowed only via SSM)."
  default     = []

  # IAM grants on an alias ARN match the alias resource only, never the key: such a grant is void.
  validation {
    condition     = alltrue([for a in var.kms_key_arns : can(regex("^arn:[^:]+:kms:[^:]*:[0-9]*:key/", a))])
    error_message = "kms_key_arns must be key ARNs (arn:...:kms:REGION:ACCOUNT:key/ID), not aliases: KMS evaluates a grant on an alias ARN as a grant on the alias, so kms:Decrypt there allows nothing."
  }
}

variable "extra_policy_statements" {
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  description = "Further IAM statements of this function only (queues, buses, buckets, state machines it uses), on exact resource ARNs."
  default     = []

  validation {
    condition     = alltrue([for s in var.extra_policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Each extra_policy_statements entry needs an alphanumeric sid, at least one action and at least one resource."
  }
  validation {
    condition     = alltrue([for s in var.extra_policy_statements : !contains(s.resources, "*") && !anytrue([for a in s.actions : endswith(a, ":*") || a == "*"])])
    error_message = "extra_policy_statements must name exact resources and actions: no \"*\" resource and no service-wide \"svc:*\" action."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags (the provider's default_tags apply as well)."
  default     = {}
}

variable "logging_config" {
  type        = bool
  description = "Set the function's logging configuration (JSON platform logs into the log group, system log level). Only the local rehearsal turns it off: moto 5.2.1 drops LoggingConfig, so every plan would show an update."
  default     = true
}
