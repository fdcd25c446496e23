variable "region" {
  type        = string
  description = "AWS region of the whole suite."
  default     = "eu-central-1"
}

variable "allowed_account_ids" {
  type        = list(string)
  description = "AWS account IDs prod may be deployed to (required): the provider refuses credentials of any other account before plan reads anything."

  validation {
    condition     = length(var.allowed_account_ids) > 0 && alltrue([for a in var.allowed_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "prod needs allowed_account_ids: one or more 12-digit AWS account IDs (the production account)."
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
  description = "Browser origins allowed to call the web BFF (https only in prod)."

  validation {
    condition     = length(var.web_origins) > 0 && alltrue([for o in var.web_origins : startswith(o, "https://")])
    error_message = "prod web_origins must be one or more https:// origins."
  }
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
  description = "Custom domains keyed by web, mobile, partner. prod requires \"web\" on the shop's own site (e.g. api.shop.example.com beside https://shop.example.com)."
  default     = {}

  # The web session cookie only travels on requests from the shop's own site: on the
  # execute-api host a shop on another site never sends it (SameSite=Strict/Lax refuse it, and
  # browsers block third-party cookies with None), so login "works" and every later call is 401.
  validation {
    condition     = contains(keys(var.custom_domains), "web")
    error_message = "prod needs custom_domains[\"web\"] on the shop's site (e.g. api.shop.example.com): the session cookie is never sent to the execute-api host from the shop's pages."
  }
}

variable "manage_apigw_account_role" {
  type        = bool
  description = "Manage the account-wide API Gateway CloudWatch role; set false when another configuration in this account and region does."
  default     = true
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
  default     = "Strict"
}

variable "partner_deprecations" {
  type        = list(string)
  description = "Deprecated partner routes: \"METHOD /path|deprecated-date|sunset-date\" entries."
  default     = []
}

variable "ses_email" {
  type = object({
    identity_arn = string
    from_address = string
    reply_to     = optional(string)
  })
  description = "SES identity Cognito sends sign-up codes and password resets through (required in prod: COGNITO_DEFAULT sends a few dozen mails a day): the verified identity's ARN and the From address."

  validation {
    condition     = try(can(regex("^arn:[^:]+:ses:[^:]+:[0-9]{12}:identity/.+", var.ses_email.identity_arn)) && length(var.ses_email.from_address) > 0, false)
    error_message = "prod needs ses_email: a verified SES identity ARN (arn:aws:ses:REGION:ACCOUNT:identity/NAME) and a from_address; COGNITO_DEFAULT stops sending after a few dozen mails a day."
  }
}

variable "otel_collector_layer_arn" {
  type        = string
  description = "AWS Distro for OpenTelemetry collector layer ARN for the region and the functions' architecture (arm64 by default), e.g. arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1. Required: prod traces with X-Ray, and the BFFs' spans reach it only through this collector."

  validation {
    condition     = var.otel_collector_layer_arn != null && can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:aws-otel-collector-(amd64|arm64)-ver-[0-9-]+:[0-9]+$", var.otel_collector_layer_arn))
    error_message = "prod turns X-Ray tracing on: otel_collector_layer_arn must be the ADOT collector layer ARN (arn:aws:lambda:REGION:901920570463:layer:aws-otel-collector-<amd64|arm64>-ver-X-Y-Z:N); without it no BFF span leaves the Lambda."
  }
}

variable "cognito_threat_protection" {
  type        = string
  description = "Cognito threat protection mode, chosen explicitly: ENFORCED (blocks risky sign-ins and compromised passwords) once the user pool is on the Plus feature plan, OFF until then (a pool this configuration creates starts on Essentials, where AUDIT/ENFORCED fail)."

  validation {
    condition     = var.cognito_threat_protection != null && contains(["OFF", "AUDIT", "ENFORCED"], coalesce(var.cognito_threat_protection, "none"))
    error_message = "prod must choose cognito_threat_protection: OFF, AUDIT or ENFORCED (AUDIT/ENFORCED need the Plus feature plan)."
  }
}
