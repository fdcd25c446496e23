variable "region" {
  type        = string
  description = "AWS region of the whole suite."
  default     = "eu-central-1"
}

variable "allowed_account_ids" {
  type        = list(string)
  description = "AWS account IDs this env may be deployed to (the provider refuses credentials of any other account); empty allows any (the local rehearsal, whose fake credentials have no account)."
  default     = []

  validation {
    condition     = alltrue([for a in var.allowed_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "allowed_account_ids must be 12-digit AWS account IDs."
  }
}

variable "artifact_dir" {
  type        = string
  description = "Directory with the Lambda zips built by the deploy tool (bff-web.zip, bff-mobile.zip, bff-partner.zip), relative to this directory."
  default     = "../../../dist"
}

variable "cognito_domain_prefix" {
  type        = string
  description = "Cognito hosted domain prefix (must be unique in the region), e.g. \"acme-bffsuite-dev\"."
}

variable "web_origins" {
  type        = list(string)
  description = "Browser origins allowed to call the web BFF."
  default     = ["http://localhost:3000"]
}

variable "partners" {
  type = map(object({
    scopes    = list(string)
    rate_tier = string
  }))
  description = "Partners keyed by name: scopes and rate tier (bronze, silver, gold). Empty is a valid start: bff-partner then refuses every token until a partner exists."
  default     = {}

  # A tier bff-partner does not know stops its cold start (BFF_PARTNER_REGISTRY), and a scope the
  # resource server lacks fails the apply halfway: refuse both at plan time.
  validation {
    condition     = alltrue([for p in values(var.partners) : contains(["bronze", "silver", "gold"], p.rate_tier)])
    error_message = "partners: every rate_tier must be bronze, silver or gold (the usage plans and BFF_PARTNER_RATE_TIERS); bff-partner cannot start with another."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.partners) : [for s in p.scopes : contains(["catalog.read", "inventory.read", "orders.read", "orders.write", "imports.write", "imports.read", "webhooks.manage"], s)]]))
    error_message = "partners: scopes must be catalog.read, inventory.read, orders.read, orders.write, imports.write, imports.read or webhooks.manage (the partner resource server's scopes)."
  }
  validation {
    condition     = alltrue([for p in values(var.partners) : length(p.scopes) > 0])
    error_message = "partners: each partner needs at least one scope."
  }
}

variable "custom_domains" {
  type = map(object({
    domain_name     = string
    certificate_arn = string
    base_path       = optional(string)
    route53_zone_id = optional(string)
  }))
  description = "Optional custom domains keyed by web, mobile, partner."
  default     = {}
}

variable "manage_apigw_account_role" {
  type        = bool
  description = "Manage the account-wide API Gateway CloudWatch role (one per account and region). Off in dev: prod (or an account baseline) owns it when dev shares the account, and two roots managing it overwrite each other. Set true when dev has an account and region of its own, or REST access logging fails (\"CloudWatch Logs role ARN must be set in account settings\")."
  default     = false
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic for alarms; null creates an encrypted topic of the suite (output alarm_topic_arn), subscribed by alarm_emails."
  default     = null
}

variable "alarm_emails" {
  type        = list(string)
  description = "Email addresses subscribed to the suite's alarm topic when alarm_topic_arn is null (each confirms its subscription)."
  default     = []
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
  description = "Mobile app version gate (minimum/recommended versions, store URLs); empty keeps the BFF defaults."
  default     = {}
}

variable "web_site_url" {
  type        = string
  description = "Public URL of the web front end (BFF_WEB_SITE_URL); null uses the first web origin."
  default     = null
}

variable "web_cookie_same_site" {
  type        = string
  description = "SameSite of the web session cookie: Strict when front end and API share a site (custom domain), None when the front end calls the execute-api URL from another site."
  default     = "None"
}

variable "partner_deprecations" {
  type        = list(string)
  description = "Deprecated partner routes: \"METHOD /path|deprecated-date|sunset-date\" entries."
  default     = []
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of the functions and zips: arm64 (default, as prod) or x86_64 (`make rehearse` on an amd64 machine, with zips from `bffdeploy build -arch amd64`)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "request_budget" {
  type        = string
  description = "Time budget of one request inside a BFF (BFF_REQUEST_BUDGET), below the functions' 10 s timeout; `make rehearse` sets 9s because every DynamoDB call to moto with its IAM enforcement takes tens to hundreds of milliseconds."
  default     = "5s"
}

variable "saved_log_queries" {
  type        = bool
  description = "Create the saved Logs Insights queries; `make rehearse` sets false because moto lacks PutQueryDefinition."
  default     = true
}

variable "lambda_logging_config" {
  type        = bool
  description = "Set the Lambdas' logging configuration; `make rehearse` sets false because moto 5.2.1 drops LoggingConfig (every plan would show an update)."
  default     = true
}

variable "imports_attach_dead_letter_queue" {
  type        = bool
  description = "Attach the import queue's dead-letter queue; `make rehearse` sets false because moto 5.2.1 returns RedrivePolicy with spaces after ':' and ',' (every plan would show a whitespace change)."
  default     = true
}

variable "ses_email" {
  type = object({
    identity_arn = string
    from_address = string
    reply_to     = optional(string)
  })
  description = "SES identity Cognito sends its mails through (DEVELOPER sending account): the verified identity's ARN, in the pool's region or a supported SES region, and the From address (\"Shop <no-reply@shop.example.com>\"); null keeps COGNITO_DEFAULT (a few dozen mails a day, for development only)."
  default     = null

  validation {
    condition     = var.ses_email == null || try(can(regex("^arn:[^:]+:ses:[^:]+:[0-9]{12}:identity/.+", var.ses_email.identity_arn)) && length(var.ses_email.from_address) > 0, false)
    error_message = "ses_email.identity_arn must be an SES identity ARN (arn:aws:ses:REGION:ACCOUNT:identity/NAME) and from_address must be set."
  }
}
