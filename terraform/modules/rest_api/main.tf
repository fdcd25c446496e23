# REST API (Lambda proxy, payload format 1.0) in front of bff-partner: a resource tree built from
# var.routes, a Cognito user-pool authorizer with OAuth scopes per method, API keys and usage
# plans per rate tier, stage throttling, JSON access logs, problem+json gateway errors and an
# optional custom domain.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  route_paths = { for k in keys(var.routes) : k => trimprefix(split(" ", k)[1], "/") }
  # Every path prefix that needs an aws_api_gateway_resource, grouped by depth.
  resource_paths = distinct(flatten([
    for p in values(local.route_paths) : p == "" ? [] : [
      for i in range(1, length(split("/", p)) + 1) : join("/", slice(split("/", p), 0, i))
    ]
  ]))
  depth  = { for p in local.resource_paths : p => length(split("/", p)) }
  parent = { for p in local.resource_paths : p => join("/", slice(split("/", p), 0, local.depth[p] - 1)) }
  leaf   = { for p in local.resource_paths : p => element(split("/", p), local.depth[p] - 1) }

  resource_ids = merge(
    { "" = aws_api_gateway_rest_api.this.root_resource_id },
    { for p, r in aws_api_gateway_resource.d1 : p => r.id },
    { for p, r in aws_api_gateway_resource.d2 : p => r.id },
    { for p, r in aws_api_gateway_resource.d3 : p => r.id },
    { for p, r in aws_api_gateway_resource.d4 : p => r.id },
    { for p, r in aws_api_gateway_resource.d5 : p => r.id },
    { for p, r in aws_api_gateway_resource.d6 : p => r.id },
  )

  # Gateway-made errors as RFC 9457 problems with a stable code and the request ID.
  gateway_problems = {
    # A Cognito authorizer answers 401 (not 403) to a valid token that lacks the method's scope.
    UNAUTHORIZED                 = { status = 401, code = "unauthorized", title = "Missing or invalid access token, or a token without the scope this operation needs" }
    ACCESS_DENIED                = { status = 403, code = "forbidden", title = "The token lacks the scope this operation needs" }
    MISSING_AUTHENTICATION_TOKEN = { status = 404, code = "not_found", title = "No such resource" }
    INVALID_API_KEY              = { status = 403, code = "invalid_api_key", title = "Missing or invalid API key" }
    # The token bucket refills every second. QUOTA_EXCEEDED gets no Retry-After: the quota resets
    # at the end of the usage plan's period, which a gateway response cannot compute.
    THROTTLED           = { status = 429, code = "rate_limited", title = "Too many requests", retry_after = 1 }
    QUOTA_EXCEEDED      = { status = 429, code = "quota_exceeded", title = "Usage quota exceeded" }
    REQUEST_TOO_LARGE   = { status = 413, code = "payload_too_large", title = "Request body too large" }
    INTEGRATION_TIMEOUT = { status = 504, code = "upstream_timeout", title = "The request took too long" }
    DEFAULT_4XX         = { status = null, code = "bad_request", title = "The request was rejected" }
    DEFAULT_5XX         = { status = null, code = "gateway_error", title = "The gateway failed to handle the request" }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name           = var.name
  description    = "Partner BFF"
  api_key_source = "HEADER"
  tags           = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_authorizer" "cognito" {
  name            = "${var.name}-cognito"
  rest_api_id     = aws_api_gateway_rest_api.this.id
  type            = "COGNITO_USER_POOLS"
  provider_arns   = [var.user_pool_arn]
  identity_source = "method.request.header.Authorization"
}

resource "aws_api_gateway_resource" "d1" {
  for_each    = { for p, d in local.depth : p => local.leaf[p] if d == 1 }
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.value
}

resource "aws_api_gateway_resource" "d2" {
  for_each    = { for p, d in local.depth : p => local.leaf[p] if d == 2 }
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.d1[local.parent[each.key]].id
  path_part   = each.value
}

resource "aws_api_gateway_resource" "d3" {
  for_each    = { for p, d in local.depth : p => local.leaf[p] if d == 3 }
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.d2[local.parent[each.key]].id
  path_part   = each.value
}

resource "aws_api_gateway_resource" "d4" {
  for_each    = { for p, d in local.depth : p => local.leaf[p] if d == 4 }
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.d3[local.parent[each.key]].id
  path_part   = each.value
}

resource "aws_api_gateway_resource" "d5" {
  for_each    = { for p, d in local.depth : p => local.leaf[p] if d == 5 }
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.d4[local.parent[each.key]].id
  path_part   = each.value
}

# Depth 6: POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver (issue 18).
resource "aws_api_gateway_resource" "d6" {
  for_each    = { for p, d in local.depth : p => local.leaf[p] if d == 6 }
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.d5[local.parent[each.key]].id
  path_part   = each.value
}

resource "aws_api_gateway_method" "this" {
  for_each = var.routes

  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = local.resource_ids[local.route_paths[each.key]]
  http_method          = split(" ", each.key)[0]
  authorization        = each.value.authorized ? "COGNITO_USER_POOLS" : "NONE"
  authorizer_id        = each.value.authorized ? aws_api_gateway_authorizer.cognito.id : null
  authorization_scopes = each.value.authorized ? each.value.scopes : null
  api_key_required     = each.value.api_key_required
  request_parameters   = strcontains(each.key, "{proxy+}") ? { "method.request.path.proxy" = true } : null
}

resource "aws_api_gateway_integration" "this" {
  for_each = var.routes

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.this[each.key].resource_id
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.lambda_invoke_arn
  timeout_milliseconds    = var.integration_timeout_ms
}

resource "aws_api_gateway_gateway_response" "problem" {
  for_each = local.gateway_problems

  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = each.key
  status_code   = each.value.status == null ? null : tostring(each.value.status)
  response_templates = {
    # correlation_id is the request ID partners quote to support; it is also the access log's requestId.
    "application/json" = jsonencode(merge(
      {
        type           = "about:blank"
        title          = each.value.title
        code           = each.value.code
        instance       = "$context.path"
        correlation_id = "$context.requestId"
      },
      each.value.status == null ? {} : { status = each.value.status },
    ))
  }
  response_parameters = merge(
    {
      "gatewayresponse.header.Content-Type"     = "'application/problem+json'"
      "gatewayresponse.header.X-Correlation-ID" = "context.requestId"
    },
    try({ "gatewayresponse.header.Retry-After" = "'${each.value.retry_after}'" }, {}),
  )
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "Managed by Terraform"

  # Redeploy whenever the API's shape changes: the inputs, and the ids of every resource, method,
  # integration, authorizer and gateway response, so a replaced one (new id, same inputs) is in
  # the snapshot too. A removed route changes the hash, but Terraform creates this replacement
  # (create_before_destroy) before it destroys the removed method: that deployment still serves
  # the route until the next one (docs/deploy.md, "Production review decisions").
  triggers = {
    redeploy = sha1(jsonencode([
      var.routes,
      local.resource_paths,
      var.lambda_invoke_arn,
      var.integration_timeout_ms,
      var.user_pool_arn,
      local.gateway_problems,
      local.resource_ids,
      aws_api_gateway_authorizer.cognito.id,
      { for k, m in aws_api_gateway_method.this : k => m.id },
      { for k, i in aws_api_gateway_integration.this : k => i.id },
      { for k, r in aws_api_gateway_gateway_response.problem : k => r.id },
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_method.this,
    aws_api_gateway_integration.this,
    aws_api_gateway_gateway_response.problem,
  ]
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing
  tags                 = var.tags

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId               = "$context.requestId"
      extendedRequestId       = "$context.extendedRequestId"
      requestTime             = "$context.requestTime"
      httpMethod              = "$context.httpMethod"
      resourcePath            = "$context.resourcePath"
      path                    = "$context.path"
      status                  = "$context.status"
      responseLength          = "$context.responseLength"
      latency                 = "$context.responseLatency"
      integrationLatency      = "$context.integrationLatency"
      integrationStatus       = "$context.integration.status"
      integrationErrorMessage = "$context.integrationErrorMessage"
      errorMessage            = "$context.error.message"
      errorType               = "$context.error.responseType"
      apiKeyId                = "$context.identity.apiKeyId"
      clientId                = "$context.authorizer.claims.client_id"
      sourceIp                = "$context.identity.sourceIp"
      userAgent               = "$context.identity.userAgent"
    })
  }

  depends_on = [aws_api_gateway_account.this]
}

# The execution log group API Gateway writes the ERROR-level logs to. Left to API Gateway it is
# created on the first error without retention (kept forever, billed forever); declared here
# first, with the module's retention.
resource "aws_cloudwatch_log_group" "execution" {
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttling.rate_limit
    throttling_burst_limit = var.throttling.burst_limit
    # Per-method metrics are billed as custom metrics (one set per method): prod only. The
    # ApiName/Stage metrics the alarms use come without them.
    metrics_enabled = var.detailed_metrics
    # Execution logs with data tracing would write tokens and bodies to CloudWatch: keep them to errors.
    logging_level      = "ERROR"
    data_trace_enabled = false
  }

  # Our group with retention must exist before API Gateway writes the first execution log.
  depends_on = [aws_cloudwatch_log_group.execution]
}

resource "aws_lambda_permission" "apigw" {
  statement_id  = "AllowInvokeFrom${replace(title(replace(var.name, "/[^a-zA-Z0-9]+/", " ")), " ", "")}"
  action        = "lambda:InvokeFunction"
  function_name = var.lambda_function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*"
}

# --- usage plans and API keys -------------------------------------------------------------

resource "aws_api_gateway_usage_plan" "tier" {
  for_each = var.rate_tiers

  name        = "${var.name}-${each.key}"
  description = "Partner rate tier ${each.key}"
  tags        = var.tags

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = each.value.rate_limit
    burst_limit = each.value.burst_limit
  }

  quota_settings {
    limit  = each.value.quota_limit
    period = each.value.quota_period
  }
}

resource "aws_api_gateway_api_key" "partner" {
  for_each = var.partners

  name        = "${var.name}-${each.key}"
  description = "API key of partner ${each.key} (tier ${each.value.rate_tier})"
  enabled     = true
  tags        = merge(var.tags, { "bffsuite:partner" = each.key })
}

resource "aws_api_gateway_usage_plan_key" "partner" {
  for_each = var.partners

  key_id        = aws_api_gateway_api_key.partner[each.key].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.tier[each.value.rate_tier].id

  lifecycle {
    precondition {
      condition     = contains(keys(var.rate_tiers), each.value.rate_tier)
      error_message = "Partner ${each.key} has rate tier ${each.value.rate_tier}, which is not in rate_tiers."
    }
  }
}

# --- account-wide CloudWatch role for REST API logging (one per account and region) ------------

# No aws:SourceAccount condition: AWS documents this role's trust policy with the service
# principal alone, and documents no source-account context for the assumption API Gateway makes
# with the account-level role (a condition API Gateway does not send makes every assumption fail,
# and UpdateAccount refuses the role). Another account cannot point its API Gateway at this role:
# UpdateAccount needs iam:PassRole on it, which only principals of this account can have.
data "aws_iam_policy_document" "apigw_assume" {
  count = var.manage_account_logging_role ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "apigw_logs" {
  count = var.manage_account_logging_role ? 1 : 0

  statement {
    sid = "PushLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:log-group:*"]
  }
}

resource "aws_iam_role" "apigw_logs" {
  count = var.manage_account_logging_role ? 1 : 0

  name               = "${var.name}-apigw-cloudwatch"
  description        = "Lets API Gateway write REST API logs to CloudWatch (account setting)"
  assume_role_policy = data.aws_iam_policy_document.apigw_assume[0].json
  tags               = var.tags
}

resource "aws_iam_role_policy" "apigw_logs" {
  count = var.manage_account_logging_role ? 1 : 0

  name   = "push-logs"
  role   = aws_iam_role.apigw_logs[0].id
  policy = data.aws_iam_policy_document.apigw_logs[0].json
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_account_logging_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.apigw_logs[0].arn
  depends_on          = [aws_iam_role_policy.apigw_logs]
}

# --- optional custom domain ------------------------------------------------------------------

resource "aws_api_gateway_domain_name" "this" {
  count = var.custom_domain == null ? 0 : 1

  domain_name              = var.custom_domain.domain_name
  regional_certificate_arn = var.custom_domain.certificate_arn
  security_policy          = "TLS_1_2"
  tags                     = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_base_path_mapping" "this" {
  count = var.custom_domain == null ? 0 : 1

  api_id      = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  domain_name = aws_api_gateway_domain_name.this[0].domain_name
  base_path   = var.custom_domain.base_path
}

resource "aws_route53_record" "this" {
  count = try(var.custom_domain.route53_zone_id, null) == null ? 0 : 1

  zone_id = var.custom_domain.route53_zone_id
  name    = aws_api_gateway_domain_name.this[0].domain_name
  type    = "A"

  alias {
    name                   = aws_api_gateway_domain_name.this[0].regional_domain_name
    zone_id                = aws_api_gateway_domain_name.this[0].regional_zone_id
    evaluate_target_health = false
  }
}
