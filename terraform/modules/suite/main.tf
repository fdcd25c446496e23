# The whole BFF suite of one environment: tables, user pool, three Lambdas with least-privilege
# roles, two HTTP APIs (web, mobile), the partner REST API and the alarms.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"
  bffs        = ["web", "mobile", "partner"]

  lambda = {
    for b in local.bffs : b => {
      memory_mb            = try(var.lambdas[b].memory_mb, 512)
      timeout_seconds      = try(var.lambdas[b].timeout_seconds, 10)
      reserved_concurrency = try(var.lambdas[b].reserved_concurrency, null)
    }
  }
  throttling = { for b in local.bffs : b => lookup(var.throttling, b, { rate_limit = 100, burst_limit = 200 }) }

  # API Gateway gives up after this; the BFF sizes its deadlines below it (BFF_GATEWAY_TIMEOUT).
  integration_timeout_ms = 29000

  # --- IAM: exactly the DynamoDB actions each BFF uses ---------------------------------------
  # DescribeTable: the BFF's readiness check (dynamo.Store.Ready) describes its tables.
  dynamodb_read  = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
  stock_reserve  = ["dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"] # order placement reserves stock in one transaction
  order_write    = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]
  customer_write = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
  idempotency    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"] # shared/idempotency
  devices        = ["dynamodb:PutItem", "dynamodb:DeleteItem"]                     # shared/devices Put/Delete
  revocations    = ["dynamodb:GetItem", "dynamodb:PutItem"]                        # shared/revocation (bff-web logout)
  # The partner registry is read-only to bff-partner: one GetItem per client per cache TTL.
  # Only the deploy CLI's caller (an operator role, not a Lambda) writes it.
  partner_registry = ["dynamodb:GetItem"]
  # shared/webhooks as bff-partner uses it: endpoints CRUD, deliveries list and redeliver, feed.
  webhooks_partner = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"]
  # Order read models (order_events below): web home and mobile /v1/me read summaries
  # (GetItem) and popularity buckets (Query); only the projector writes them.
  read_models = ["dynamodb:GetItem", "dynamodb:Query"]

  table_actions = {
    web = {
      catalog             = concat(local.dynamodb_read, local.stock_reserve)
      customers           = concat(local.dynamodb_read, local.customer_write)
      orders              = concat(local.dynamodb_read, local.order_write)
      idempotency         = local.idempotency
      session_revocations = local.revocations
      readmodels          = local.read_models
    }
    mobile = {
      catalog     = concat(local.dynamodb_read, local.stock_reserve)
      customers   = concat(local.dynamodb_read, local.customer_write)
      orders      = concat(local.dynamodb_read, local.order_write)
      idempotency = local.idempotency
      devices     = local.devices
      readmodels  = local.read_models
    }
    partner = {
      catalog     = concat(local.dynamodb_read, local.stock_reserve)
      customers   = local.dynamodb_read
      orders      = concat(local.dynamodb_read, local.order_write)
      idempotency = local.idempotency
      partners    = local.partner_registry
      webhooks    = local.webhooks_partner # issue 18: webhook endpoints, deliveries, event feed
    }
  }

  # --- secrets: SecureString parameters <prefix>/<env>/<bff>/<ENV_NAME>, never plain env -----
  secrets_prefix = { for b in local.bffs : b => "${var.secrets_ssm_prefix}/${var.environment}/${b}/" }
  secret_env = {
    web     = ["BFF_COGNITO_APP_CLIENT_SECRET", "BFF_SESSION_KEYS", "BFF_CURSOR_KEY"]
    mobile  = ["BFF_CURSOR_KEY"]
    partner = ["BFF_CURSOR_KEY"]
  }
  secret_parameter_arns = {
    for b in local.bffs : b => [
      for name in local.secret_env[b] :
      "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:parameter${local.secrets_prefix[b]}${name}"
    ]
  }

  # --- environment of each Lambda (the BFF config structs; tfcheck keeps them in sync) --------
  base_path = { for b in local.bffs : b => try("/${var.custom_domains[b].base_path}", "") }

  common_environment = {
    BFF_DATA_BACKEND         = "dynamodb"
    BFF_TABLE_CATALOG        = module.tables.table_names["catalog"]
    BFF_TABLE_CUSTOMERS      = module.tables.table_names["customers"]
    BFF_TABLE_ORDERS         = module.tables.table_names["orders"]
    BFF_TABLE_READMODELS     = module.tables.table_names["readmodels"]
    BFF_COGNITO_USER_POOL_ID = module.cognito.user_pool_id
    BFF_COGNITO_ISSUER       = module.cognito.issuer
    BFF_COGNITO_JWKS_URL     = module.cognito.jwks_url
    BFF_REQUEST_BUDGET       = var.request_budget
    BFF_GATEWAY_TIMEOUT      = "${local.integration_timeout_ms}ms"
    BFF_LOG_LEVEL            = var.log_level
    BFF_STRIP_STAGE          = "true"
    BFF_METRICS              = "emf" # CloudWatch embedded metric format on stdout (custom metrics are billed)
    BFF_METRICS_NAMESPACE    = "BFFSuite/${var.environment}"
    BFF_TRACING_DISABLED     = "false"
    # The BFF verifies every token itself, also behind the mobile JWT authorizer.
    BFF_TRUST_APIGW_AUTHORIZER = "false"
  }

  web_environment = merge(local.common_environment, {
    BFF_TABLE_IDEMPOTENCY         = module.tables.table_names["idempotency"]
    BFF_TABLE_SESSION_REVOCATIONS = module.tables.table_names["session_revocations"]
    BFF_COOKIE_SECURE             = "true"
    BFF_COOKIE_SAMESITE           = var.web_cookie_same_site
    BFF_WEB_SITE_URL              = var.web_site_url != null ? var.web_site_url : (length(var.web_origins) > 0 ? var.web_origins[0] : "")
    BFF_COGNITO_APP_CLIENT_ID     = module.cognito.web_client_id
    BFF_COGNITO_CLIENT_IDS        = module.cognito.web_client_id
    BFF_CORS_ORIGINS              = join(",", var.web_origins)
    BFF_BASE_PATHS                = local.base_path["web"]
    BFF_SECRETS_SSM_PREFIX        = local.secrets_prefix["web"]
  }, lookup(var.extra_environment, "web", {}))

  mobile_environment = merge(local.common_environment, {
    BFF_TABLE_IDEMPOTENCY                  = module.tables.table_names["idempotency"]
    BFF_TABLE_DEVICES                      = module.tables.table_names["devices"]
    BFF_COGNITO_APP_CLIENT_ID              = module.cognito.mobile_client_id
    BFF_COGNITO_CLIENT_IDS                 = module.cognito.mobile_client_id
    BFF_BASE_PATHS                         = local.base_path["mobile"]
    BFF_SECRETS_SSM_PREFIX                 = local.secrets_prefix["mobile"]
    BFF_MOBILE_MIN_VERSION_IOS             = var.mobile_app.min_version_ios
    BFF_MOBILE_MIN_VERSION_ANDROID         = var.mobile_app.min_version_android
    BFF_MOBILE_RECOMMENDED_VERSION_IOS     = var.mobile_app.recommended_version_ios
    BFF_MOBILE_RECOMMENDED_VERSION_ANDROID = var.mobile_app.recommended_version_android
    BFF_MOBILE_STORE_URL_IOS               = var.mobile_app.store_url_ios
    BFF_MOBILE_STORE_URL_ANDROID           = var.mobile_app.store_url_android
    # Mobile push (issue 18): a registering device gets its SNS platform endpoint.
    BFF_PUSH_PLATFORM_APPLICATIONS = join(",", [for k, v in var.push_platform_applications : "${k}=${v}"])
  }, lookup(var.extra_environment, "mobile", {}))

  partner_environment = merge(local.common_environment, {
    BFF_TABLE_IDEMPOTENCY = module.tables.table_names["idempotency"]
    # The partner registry: which app clients are partners (tenant, scopes, rate tier, status).
    # Read at run time through a cache of BFF_PARTNER_CACHE_TTL; written by `bffdeploy partner
    # add|disable` and, for var.partners, by Terraform below. No BFF_COGNITO_CLIENT_IDS: the
    # registry is the allow-list, so the BFF starts with zero partners.
    BFF_TABLE_PARTNERS       = module.tables.table_names["partners"]
    BFF_PARTNER_CACHE_TTL    = var.partner_cache_ttl
    BFF_PARTNER_SCOPE_PREFIX = module.cognito.resource_server_identifier
    # Same numbers as the API Gateway usage plans: "name=rate/burst,...".
    BFF_PARTNER_RATE_TIERS   = join(",", [for name, t in var.partner_rate_tiers : "${name}=${t.rate_limit}/${t.burst_limit}"])
    BFF_PARTNER_DEPRECATIONS = join(",", var.partner_deprecations)
    BFF_BASE_PATHS           = local.base_path["partner"]
    BFF_SECRETS_SSM_PREFIX   = local.secrets_prefix["partner"]
    # Bulk imports (module.imports at the end of this file).
    BFF_IMPORTS_BUCKET = module.imports.bucket_name
    BFF_TABLE_IMPORTS  = module.tables.table_names["imports"]
    # Partner webhooks and the event feed (issue 18; module.webhooks at the end).
    BFF_TABLE_WEBHOOKS    = module.tables.table_names["webhooks"]
    BFF_WEBHOOK_QUEUE_URL = module.webhooks.delivery_queue_url
  }, lookup(var.extra_environment, "partner", {}))

  # local.checkout_environment: the checkout saga's (issue 19, block at the end of this file).
  environment = {
    web     = merge(local.checkout_environment, local.web_environment)
    mobile  = merge(local.checkout_environment, local.mobile_environment)
    partner = merge(local.checkout_environment, local.partner_environment)
  }

  # --- routes (tfcheck compares them with the BFFs' openapi.json) -------------------------------
  # Mobile: the public operations stay open, everything else needs a mobile access token. The
  # JWT authorizer alone accepts any token whose aud or client_id is the mobile client, ID
  # tokens included (they carry aud); a route scope admits only tokens whose scope claim holds
  # it, and Cognito puts aws.cognito.signin.user.admin in every access token from the user-pool
  # API sign-in (InitiateAuth, SRP, refresh) and in no ID token.
  mobile_routes = {
    "GET /healthz"           = { authorized = false }
    "GET /readyz"            = { authorized = false }
    "GET /openapi.json"      = { authorized = false }
    "GET /docs"              = { authorized = false }
    "POST /v1/auth/{proxy+}" = { authorized = false }
    "$default"               = { authorized = true, scopes = ["aws.cognito.signin.user.admin"] }
  }

  # Partner: one method per operation with the scope it needs (short names; the resource server
  # identifier is prepended below). Unlisted paths get API Gateway's 404 problem.
  partner_routes = {
    "GET /healthz"                = { public = true }
    "GET /readyz"                 = { public = true }
    "GET /docs"                   = { public = true }
    "GET /v1/openapi.json"        = { public = true }
    "GET /v1/products"            = { scopes = ["catalog.read"] }
    "GET /v1/products/{sku}"      = { scopes = ["catalog.read"] }
    "GET /v1/inventory"           = { scopes = ["inventory.read"] }
    "GET /v1/orders"              = { scopes = ["orders.read"] }
    "GET /v1/orders/{id}"         = { scopes = ["orders.read"] }
    "POST /v1/orders"             = { scopes = ["orders.write"] }
    "POST /v1/orders/{id}/cancel" = { scopes = ["orders.write"] }
    "POST /v1/imports"            = { scopes = ["imports.write"] }
    "GET /v1/imports"             = { scopes = ["imports.read"] }
    "GET /v1/imports/{id}"        = { scopes = ["imports.read"] }
    # Partner webhooks and the event feed (issue 18)
    "GET /v1/events"                                            = { scopes = ["orders.read"] }
    "POST /v1/webhooks"                                         = { scopes = ["webhooks.manage"] }
    "GET /v1/webhooks"                                          = { scopes = ["webhooks.manage"] }
    "GET /v1/webhooks/{id}"                                     = { scopes = ["webhooks.manage"] }
    "DELETE /v1/webhooks/{id}"                                  = { scopes = ["webhooks.manage"] }
    "POST /v1/webhooks/{id}/rotate-secret"                      = { scopes = ["webhooks.manage"] }
    "GET /v1/webhooks/{id}/deliveries"                          = { scopes = ["webhooks.manage"] }
    "POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver" = { scopes = ["webhooks.manage"] }
  }
  partner_rest_routes = {
    for k, r in local.partner_routes : k => {
      authorized       = !try(r.public, false)
      api_key_required = !try(r.public, false)
      scopes           = [for s in try(r.scopes, []) : "${module.cognito.resource_server_identifier}/${s}"]
    }
  }
}

module "tables" {
  source = "../dynamodb"

  name_prefix         = local.name_prefix
  tables              = local.dynamodb_tables
  deletion_protection = var.deletion_protection
  tags                = var.tags
}

module "cognito" {
  source = "../cognito"

  name_prefix         = local.name_prefix
  domain_prefix       = var.cognito_domain_prefix
  deletion_protection = var.deletion_protection
  token_validity      = var.cognito_token_validity
  ses_email           = var.ses_email
  partners            = var.partners
  threat_protection   = var.cognito_threat_protection
  tags                = var.tags
  # bff-mobile's POST /v1/auth/login signs users in with USER_PASSWORD_AUTH on the public
  # mobile client (identity.Provider); SRP stays allowed for apps that sign in themselves.
  mobile_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

# bff-web signs users in with its confidential client; the secret goes to SSM, not to env.
resource "aws_ssm_parameter" "web_client_secret" {
  name        = "${local.secrets_prefix["web"]}BFF_COGNITO_APP_CLIENT_SECRET"
  description = "Cognito app client secret of bff-web"
  type        = "SecureString"
  value       = module.cognito.web_client_secret
  tags        = var.tags
}

# The partners of var.partners (the seed; more are added with `bffdeploy partner add`) in the
# registry bff-partner reads. Their clients and API keys belong to Terraform: bffdeploy lists
# them and refuses to disable them.
resource "aws_dynamodb_table_item" "partner" {
  for_each = var.partners

  table_name = module.tables.table_names["partners"]
  hash_key   = "client_id"
  item = jsonencode({
    client_id  = { S = module.cognito.partner_client_ids[each.key] }
    partner_id = { S = each.key }
    name       = { S = each.key }
    scopes     = { L = [for s in each.value.scopes : { S = "${module.cognito.resource_server_identifier}/${s}" }] }
    rate_tier  = { S = each.value.rate_tier }
    status     = { S = "active" }
    api_key_id = { S = module.partner_api.partner_api_key_ids[each.key] }
    managed_by = { S = "terraform" }
  })
}

module "lambda" {
  source   = "../bff_lambda"
  for_each = toset(local.bffs)

  function_name  = "${local.name_prefix}-${each.key}"
  description    = "bff-${each.key} (${var.environment})"
  zip_path       = "${var.artifact_dir}/bff-${each.key}.zip"
  architecture   = var.lambda_architecture
  logging_config = var.lambda_logging_config
  # The same level as BFF_LOG_LEVEL: AWS_LAMBDA_LOG_LEVEL (from this) wins in shared/logging.
  application_log_level = upper(var.log_level)
  memory_mb             = local.lambda[each.key].memory_mb
  timeout_seconds       = local.lambda[each.key].timeout_seconds
  reserved_concurrency  = local.lambda[each.key].reserved_concurrency
  log_retention_days    = var.log_retention_days
  xray_tracing          = var.xray_tracing
  environment           = local.environment[each.key]
  # Checkout (issue 19, block at the end of this file): states:StartExecution on the checkout
  # state machine for the BFFs in local.checkout_bffs. Bulk imports (issue 20, module.imports at
  # the end): bff-partner's presign rights and import records. Webhooks (issue 18,
  # module.webhooks at the end): bff-partner's redeliver sends to the delivery queue; bff-mobile
  # creates SNS platform endpoints for registering devices.
  extra_policy_statements = concat(
    lookup(local.checkout_policy_statements, each.key, []),
    each.key == "partner" ? module.imports.partner_policy_statements : [],
    each.key == "partner" ? module.webhooks.partner_policy_statements : [],
    each.key == "mobile" ? module.webhooks.mobile_policy_statements : [],
  )
  # Attached only with tracing on: the collector extension adds to every cold start.
  otel_collector_layer_arn = var.xray_tracing ? var.otel_collector_layer_arn : null
  ssm_parameter_arns       = local.secret_parameter_arns[each.key]
  tags                     = merge(var.tags, { "bffsuite:bff" = each.key })

  dynamodb_access = {
    for table, actions in local.table_actions[each.key] : table => {
      table_arn  = module.tables.table_arns[table]
      index_arns = contains(actions, "dynamodb:Query") ? values(module.tables.index_arns[table]) : []
      actions    = actions
    }
  }
  # No BFF calls a Cognito admin API: sign-up/sign-in/refresh are public Cognito APIs (no IAM).
  cognito_access = null
}

module "web_api" {
  source = "../http_api"

  name                 = "${local.name_prefix}-web"
  lambda_function_name = module.lambda["web"].function_name
  lambda_invoke_arn    = module.lambda["web"].invoke_arn
  routes               = { "$default" = { authorized = false } }
  throttling           = local.throttling["web"]
  log_retention_days   = var.log_retention_days
  custom_domain        = lookup(var.custom_domains, "web", null)
  tags                 = var.tags

  cors = length(var.web_origins) == 0 ? null : {
    allow_origins     = var.web_origins
    allow_credentials = true
    # What the browser may read: the IDs a support request quotes (X-Trace-ID is in logs, EMF
    # and problem bodies), Retry-After of 429/503, Location and ETag.
    expose_headers = ["x-correlation-id", "x-trace-id", "retry-after", "location", "etag"]
  }
}

module "mobile_api" {
  source = "../http_api"

  name                 = "${local.name_prefix}-mobile"
  lambda_function_name = module.lambda["mobile"].function_name
  lambda_invoke_arn    = module.lambda["mobile"].invoke_arn
  routes               = local.mobile_routes
  throttling           = local.throttling["mobile"]
  log_retention_days   = var.log_retention_days
  custom_domain        = lookup(var.custom_domains, "mobile", null)
  tags                 = var.tags

  jwt_authorizer = {
    issuer   = module.cognito.issuer
    audience = [module.cognito.mobile_client_id]
  }
}

module "partner_api" {
  source = "../rest_api"

  name                        = "${local.name_prefix}-partner"
  lambda_function_name        = module.lambda["partner"].function_name
  lambda_invoke_arn           = module.lambda["partner"].invoke_arn
  user_pool_arn               = module.cognito.user_pool_arn
  routes                      = local.partner_rest_routes
  throttling                  = local.throttling["partner"]
  rate_tiers                  = var.partner_rate_tiers
  partners                    = var.partners
  log_retention_days          = var.log_retention_days
  manage_account_logging_role = var.manage_apigw_account_role
  xray_tracing                = var.xray_tracing
  detailed_metrics            = var.detailed_api_metrics
  custom_domain               = lookup(var.custom_domains, "partner", null)
  tags                        = var.tags
}

# --- observability: alarms and a dashboard per BFF ---------------------------------------------

locals {
  # BFF_REQUEST_BUDGET as milliseconds (accepts "750ms", "5s", "1m").
  request_budget_ms = (
    endswith(var.request_budget, "ms") ? tonumber(trimsuffix(var.request_budget, "ms")) :
    endswith(var.request_budget, "s") ? tonumber(trimsuffix(var.request_budget, "s")) * 1000 :
    tonumber(trimsuffix(var.request_budget, "m")) * 60000
  )
  monitored_apis = {
    web     = { kind = "http", id = module.web_api.api_id, stage = module.web_api.stage_name }
    mobile  = { kind = "http", id = module.mobile_api.api_id, stage = module.mobile_api.stage_name }
    partner = { kind = "rest", id = module.partner_api.api_name, stage = module.partner_api.stage_name }
  }
}

module "alarms" {
  source   = "../alarms"
  for_each = toset(local.bffs)

  name                   = "${local.name_prefix}-${each.key}"
  function_name          = module.lambda[each.key].function_name
  lambda_timeout_seconds = local.lambda[each.key].timeout_seconds
  latency_budget_ms      = local.request_budget_ms
  api                    = local.monitored_apis[each.key]
  alarm_topic_arn        = local.alarm_topic_arn
  tags                   = var.tags
}

# The BFFs' own telemetry (EMF metrics in BFF_METRICS_NAMESPACE, JSON logs): 5xx and
# partial-response rates, p99 near the budget, dependency errors, JWKS outages, a dashboard and
# saved Logs Insights queries per BFF.
module "observability" {
  source   = "../observability"
  for_each = toset(local.bffs)

  name              = "${local.name_prefix}-${each.key}"
  service           = "bff-${each.key}"
  namespace         = local.common_environment.BFF_METRICS_NAMESPACE
  function_name     = module.lambda[each.key].function_name
  log_group_name    = module.lambda[each.key].log_group_name
  saved_queries     = var.saved_log_queries
  latency_budget_ms = local.request_budget_ms
  alarm_topic_arn   = local.alarm_topic_arn
  # SDK service IDs (the Dependency dimension): web and mobile sign users in through Cognito,
  # so a Cognito outage breaks login; partner calls only DynamoDB.
  dependencies = each.key == "partner" ? ["DynamoDB"] : ["DynamoDB", "Cognito Identity Provider"]
  tags         = var.tags
}

# --- checkout saga on Step Functions (issue 19) -------------------------------------------------
# The state machine from the repository's one definition (shared/checkout/definition.asl.json,
# linked into terraform/modules/checkout), the checkout-tasks function behind every
# Task state, the payments ledger, logs, tracing and alarms (terraform/modules/checkout). The BFFs
# that place orders start executions: local.environment above merges local.checkout_environment
# into their environment, and module "lambda" local.checkout_policy_statements into their role.

locals {
  # Every BFF places orders (partner orders on account skip the payment by a Choice).
  checkout_bffs = ["web", "mobile", "partner"]
  # Merged into every BFF's environment (local.environment above): all of them place orders.
  checkout_environment = {
    BFF_CHECKOUT                   = "stepfunctions"
    BFF_CHECKOUT_STATE_MACHINE_ARN = module.checkout.state_machine_arn
  }
  checkout_policy_statements = {
    for b in local.checkout_bffs : b => [{
      sid       = "CheckoutStartExecution"
      actions   = ["states:StartExecution"]
      resources = [module.checkout.state_machine_arn]
    }]
  }
}

module "checkout" {
  source = "../checkout"

  name_prefix               = local.name_prefix
  zip_path                  = "${var.artifact_dir}/checkout-tasks.zip"
  architecture              = var.lambda_architecture
  logging_config            = var.lambda_logging_config
  log_level                 = var.log_level
  log_retention_days        = var.log_retention_days
  xray_tracing              = var.xray_tracing
  otel_collector_layer_arn  = var.otel_collector_layer_arn
  state_machine_log_level   = var.checkout_state_machine_log_level
  orders_table              = { name = module.tables.table_names["orders"], arn = module.tables.table_arns["orders"] }
  catalog_table             = { name = module.tables.table_names["catalog"], arn = module.tables.table_arns["catalog"] }
  cursor_key_parameter_name = "${var.secrets_ssm_prefix}/${var.environment}/checkout-tasks/BFF_CURSOR_KEY"
  deletion_protection       = var.deletion_protection
  alarm_topic_arn           = local.alarm_topic_arn
  tags                      = var.tags
}

# --- Partner bulk imports (issue 20, shared/imports, docs/imports.md) --------------------------
# Bucket (private, encrypted, TLS only, lifecycle), S3 → SQS upload notifications, the import
# worker with bounded reserved concurrency and a dead-letter alarm. bff-partner's part (bucket
# and table in its environment, presign rights) is wired in module "lambda" above.
module "imports" {
  source = "../imports"

  name_prefix  = local.name_prefix
  zip_path     = "${var.artifact_dir}/import-worker.zip"
  architecture = var.lambda_architecture
  catalog_table = {
    name       = module.tables.table_names["catalog"]
    arn        = module.tables.table_arns["catalog"]
    index_arns = module.tables.index_arns["catalog"]
  }
  imports_table = {
    name = module.tables.table_names["imports"]
    arn  = module.tables.table_arns["imports"]
  }
  worker_timeout_seconds      = var.imports_worker_timeout_seconds
  worker_reserved_concurrency = var.imports_worker_reserved_concurrency
  attach_dead_letter_queue    = var.imports_attach_dead_letter_queue
  force_destroy               = !var.deletion_protection
  alarm_topic_arn             = local.alarm_topic_arn
  log_retention_days          = var.log_retention_days
  log_level                   = var.log_level
  logging_config              = var.lambda_logging_config
  tags                        = var.tags
}

# --- order events (issue 18, docs/events.md) ----------------------------------------------------
# The orders stream → order-events → the orders bus → rule → projector queue (DLQ) → projector →
# the readmodels table (declared with the other tables), with alarms on the DLQs, the projector
# queue's oldest message and poison records. Other consumers (webhooks, push) add their rule
# on module.order_events.event_bus_name.
module "order_events" {
  source = "../order_events"

  name_prefix              = local.name_prefix
  orders_table_arn         = module.tables.table_arns["orders"]
  orders_stream_arn        = module.tables.stream_arns["orders"]
  read_models_table_name   = module.tables.table_names["readmodels"]
  read_models_table_arn    = module.tables.table_arns["readmodels"]
  artifact_dir             = var.artifact_dir
  lambda_architecture      = var.lambda_architecture
  lambda_logging_config    = var.lambda_logging_config
  log_level                = var.log_level
  log_retention_days       = var.log_retention_days
  metrics_namespace        = local.common_environment.BFF_METRICS_NAMESPACE
  xray_tracing             = var.xray_tracing
  otel_collector_layer_arn = var.otel_collector_layer_arn
  stream                   = var.order_events.stream
  projector                = var.order_events.projector
  alarm_topic_arn          = local.alarm_topic_arn
  tags                     = var.tags
}

# --- Partner webhooks and the event pull feed (issue 18) ----------------------------------------
# A rule on the order event bus (module order_events) → fanout queue → webhook-fanout (deliveries
# and the partner feed) → delivery queue → webhook-sender (signed POSTs, >= 24 h of retries, DLQ),
# alarms on DLQ depth and oldest message age. The webhooks table is in module.tables.
module "webhooks" {
  source = "../webhooks"

  name_prefix = local.name_prefix
  # The order event bus of module order_events: the webhooks and push rules go on it.
  event_bus_name     = module.order_events.event_bus_name
  table_name         = module.tables.table_names["webhooks"]
  table_arn          = module.tables.table_arns["webhooks"]
  artifact_dir       = var.artifact_dir
  architecture       = var.lambda_architecture
  log_level          = var.log_level
  metrics_namespace  = local.common_environment.BFF_METRICS_NAMESPACE
  log_retention_days = var.log_retention_days
  logging_config     = var.lambda_logging_config
  xray_tracing       = var.xray_tracing
  alarm_topic_arn    = local.alarm_topic_arn
  tags               = var.tags
  # Mobile push (workers/cmd/push) to the devices bff-mobile registers.
  push_platform_applications = var.push_platform_applications
  devices_table_name         = module.tables.table_names["devices"]
  devices_table_arn          = module.tables.table_arns["devices"]
  devices_index_arns         = values(module.tables.index_arns["devices"])
}
