output "user_pool_id" {
  description = "User pool ID."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "User pool ARN."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer" {
  description = "Token issuer (the iss claim) of the user pool."
  value       = "https://cognito-idp.${data.aws_region.current.id}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "jwks_url" {
  description = "JSON Web Key Set URL of the user pool."
  value       = "https://cognito-idp.${data.aws_region.current.id}.amazonaws.com/${aws_cognito_user_pool.this.id}/.well-known/jwks.json"
}

output "token_endpoint" {
  description = "OAuth 2.0 token endpoint (client credentials for partners)."
  value       = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.id}.amazoncognito.com/oauth2/token"
}

output "web_client_id" {
  description = "App client ID of bff-web (confidential)."
  value       = aws_cognito_user_pool_client.web.id
}

output "web_client_secret" {
  description = "App client secret of bff-web."
  value       = aws_cognito_user_pool_client.web.client_secret
  sensitive   = true
}

output "mobile_client_id" {
  description = "App client ID of the mobile app (public)."
  value       = aws_cognito_user_pool_client.mobile.id
}

output "partner_client_ids" {
  description = "Client-credentials app client IDs keyed by partner name."
  value       = { for k, c in aws_cognito_user_pool_client.partner : k => c.id }
}

output "partner_client_secrets" {
  description = "Client secrets keyed by partner name (hand them over out of band)."
  value       = { for k, c in aws_cognito_user_pool_client.partner : k => c.client_secret }
  sensitive   = true
}

output "resource_server_identifier" {
  description = "Identifier of the partner resource server (scope prefix)."
  value       = aws_cognito_resource_server.partner.identifier
}
