output "web_api_url" {
  description = "Base URL of bff-web."
  value       = module.web_api.url
}

output "mobile_api_url" {
  description = "Base URL of bff-mobile."
  value       = module.mobile_api.url
}

output "partner_api_url" {
  description = "Base URL of bff-partner (REST API stage or custom domain)."
  value       = module.partner_api.url
}

output "user_pool_id" {
  description = "Cognito user pool ID."
  value       = module.cognito.user_pool_id
}

output "user_pool_arn" {
  description = "Cognito user pool ARN."
  value       = module.cognito.user_pool_arn
}

output "issuer" {
  description = "Token issuer URL (iss claim)."
  value       = module.cognito.issuer
}

output "jwks_url" {
  description = "JWKS URL of the user pool."
  value       = module.cognito.jwks_url
}

output "token_endpoint" {
  description = "OAuth token endpoint for partner client credentials."
  value       = module.cognito.token_endpoint
}

output "web_client_id" {
  description = "App client ID of bff-web."
  value       = module.cognito.web_client_id
}

output "mobile_client_id" {
  description = "App client ID of the mobile app."
  value       = module.cognito.mobile_client_id
}

output "partner_client_ids" {
  description = "Client-credentials app client IDs keyed by partner."
  value       = module.cognito.partner_client_ids
}

output "partner_client_secrets" {
  description = "Partner client secrets keyed by partner (sensitive)."
  value       = module.cognito.partner_client_secrets
  sensitive   = true
}

output "partner_api_key_ids" {
  description = "Partner API key IDs keyed by partner."
  value       = module.partner_api.partner_api_key_ids
}

output "partner_api_key_values" {
  description = "Partner API key values keyed by partner (sensitive)."
  value       = module.partner_api.partner_api_key_values
  sensitive   = true
}

output "partner_usage_plan_ids" {
  description = "API Gateway usage plan IDs of the partner API keyed by rate tier (bffdeploy partner add attaches new API keys to them)."
  value       = module.partner_api.usage_plan_ids
}

output "partner_registry_table" {
  description = "DynamoDB table of the partner registry (bff-partner reads it; bffdeploy partner add/disable write it)."
  value       = module.tables.table_names["partners"]
}

output "resource_server_identifier" {
  description = "Partner resource server identifier (scope prefix)."
  value       = module.cognito.resource_server_identifier
}

output "table_names" {
  description = "DynamoDB table names keyed by logical name."
  value       = module.tables.table_names
}

output "lambda_function_names" {
  description = "Lambda function names keyed by BFF (web, mobile, partner)."
  value       = { for b, l in module.lambda : b => l.function_name }
}

output "lambda_zip_paths" {
  description = "Zip paths the Lambdas are deployed from, keyed by BFF."
  value       = { for b in local.bffs : b => "${var.artifact_dir}/bff-${b}.zip" }
}

output "secret_parameters" {
  description = "SSM SecureString parameter names each BFF reads at cold start, keyed by BFF (create the ones Terraform does not manage before the first deploy)."
  value       = { for b in local.bffs : b => [for name in local.secret_env[b] : "${local.secrets_prefix[b]}${name}"] }
}

output "access_log_groups" {
  description = "API Gateway access log groups keyed by BFF."
  value = {
    web     = module.web_api.access_log_group_name
    mobile  = module.mobile_api.access_log_group_name
    partner = module.partner_api.access_log_group_name
  }
}

output "dashboards" {
  description = "CloudWatch dashboard names keyed by BFF."
  value       = { for b, a in module.alarms : b => a.dashboard_name }
}

output "alarm_arns" {
  description = "Alarm ARNs keyed by BFF, then alarm kind."
  value       = { for b, a in module.alarms : b => a.alarm_arns }
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify: var.alarm_topic_arn, or the suite's own encrypted topic (subscribe to it)."
  value       = local.alarm_topic_arn
}

output "app_dashboards" {
  description = "CloudWatch dashboards of the BFFs' own telemetry (EMF metrics, log widgets) keyed by BFF."
  value       = { for b, o in module.observability : b => o.dashboard_name }
}

output "region" {
  description = "AWS region of the suite."
  value       = data.aws_region.current.id
}

output "cognito_domain_url" {
  description = "Base URL of the user pool's hosted domain (OAuth endpoints under /oauth2/)."
  value       = trimsuffix(module.cognito.token_endpoint, "/oauth2/token")
}

# --- checkout saga on Step Functions (issue 19) -------------------------------------------------

output "checkout" {
  description = "The checkout saga: state machine ARN and name, its task function, the payments ledger table, the log group and the alarms."
  value = {
    state_machine_arn   = module.checkout.state_machine_arn
    state_machine_name  = module.checkout.state_machine_name
    task_function_name  = module.checkout.task_function_name
    payments_table_name = module.checkout.payments_table_name
    log_group_name      = module.checkout.log_group_name
    alarm_names         = module.checkout.alarm_names
  }
}

# --- Partner bulk imports (module.imports) ---------------------------------------------------
output "imports" {
  description = "Bulk imports: bucket, queue, dead-letter queue and worker function."
  value = {
    bucket          = module.imports.bucket_name
    queue_url       = module.imports.queue_url
    dlq_url         = module.imports.dlq_url
    worker_function = module.imports.worker_function_name
  }
}

# --- order events (issue 18) ----------------------------------------------------------------------
output "order_events_bus_name" {
  description = "The order events bus (Source bffsuite.orders): webhooks, push and other consumers add their rule on it."
  value       = module.order_events.event_bus_name
}

output "order_events_bus_arn" {
  description = "ARN of the order events bus."
  value       = module.order_events.event_bus_arn
}

output "order_events_queues" {
  description = "The projector's queue and DLQ, and the stream-failures queue of order-events (URLs)."
  value = {
    projector       = module.order_events.projector_queue_url
    projector_dlq   = module.order_events.projector_dlq_url
    stream_failures = module.order_events.stream_failures_queue_url
  }
}

output "worker_function_names" {
  description = "The event-side functions (workers/cmd/<name>) keyed by their zip name: the rehearsal runs each under the emulator."
  value = {
    "order-events" = module.order_events.producer_function_name
    "projector"    = module.order_events.projector_function_name
    # Partner webhooks and mobile push (issue 18)
    "webhook-fanout" = module.webhooks.function_names.fanout
    "webhook-sender" = module.webhooks.function_names.sender
    "push"           = module.webhooks.function_names.push
  }
}

# --- Partner webhooks (issue 18) ---
output "webhooks" {
  description = "Partner webhooks: delivery queue, DLQs and functions."
  value = {
    delivery_queue_url = module.webhooks.delivery_queue_url
    dlq_urls           = module.webhooks.dlq_urls
    functions          = module.webhooks.function_names
  }
}
