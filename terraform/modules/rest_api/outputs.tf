output "api_id" {
  description = "REST API ID."
  value       = aws_api_gateway_rest_api.this.id
}

output "api_name" {
  description = "REST API name (the ApiName dimension of its metrics)."
  value       = aws_api_gateway_rest_api.this.name
}

output "url" {
  description = "Base URL partners use: the custom domain (with base path) when configured, else the stage URL."
  value = (var.custom_domain == null
    ? aws_api_gateway_stage.this.invoke_url
    : "https://${var.custom_domain.domain_name}/${var.custom_domain.base_path == null ? "" : var.custom_domain.base_path}"
  )
}

output "stage_name" {
  description = "Stage name."
  value       = aws_api_gateway_stage.this.stage_name
}

output "execution_arn" {
  description = "Execution ARN."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "access_log_group_name" {
  description = "CloudWatch log group of the access logs."
  value       = aws_cloudwatch_log_group.access.name
}

output "usage_plan_ids" {
  description = "Usage plan IDs keyed by rate tier."
  value       = { for k, p in aws_api_gateway_usage_plan.tier : k => p.id }
}

output "partner_api_key_ids" {
  description = "API key IDs keyed by partner (read the values with `aws apigateway get-api-key --include-value`)."
  value       = { for k, key in aws_api_gateway_api_key.partner : k => key.id }
}

output "partner_api_key_values" {
  description = "API key values keyed by partner."
  value       = { for k, key in aws_api_gateway_api_key.partner : k => key.value }
  sensitive   = true
}

output "custom_domain_target" {
  description = "Regional target name for a DNS alias/CNAME of the custom domain (null without one)."
  value       = one(aws_api_gateway_domain_name.this[*].regional_domain_name)
}
