# Production environment: deletion protection on tables and user pool, longer log retention,
# X-Ray tracing, reserved concurrency for the partner BFF so consumer traffic cannot starve it.

provider "aws" {
  region = var.region
  # The provider refuses to plan or apply with credentials of any other account.
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  default_tags {
    tags = {
      project     = "bffsuite"
      environment = "prod"
      managed_by  = "terraform"
    }
  }
}

module "suite" {
  source = "../../modules/suite"

  environment           = "prod"
  artifact_dir          = var.artifact_dir
  cognito_domain_prefix = var.cognito_domain_prefix
  web_origins           = var.web_origins
  partners              = var.partners
  custom_domains        = var.custom_domains
  alarm_topic_arn       = var.alarm_topic_arn
  alarm_emails          = var.alarm_emails
  ses_email             = var.ses_email
  # Chosen per stack: AUDIT/ENFORCED need the Plus feature plan (docs/deploy.md).
  cognito_threat_protection = var.cognito_threat_protection
  mobile_app                = var.mobile_app
  web_site_url              = var.web_site_url
  web_cookie_same_site      = var.web_cookie_same_site
  partner_deprecations      = var.partner_deprecations

  manage_apigw_account_role = var.manage_apigw_account_role

  deletion_protection = true
  log_retention_days  = 90
  log_level           = "info"
  request_budget      = "5s"
  xray_tracing        = true
  # Without the collector layer X-Ray shows only Lambda's own segment (no DynamoDB/Cognito spans).
  otel_collector_layer_arn = var.otel_collector_layer_arn
  # Per-method REST metrics cost a custom metric set per method: worth it in prod only.
  detailed_api_metrics = true

  lambdas = {
    web     = { memory_mb = 1024, timeout_seconds = 10 }
    mobile  = { memory_mb = 1024, timeout_seconds = 10 }
    partner = { memory_mb = 1024, timeout_seconds = 10, reserved_concurrency = 50 }
  }

  throttling = {
    web     = { rate_limit = 500, burst_limit = 1000 }
    mobile  = { rate_limit = 500, burst_limit = 1000 }
    partner = { rate_limit = 200, burst_limit = 400 }
  }
}

locals {
  # "Same site" for the web session cookie: the web API's custom domain and a web origin share
  # the parent domain of the API host (api.shop.example.com with https://shop.example.com or
  # https://www.shop.example.com).
  web_domain        = try(var.custom_domains["web"].domain_name, "")
  web_domain_parent = join(".", slice(split(".", local.web_domain), 1, length(split(".", local.web_domain))))
  web_origin_hosts  = [for o in var.web_origins : split(":", trimprefix(o, "https://"))[0]]
}
