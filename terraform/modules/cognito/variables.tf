variable "name_prefix" {
  type        = string
  description = "Prefix for the user pool and client names, e.g. \"bffsuite-dev\"."
}

variable "domain_prefix" {
  type        = string
  description = "Prefix of the Cognito hosted domain (<prefix>.auth.<region>.amazoncognito.com) that serves the OAuth token endpoint; must be unique in the region."

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix)) && !can(regex("aws|amazon|cognito", var.domain_prefix))
    error_message = "domain_prefix must be lowercase letters, digits and '-', at most 63 characters, and must not contain aws, amazon or cognito."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the user pool from deletion (true in prod)."
  default     = false
}

variable "password_policy" {
  type = object({
    minimum_length                   = optional(number, 12)
    require_lowercase                = optional(bool, true)
    require_uppercase                = optional(bool, true)
    require_numbers                  = optional(bool, true)
    require_symbols                  = optional(bool, false)
    temporary_password_validity_days = optional(number, 3)
  })
  description = "User pool password policy."
  default     = {}

  validation {
    condition     = var.password_policy.minimum_length >= 8 && var.password_policy.minimum_length <= 99
    error_message = "password_policy.minimum_length must be 8-99."
  }
}

variable "mfa_configuration" {
  type        = string
  description = "OFF until sign-in answers MFA challenges: no BFF enrols TOTP or answers SOFTWARE_TOKEN_MFA (see docs/deploy.md)."
  default     = "OFF"

  # With OPTIONAL, a user can enrol TOTP straight against Cognito with an access token
  # (AssociateSoftwareToken, SetUserMFAPreference: the aws.cognito.signin.user.admin scope every
  # access token holds); the BFF logins then get a challenge they cannot answer and the user is
  # locked out. ON would lock everyone out.
  validation {
    condition     = var.mfa_configuration == "OFF"
    error_message = "mfa_configuration must be OFF: no BFF enrols TOTP or answers the SOFTWARE_TOKEN_MFA challenge, so a user with MFA could not sign in. Build enrolment and the challenge first."
  }
}

variable "threat_protection" {
  type        = string
  description = "Cognito threat protection (advanced security) mode: OFF, AUDIT or ENFORCED; null leaves the pool's setting unmanaged. AUDIT and ENFORCED need the pool on the Plus feature plan, which this configuration cannot set with hashicorp/aws 5.46 (no user_pool_tier)."
  default     = null

  validation {
    condition     = var.threat_protection == null || contains(["OFF", "AUDIT", "ENFORCED"], coalesce(var.threat_protection, "OFF"))
    error_message = "threat_protection must be null, OFF, AUDIT or ENFORCED."
  }
}

variable "token_validity" {
  type = object({
    access_token_minutes = optional(number, 60)
    id_token_minutes     = optional(number, 60)
    refresh_token_days   = optional(number, 30)
  })
  description = "Token lifetimes of the web and mobile clients."
  default     = {}

  validation {
    condition = (
      var.token_validity.access_token_minutes >= 5 && var.token_validity.access_token_minutes <= 1440 &&
      var.token_validity.id_token_minutes >= 5 && var.token_validity.id_token_minutes <= 1440 &&
      var.token_validity.refresh_token_days >= 1 && var.token_validity.refresh_token_days <= 3650
    )
    error_message = "Access and ID tokens must live 5-1440 minutes, refresh tokens 1-3650 days."
  }
}

variable "partner_token_minutes" {
  type        = number
  description = "Access token lifetime of the partner client-credentials clients, in minutes."
  default     = 60

  validation {
    condition     = var.partner_token_minutes >= 5 && var.partner_token_minutes <= 1440
    error_message = "partner_token_minutes must be 5-1440."
  }
}

variable "resource_server_identifier" {
  type        = string
  description = "Identifier of the partner resource server; scopes read \"<identifier>/<scope>\"."
  default     = "partner-api"
}

variable "partner_scopes" {
  type        = map(string)
  description = "Partner OAuth scopes (name => description) of the resource server."
  default = {
    "catalog.read"    = "Read the catalog"
    "inventory.read"  = "Read stock levels"
    "orders.read"     = "Read the partner's orders"
    "orders.write"    = "Create and change the partner's orders"
    "imports.write"   = "Start the partner's bulk imports"
    "imports.read"    = "Read the partner's bulk imports and their reports"
    "webhooks.manage" = "Manage the partner's webhook endpoints and read their deliveries"
  }
}

variable "partners" {
  type = map(object({
    scopes    = list(string)
    rate_tier = string
  }))
  description = "Partners keyed by name: the scopes their client-credentials app client may request and their rate tier (usage plan)."
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.partners) : can(regex("^[a-z0-9][a-z0-9-]{0,40}$", name))])
    error_message = "Partner names must be lowercase letters, digits and '-' (max 41)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags (the provider's default_tags apply as well)."
  default     = {}
}

variable "mobile_auth_flows" {
  type        = list(string)
  description = "Auth flows of the public mobile client (SRP and refresh; add ALLOW_USER_PASSWORD_AUTH only if bff-mobile signs users in with passwords on their behalf)."
  default     = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
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
