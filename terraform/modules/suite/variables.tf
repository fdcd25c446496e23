variable "environment" {
  type        = string
  description = "Environment name (dev, prod, ...); part of every resource name and SSM path."

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "environment must be 2-12 lowercase letters or digits, starting with a letter."
  }
}

variable "project" {
  type        = string
  description = "Project name; resource names read \"<project>-<environment>-...\"."
  default     = "bffsuite"
}

variable "artifact_dir" {
  type        = string
  description = "Directory holding the Lambda zips the deploy tool builds (bff-web.zip, bff-mobile.zip, bff-partner.zip)."
}

variable "lambdas" {
  type = map(object({
    memory_mb            = optional(number, 512)
    timeout_seconds      = optional(number, 10)
    reserved_concurrency = optional(number)
  }))
  description = "Per-BFF Lambda sizing keyed by web, mobile, partner (missing keys take the defaults)."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.lambdas) : contains(["web", "mobile", "partner"], k)])
    error_message = "lambdas keys must be web, mobile or partner."
  }
}

variable "request_budget" {
  type        = string
  description = "BFF_REQUEST_BUDGET: duration each request may take end to end, in ms, s or m (\"750ms\", \"5s\"); keep it below the Lambda timeout."
  default     = "5s"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m)$", var.request_budget))
    error_message = "request_budget must be a whole number with unit ms, s or m, e.g. \"5s\"."
  }
}

variable "log_level" {
  type        = string
  description = "BFF_LOG_LEVEL of every BFF (debug, info, warn, error)."
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every log group (Lambda and access logs) in days; never infinite."
  default     = 30
}

variable "xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing on the Lambdas and the partner stage."
  default     = false
}

variable "otel_collector_layer_arn" {
  type        = string
  description = "ADOT collector Lambda layer ARN (region and architecture of the functions); required when xray_tracing is on: shared/tracing exports spans only to an OTLP endpoint, which the layer provides on localhost:4318."
  default     = null
}

variable "cognito_threat_protection" {
  type        = string
  description = "Cognito threat protection mode (OFF, AUDIT, ENFORCED) or null to leave it unmanaged; AUDIT/ENFORCED need the user pool on the Plus feature plan."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Deletion protection of the DynamoDB tables and the user pool (true in prod)."
  default     = false
}

variable "web_origins" {
  type        = list(string)
  description = "Browser origins allowed by CORS on the web API (and BFF_CORS_ORIGINS of bff-web), e.g. [\"https://shop.example.com\"]."
  default     = []
}

variable "cognito_domain_prefix" {
  type        = string
  description = "Cognito hosted domain prefix (globally unique per region) for the OAuth token endpoint."
}

variable "cognito_token_validity" {
  type = object({
    access_token_minutes = optional(number, 60)
    id_token_minutes     = optional(number, 60)
    refresh_token_days   = optional(number, 30)
  })
  description = "Token lifetimes of the web and mobile app clients."
  default     = {}
}

variable "partners" {
  type = map(object({
    scopes    = list(string)
    rate_tier = string
  }))
  description = "Partners keyed by name: scopes (catalog.read, inventory.read, orders.read, orders.write, imports.write, imports.read) and rate tier. Each gets a client-credentials app client and an API key."
  default     = {}
}

variable "partner_cache_ttl" {
  type        = string
  description = "BFF_PARTNER_CACHE_TTL: how long bff-partner reuses a partner registry record, so how long a new partner or a suspension takes to take effect (1s-5m, e.g. \"30s\")."
  default     = "30s"

  validation {
    condition     = can(regex("^[0-9]+(s|m)$", var.partner_cache_ttl))
    error_message = "partner_cache_ttl must be a whole number of seconds or minutes, e.g. \"30s\"."
  }
}

variable "partner_rate_tiers" {
  type = map(object({
    rate_limit   = number
    burst_limit  = number
    quota_limit  = number
    quota_period = optional(string, "DAY")
  }))
  description = "Usage plans of the partner API keyed by rate tier."
  default = {
    bronze = { rate_limit = 5, burst_limit = 10, quota_limit = 10000 }
    silver = { rate_limit = 25, burst_limit = 50, quota_limit = 100000 }
    gold   = { rate_limit = 100, burst_limit = 200, quota_limit = 1000000 }
  }
}

variable "throttling" {
  type = map(object({
    rate_limit  = number
    burst_limit = number
  }))
  description = "Stage throttling keyed by web, mobile, partner (missing keys: 100 rps, burst 200)."
  default     = {}
}

variable "custom_domains" {
  type = map(object({
    domain_name     = string
    certificate_arn = string
    base_path       = optional(string)
    route53_zone_id = optional(string)
  }))
  description = "Optional custom domains keyed by web, mobile, partner (regional ACM certificates)."
  default     = {}
}

variable "manage_apigw_account_role" {
  type        = bool
  description = "Manage the account-wide API Gateway CloudWatch role (REST access logs need it); only one configuration per account and region may."
  default     = true
}

variable "secrets_ssm_prefix" {
  type        = string
  description = "SSM path under which each BFF's secrets live: <prefix>/<environment>/<bff>/<ENV_NAME> (SecureString)."
  default     = "/bffsuite"

  validation {
    condition     = can(regex("^/[a-zA-Z0-9_./-]*[a-zA-Z0-9_.-]$", var.secrets_ssm_prefix))
    error_message = "secrets_ssm_prefix must start with '/' and not end with '/'."
  }
}

variable "extra_environment" {
  type        = map(map(string))
  description = "Additional plain (non-secret) environment variables keyed by web, mobile, partner; they override the defaults."
  default     = {}
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic ARN for alarm notifications; null creates an encrypted topic of the suite (alarm_topic output) for them."
  default     = null
}

variable "alarm_emails" {
  type        = list(string)
  description = "Email addresses subscribed to the suite's own alarm topic (used when alarm_topic_arn is null; each must confirm)."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for resources that take them (the env root's default_tags apply too)."
  default     = {}
}

variable "mobile_app" {
  type = object({
    min_version_ios             = optional(string, "")
    min_version_android         = optional(string, "")
    recommended_version_ios     = optional(string, "")
    recommended_version_android = optional(string, "")
    store_url_ios               = optional(string, "")
    store_url_android           = optional(string, "")
  })
  description = "Mobile app version gate of bff-mobile (BFF_MOBILE_*); empty strings keep the BFF's defaults."
  default     = {}
}

variable "web_site_url" {
  type        = string
  description = "BFF_WEB_SITE_URL: public URL of the web front end (links, redirects); null uses the first of web_origins."
  default     = null
}

variable "web_cookie_same_site" {
  type        = string
  description = "BFF_COOKIE_SAMESITE of bff-web's session cookie: Strict when the front end and the API share a site (custom domain), None when the front end calls the execute-api URL from another site."
  default     = "Strict"

  validation {
    condition     = contains(["Strict", "Lax", "None"], var.web_cookie_same_site)
    error_message = "web_cookie_same_site must be Strict, Lax or None."
  }
}

variable "partner_deprecations" {
  type        = list(string)
  description = "BFF_PARTNER_DEPRECATIONS: \"METHOD /path|deprecated-date|sunset-date\" entries (dates YYYY-MM-DD)."
  default     = []
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of the three functions and of their zips: arm64 (production) or x86_64 (the local rehearsal, whose Lambda emulator runs on amd64)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "saved_log_queries" {
  type        = bool
  description = "Create the saved Logs Insights queries of each BFF. Only the local rehearsal turns this off (moto lacks PutQueryDefinition)."
  default     = true
}

variable "lambda_logging_config" {
  type        = bool
  description = "Set the Lambdas' logging configuration (JSON platform logs, system log level). Only the local rehearsal turns it off (moto drops LoggingConfig)."
  default     = true
}

variable "detailed_api_metrics" {
  type        = bool
  description = "Per-method metrics of the partner REST API (billed per method as custom metrics); prod turns them on."
  default     = false
}

variable "ses_email" {
  type = object({
    identity_arn = string
    from_address = string
    reply_to     = optional(string)
  })
  description = "SES identity Cognito sends its mails through (DEVELOPER sending account): the verified identity's ARN, in the pool's region or a supported SES region, and the From address (\"Shop <no-reply@shop.example.com>\"); null keeps COGNITO_DEFAULT (a few dozen mails a day, for development only). prod requires it."
  default     = null

  validation {
    condition     = var.ses_email == null || try(can(regex("^arn:[^:]+:ses:[^:]+:[0-9]{12}:identity/.+", var.ses_email.identity_arn)) && length(var.ses_email.from_address) > 0, false)
    error_message = "ses_email.identity_arn must be an SES identity ARN (arn:aws:ses:REGION:ACCOUNT:identity/NAME) and from_address must be set."
  }
}

# --- checkout saga on Step Functions (issue 19) -------------------------------------------------

variable "checkout_state_machine_log_level" {
  type        = string
  description = "Execution events the checkout state machine logs to CloudWatch Logs (ERROR, ALL or FATAL; execution data is never logged): see terraform/modules/checkout."
  default     = "ERROR"
}

# --- Partner bulk imports (module.imports) ---------------------------------------------------
variable "imports_worker_timeout_seconds" {
  type        = number
  description = "Timeout of one import worker run; larger files continue in further runs."
  default     = 300
}

variable "imports_worker_reserved_concurrency" {
  type        = number
  description = "Reserved concurrency of the import worker: at most this many imports run at once."
  default     = 5
}

variable "imports_attach_dead_letter_queue" {
  type        = bool
  description = "Attach the import queue's dead-letter queue; only `make rehearse` sets false (moto 5.2.1 reformats RedrivePolicy, so every plan would show an update)."
  default     = true
}

# --- order events (issue 18) ----------------------------------------------------------------------
variable "order_events" {
  type = object({
    stream = optional(object({
      batch_size                 = optional(number, 100)
      maximum_retry_attempts     = optional(number, 10)
      maximum_record_age_seconds = optional(number, 3600)
      parallelization_factor     = optional(number, 1)
    }), {})
    projector = optional(object({
      batch_size        = optional(number, 10)
      max_receive_count = optional(number, 5)
      timeout_seconds   = optional(number, 10)
      popular_window    = optional(string, "24h")
    }), {})
  })
  description = "Tuning of the order events (terraform/modules/order_events): the orders stream mapping of order-events and the read-model projector."
  default     = {}
}

# --- Partner webhooks and mobile push (issue 18) ---
variable "push_platform_applications" {
  type        = map(string)
  description = "SNS platform application ARNs for mobile push keyed by device platform (ios, android); created outside Terraform with the APNs/FCM credentials. Empty: no push is sent."
  default     = {}
}
