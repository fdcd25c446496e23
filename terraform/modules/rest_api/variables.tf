variable "name" {
  type        = string
  description = "API name, e.g. \"bffsuite-dev-partner\"; also names the access log group and usage plans."
}

variable "stage_name" {
  type        = string
  description = "Stage name; part of the execute-api URL (https://<id>.execute-api.<region>.amazonaws.com/<stage>)."
  default     = "live"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_]{1,64}$", var.stage_name))
    error_message = "stage_name must be 1-64 letters, digits or '_'."
  }
}

variable "lambda_function_name" {
  type        = string
  description = "Name of the BFF Lambda that API Gateway invokes."
}

variable "lambda_invoke_arn" {
  type        = string
  description = "Invoke ARN of the BFF Lambda (AWS_PROXY integration, payload format 1.0)."
}

variable "integration_timeout_ms" {
  type        = number
  description = "Integration timeout in milliseconds; keep it above the Lambda timeout (REST APIs default to at most 29000)."
  default     = 29000

  validation {
    condition     = var.integration_timeout_ms >= 50 && var.integration_timeout_ms <= 29000
    error_message = "integration_timeout_ms must be 50-29000."
  }
}

variable "user_pool_arn" {
  type        = string
  description = "Cognito user pool whose access tokens the COGNITO_USER_POOLS authorizer accepts."
}

variable "routes" {
  type = map(object({
    scopes           = optional(list(string), [])
    authorized       = optional(bool, true)
    api_key_required = optional(bool, true)
  }))
  description = <<-EOT
    Methods keyed by "<METHOD> /path" (ANY, GET, POST, ...; path segments may be {name} or a
    trailing {proxy+}; at most 6 segments). authorized routes go through the Cognito authorizer and
    need one of scopes (full scope names, "partner-api/orders.read"); api_key_required ties the
    route to the partners' usage plans.
  EOT

  validation {
    condition     = alltrue([for k in keys(var.routes) : can(regex("^(ANY|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /([A-Za-z0-9._{}+-]+(/[A-Za-z0-9._{}+-]+){0,5})?$", k))])
    error_message = "Route keys must read \"<METHOD> /a/b\" with at most 6 path segments."
  }

  validation {
    condition     = alltrue([for r in values(var.routes) : !r.authorized || length(r.scopes) > 0])
    error_message = "Every authorized route needs at least one OAuth scope."
  }
}

variable "throttling" {
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  description = "Stage-wide throttling for all methods (requests per second and burst); usage plans throttle per partner below it."
  default = {
    rate_limit  = 100
    burst_limit = 200
  }
}

variable "rate_tiers" {
  type = map(object({
    rate_limit   = number
    burst_limit  = number
    quota_limit  = number
    quota_period = optional(string, "DAY")
  }))
  description = "Usage plans keyed by rate tier name (e.g. bronze, silver, gold)."
  default = {
    standard = { rate_limit = 10, burst_limit = 20, quota_limit = 100000 }
  }

  validation {
    condition     = alltrue([for t in values(var.rate_tiers) : contains(["DAY", "WEEK", "MONTH"], t.quota_period)])
    error_message = "quota_period must be DAY, WEEK or MONTH."
  }
}

variable "partners" {
  type = map(object({
    scopes    = list(string)
    rate_tier = string
  }))
  description = "Partners keyed by name; each gets an API key in the usage plan of its rate tier (scopes are enforced by Cognito)."
  default     = {}
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the access log group in days (never infinite)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's retention values; 0 (never expire) is not allowed."
  }
}

variable "manage_account_logging_role" {
  type        = bool
  description = "Create the account-wide (per region) API Gateway CloudWatch role that REST access logs need. Only one configuration per account and region may manage it."
  default     = true
}

variable "xray_tracing" {
  type        = bool
  description = "X-Ray tracing on the stage."
  default     = false
}

variable "custom_domain" {
  type = object({
    domain_name     = string
    certificate_arn = string
    base_path       = optional(string)
    route53_zone_id = optional(string)
  })
  description = "Optional regional custom domain (ACM certificate in the same region); route53_zone_id adds an alias record."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags (the provider's default_tags apply as well)."
  default     = {}
}

variable "detailed_metrics" {
  type        = bool
  description = "Per-method CloudWatch metrics (metrics_enabled on */*), billed as custom metrics per method; the API and stage metrics come without them."
  default     = false
}
