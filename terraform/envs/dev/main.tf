# Development environment: small, cheap, deletable (no deletion protection, short log retention).

provider "aws" {
  region = var.region
  # The provider refuses to plan or apply with credentials of any other account.
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  default_tags {
    tags = {
      project     = "bffsuite"
      environment = "dev"
      managed_by  = "terraform"
    }
  }
}

module "suite" {
  source = "../../modules/suite"

  environment           = "dev"
  artifact_dir          = var.artifact_dir
  cognito_domain_prefix = var.cognito_domain_prefix
  web_origins           = var.web_origins
  partners              = var.partners
  custom_domains        = var.custom_domains
  alarm_topic_arn       = var.alarm_topic_arn
  alarm_emails          = var.alarm_emails
  ses_email             = var.ses_email
  mobile_app            = var.mobile_app
  web_site_url          = var.web_site_url
  web_cookie_same_site  = var.web_cookie_same_site
  partner_deprecations  = var.partner_deprecations

  manage_apigw_account_role = var.manage_apigw_account_role
  lambda_architecture       = var.lambda_architecture
  saved_log_queries         = var.saved_log_queries
  lambda_logging_config     = var.lambda_logging_config
  # Bulk imports: only the rehearsal changes it (moto gap, see the variable).
  imports_attach_dead_letter_queue = var.imports_attach_dead_letter_queue

  deletion_protection = false
  log_retention_days  = 14
  log_level           = "debug"
  request_budget      = var.request_budget
  xray_tracing        = false

  lambdas = {
    web     = { memory_mb = 512, timeout_seconds = 10 }
    mobile  = { memory_mb = 512, timeout_seconds = 10 }
    partner = { memory_mb = 512, timeout_seconds = 10 }
  }

  throttling = {
    web     = { rate_limit = 20, burst_limit = 40 }
    mobile  = { rate_limit = 20, burst_limit = 40 }
    partner = { rate_limit = 20, burst_limit = 40 }
  }
}
