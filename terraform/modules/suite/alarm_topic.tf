# Where the alarms go. Without var.alarm_topic_arn the suite creates its own topic, so no alarm
# fires to nobody. CloudWatch can publish to an encrypted topic only when the KMS key's policy
# lets cloudwatch.amazonaws.com use it: the AWS managed alias/aws/sns key does not, so the topic
# gets a customer managed key of its own.

locals {
  create_alarm_topic = var.alarm_topic_arn == null
  alarm_topic_arn    = local.create_alarm_topic ? aws_sns_topic.alarms[0].arn : var.alarm_topic_arn
}

data "aws_iam_policy_document" "alarm_key_policy" {
  count = local.create_alarm_topic ? 1 : 0

  statement {
    # What Terraform (through the account's IAM policies) needs to manage the key; no wildcard.
    sid = "AccountAdministers"
    actions = [
      "kms:CancelKeyDeletion", "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation",
      "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
      "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource",
      "kms:UntagResource", "kms:UpdateKeyDescription",
    ]
    resources = ["*"] # in a key policy "*" is this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchPublishes"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"] # in a key policy "*" is this key
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "alarms" {
  count = local.create_alarm_topic ? 1 : 0

  description             = "${local.name_prefix} alarm topic (CloudWatch may encrypt to it)"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.alarm_key_policy[0].json
  tags                    = var.tags
}

resource "aws_sns_topic" "alarms" {
  count = local.create_alarm_topic ? 1 : 0

  name              = "${local.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.alarms[0].arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alarm_topic" {
  count = local.create_alarm_topic ? 1 : 0

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms[0].arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  count = local.create_alarm_topic ? 1 : 0

  arn    = aws_sns_topic.alarms[0].arn
  policy = data.aws_iam_policy_document.alarm_topic[0].json
}

# Email subscriptions stay pending until each address confirms.
resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = local.create_alarm_topic ? toset(var.alarm_emails) : toset([])

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}
