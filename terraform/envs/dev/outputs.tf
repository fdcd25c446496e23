output "web_api_url" {
  description = "Base URL of bff-web."
  value       = module.suite.web_api_url
}

output "mobile_api_url" {
  description = "Base URL of bff-mobile."
  value       = module.suite.mobile_api_url
}

output "partner_api_url" {
  description = "Base URL of bff-partner."
  value       = module.suite.partner_api_url
}

output "user_pool_id" {
  description = "Cognito user pool ID."
  value       = module.suite.user_pool_id
}

output "issuer" {
  description = "Token issuer URL."
  value       = module.suite.issuer
}

output "jwks_url" {
  description = "JWKS URL."
  value       = module.suite.jwks_url
}

output "token_endpoint" {
  description = "OAuth token endpoint (partners)."
  value       = module.suite.token_endpoint
}

output "web_client_id" {
  description = "App client ID of bff-web."
  value       = module.suite.web_client_id
}

output "mobile_client_id" {
  description = "App client ID of the mobile app."
  value       = module.suite.mobile_client_id
}

output "partner_client_ids" {
  description = "Partner app client IDs."
  value       = module.suite.partner_client_ids
}

output "partner_client_secrets" {
  description = "Partner client secrets (sensitive)."
  value       = module.suite.partner_client_secrets
  sensitive   = true
}

output "partner_api_key_ids" {
  description = "Partner API key IDs."
  value       = module.suite.partner_api_key_ids
}

output "partner_api_key_values" {
  description = "Partner API key values (sensitive)."
  value       = module.suite.partner_api_key_values
  sensitive   = true
}

output "resource_server_identifier" {
  description = "Partner resource server identifier (scope prefix)."
  value       = module.suite.resource_server_identifier
}

output "table_names" {
  description = "DynamoDB table names."
  value       = module.suite.table_names
}

output "lambda_function_names" {
  description = "Lambda function names keyed by BFF."
  value       = module.suite.lambda_function_names
}

output "lambda_zip_paths" {
  description = "Zip paths the Lambdas deploy from."
  value       = module.suite.lambda_zip_paths
}

output "secret_parameters" {
  description = "SSM SecureString parameter names each BFF reads."
  value       = module.suite.secret_parameters
}

output "access_log_groups" {
  description = "API Gateway access log groups."
  value       = module.suite.access_log_groups
}

output "partner_usage_plan_ids" {
  description = "Partner API usage plan IDs keyed by rate tier (bffdeploy partner add)."
  value       = module.suite.partner_usage_plan_ids
}

output "partner_registry_table" {
  description = "Partner registry table (bffdeploy partner add/list/disable)."
  value       = module.suite.partner_registry_table
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (the suite's own encrypted topic unless alarm_topic_arn was given)."
  value       = module.suite.alarm_topic_arn
}

output "dashboards" {
  description = "CloudWatch dashboards keyed by BFF: gateway and Lambda service metrics (service) and the BFF's own telemetry (app)."
  value       = { for b, d in module.suite.dashboards : b => { service = d, app = module.suite.app_dashboards[b] } }
}

output "alarm_arns" {
  description = "Alarm ARNs keyed by BFF, then alarm kind."
  value       = module.suite.alarm_arns
}

output "region" {
  description = "AWS region of the suite."
  value       = module.suite.region
}

output "cognito_domain_url" {
  description = "Base URL of the user pool's hosted domain (token endpoint: <url>/oauth2/token)."
  value       = module.suite.cognito_domain_url
}

# --- order events (issue 18) ----------------------------------------------------------------------
output "order_events_bus_name" {
  description = "The order events bus (Source bffsuite.orders): consumers add their rule on it."
  value       = module.suite.order_events_bus_name
}

output "order_events_bus_arn" {
  description = "ARN of the order events bus."
  value       = module.suite.order_events_bus_arn
}

output "worker_function_names" {
  description = "The event-side functions keyed by zip name (make rehearse runs each under the RIE)."
  value       = module.suite.worker_function_names
}
