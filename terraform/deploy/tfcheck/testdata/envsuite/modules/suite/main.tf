# Fixture for TestEnvironmentKeysFollowMergeAndLocals.
locals {
  common = { BFF_COMMON = "x", BFF_OVERRIDE = "a" }
  environment = {
    web    = merge(local.common, { BFF_WEB_ONLY = "w", "BFF_OVERRIDE" = "b" }, lookup(var.extra, "web", {}))
    mobile = local.mobile_env
  }
  mobile_env = merge(local.common, { BFF_MOBILE_ONLY = var.m })
}

module "lambda" {
  source      = "../bff_lambda"
  for_each    = toset(["web", "mobile"])
  environment = local.environment[each.key]
}
