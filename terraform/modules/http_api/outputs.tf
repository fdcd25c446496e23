output "api_id" {
  description = "HTTP API ID."
  value       = aws_apigatewayv2_api.this.id
}

output "api_endpoint" {
  description = "Default execute-api endpoint of the API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "url" {
  description = "Base URL clients use: the custom domain (with base path) when configured, else the $default stage URL."
  value = (var.custom_domain == null
    ? aws_apigatewayv2_stage.default.invoke_url
    : "https://${var.custom_domain.domain_name}/${var.custom_domain.base_path == null ? "" : var.custom_domain.base_path}"
  )
}

output "execution_arn" {
  description = "Execution ARN (for permissions and alarms)."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "stage_name" {
  description = "Stage name (\"$default\")."
  value       = aws_apigatewayv2_stage.default.name
}

output "access_log_group_name" {
  description = "CloudWatch log group of the access logs."
  value       = aws_cloudwatch_log_group.access.name
}

output "authorizer_id" {
  description = "JWT authorizer ID, null when the API has none."
  value       = one(aws_apigatewayv2_authorizer.jwt[*].id)
}

output "custom_domain_target" {
  description = "Regional target name for a DNS alias/CNAME of the custom domain (null without one)."
  value       = one(aws_apigatewayv2_domain_name.this[*].domain_name_configuration[0].target_domain_name)
}
