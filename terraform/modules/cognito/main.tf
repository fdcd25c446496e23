# One user pool (email sign-in) with the web, mobile and partner app clients, the partner
# resource server and a hosted domain for the OAuth token endpoint.

data "aws_region" "current" {}

locals {
  token_units = {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

resource "aws_cognito_user_pool" "this" {
  name                     = "${var.name_prefix}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = var.mfa_configuration

  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = var.password_policy.minimum_length
    require_lowercase                = var.password_policy.require_lowercase
    require_uppercase                = var.password_policy.require_uppercase
    require_numbers                  = var.password_policy.require_numbers
    require_symbols                  = var.password_policy.require_symbols
    temporary_password_validity_days = var.password_policy.temporary_password_validity_days
    # password_history_size (6.x only, Essentials tier) is left out: the configuration must
    # also apply with hashicorp/aws 5.46, the provider the local rehearsal runs.
  }

  dynamic "software_token_mfa_configuration" {
    for_each = var.mfa_configuration == "OFF" ? [] : [1]
    content {
      enabled = true
    }
  }

  # Threat protection (compromised credentials, adaptive authentication). user_pool_tier is
  # 6.x only, so the Plus plan it needs is chosen outside this configuration (docs/deploy.md).
  dynamic "user_pool_add_ons" {
    for_each = var.threat_protection == null ? [] : [1]
    content {
      advanced_security_mode = var.threat_protection
    }
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  admin_create_user_config {
    allow_admin_create_user_only = false
  }

  # COGNITO_DEFAULT sends a few dozen mails a day for the whole pool: in production sign-up codes
  # and password resets stop arriving. With an SES identity Cognito sends through SES (DEVELOPER).
  email_configuration {
    email_sending_account  = var.ses_email == null ? "COGNITO_DEFAULT" : "DEVELOPER"
    source_arn             = try(var.ses_email.identity_arn, null)
    from_email_address     = try(var.ses_email.from_address, null)
    reply_to_email_address = try(var.ses_email.reply_to, null)
  }

  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true
    string_attribute_constraints {
      min_length = 3
      max_length = 254
    }
  }

  tags = var.tags
}

resource "aws_cognito_user_pool_domain" "this" {
  domain       = var.domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id
}

resource "aws_cognito_resource_server" "partner" {
  identifier   = var.resource_server_identifier
  name         = "${var.name_prefix}-partner-api"
  user_pool_id = aws_cognito_user_pool.this.id

  dynamic "scope" {
    for_each = var.partner_scopes
    content {
      scope_name        = scope.key
      scope_description = scope.value
    }
  }
}

# Server-side client of bff-web: confidential (secret), password sign-in done by the BFF.
resource "aws_cognito_user_pool_client" "web" {
  name                          = "${var.name_prefix}-web"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = true
  explicit_auth_flows           = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  supported_identity_providers  = ["COGNITO"]

  access_token_validity  = var.token_validity.access_token_minutes
  id_token_validity      = var.token_validity.id_token_minutes
  refresh_token_validity = var.token_validity.refresh_token_days
  token_validity_units {
    access_token  = local.token_units.access_token
    id_token      = local.token_units.id_token
    refresh_token = local.token_units.refresh_token
  }
}

# Public client of the mobile app: no secret, SRP sign-in, refresh tokens.
resource "aws_cognito_user_pool_client" "mobile" {
  name                          = "${var.name_prefix}-mobile"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = false
  explicit_auth_flows           = var.mobile_auth_flows
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  supported_identity_providers  = ["COGNITO"]

  access_token_validity  = var.token_validity.access_token_minutes
  id_token_validity      = var.token_validity.id_token_minutes
  refresh_token_validity = var.token_validity.refresh_token_days
  token_validity_units {
    access_token  = local.token_units.access_token
    id_token      = local.token_units.id_token
    refresh_token = local.token_units.refresh_token
  }
}

# One confidential client-credentials client per partner, limited to its scopes.
resource "aws_cognito_user_pool_client" "partner" {
  for_each = var.partners

  name                                 = "${var.name_prefix}-partner-${each.key}"
  user_pool_id                         = aws_cognito_user_pool.this.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  # Referencing the resource server orders creation after its scopes exist.
  allowed_oauth_scopes          = [for s in each.value.scopes : "${aws_cognito_resource_server.partner.identifier}/${s}"]
  explicit_auth_flows           = ["ALLOW_REFRESH_TOKEN_AUTH"]
  supported_identity_providers  = ["COGNITO"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity = var.partner_token_minutes
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  lifecycle {
    precondition {
      condition     = alltrue([for s in each.value.scopes : contains(keys(var.partner_scopes), s)])
      error_message = "Partner ${each.key} asks for a scope the resource server does not define (known: ${join(", ", keys(var.partner_scopes))})."
    }
  }
}
