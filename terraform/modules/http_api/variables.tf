variable "name" {
  type        = string
  description = "API name, e.g. \"bffsuite-dev-web\"; also names the access log group."
}

variable "lambda_function_name" {
  type        = string
  description = "Name of the BFF Lambda that API Gateway invokes."
}

variable "lambda_invoke_arn" {
  type        = string
  description = "Invoke ARN of the BFF Lambda (AWS_PROXY integration, payload format 2.0)."
}

variable "integration_timeout_ms" {
  type        = number
  description = "Integration timeout in milliseconds; keep it above the Lambda timeout (HTTP APIs allow at most 30000)."
  default     = 29000

  validation {
    condition     = var.integration_timeout_ms >= 50 && var.integration_timeout_ms <= 30000
    error_message = "integration_timeout_ms must be 50-30000."
  }
}

variable "routes" {
  type = map(object({
    authorized = bool
    scopes     = optional(list(string), [])
  }))
  description = <<-EOT
    Routes keyed by route key ("GET /v1/products", "POST /v1/auth/{proxy+}", "$default"). authorized
    puts the route behind the JWT authorizer (requires var.jwt_authorizer); scopes are optional
    OAuth scopes the token must carry. Unlisted paths fall through to "$default" if it is listed.
  EOT
  default = {
    "$default" = { authorized = false }
  }

  validation {
    condition     = alltrue([for k in keys(var.routes) : k == "$default" || can(regex("^(ANY|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /", k))])
    error_message = "Route keys must be \"$default\" or \"<METHOD> /path\"."
  }
}

variable "jwt_authorizer" {
  type = object({
    issuer   = string
    audience = list(string)
  })
  description = "JWT authorizer (Cognito issuer URL and the app client IDs accepted as audience); null for none."
  default     = null

  validation {
    condition     = var.jwt_authorizer == null || try(length(var.jwt_authorizer.audience) > 0 && startswith(var.jwt_authorizer.issuer, "https://"), false)
    error_message = "jwt_authorizer needs an https issuer and at least one audience."
  }
}

variable "cors" {
  type = object({
    allow_origins     = list(string)
    allow_credentials = optional(bool, false)
    allow_methods     = optional(list(string), ["GET", "POST", "PUT", "PATCH", "DELETE"])
    allow_headers     = optional(list(string), ["content-type", "authorization", "x-correlation-id", "idempotency-key", "x-csrf-token"])
    expose_headers    = optional(list(string), ["x-correlation-id", "x-trace-id", "retry-after", "location", "etag"])
    max_age_seconds   = optional(number, 600)
  })
  description = "CORS answered by API Gateway (preflights never reach the Lambda); null for none."
  default     = null

  validation {
    condition     = var.cors == null || try(!(var.cors.allow_credentials && contains(var.cors.allow_origins, "*")), false)
    error_message = "CORS with credentials needs explicit origins, not \"*\"."
  }
}

variable "throttling" {
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  description = "Default route throttling of the stage (steady requests per second and burst)."
  default = {
    rate_limit  = 100
    burst_limit = 200
  }
}

variable "detailed_metrics" {
  type        = bool
  description = "Per-route CloudWatch metrics (billed as custom metrics)."
  default     = false
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

variable "custom_domain" {
  type = object({
    domain_name     = string
    certificate_arn = string
    base_path       = optional(string)
    route53_zone_id = optional(string)
  })
  description = "Optional custom domain (regional ACM certificate); route53_zone_id adds an alias record; base_path maps the API under /<base_path>."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags (the provider's default_tags apply as well)."
  default     = {}
}
