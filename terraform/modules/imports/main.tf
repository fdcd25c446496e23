# Partner bulk imports (shared/imports, docs/imports.md): a private, encrypted bucket the
# partners PUT their files into through presigned URLs (uploads/<partner>/<import>), an S3 →
# SQS notification of every upload, the import worker behind the queue (bounded concurrency,
# least privilege), a dead-letter queue with an alarm, and lifecycle expiry of uploads and
# rejection reports (reports/<partner>/<import>.csv).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  bucket_name = "${var.name_prefix}-imports-${local.account_id}"
  bucket_arn  = "arn:${data.aws_partition.current.partition}:s3:::${local.bucket_name}"
  # SQS deletes a message only after the run; the visibility timeout outlasts a whole run (and
  # the worker's lease, which ends at the run's deadline) as AWS recommends for Lambda sources.
  visibility_timeout = 6 * var.worker_timeout_seconds
}

# --- bucket ----------------------------------------------------------------------------------
resource "aws_s3_bucket" "this" {
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# SSE-S3: a presigned PUT needs no KMS permission of the signer, and the data is encrypted at rest.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-uploads"
    status = "Enabled"
    filter {
      prefix = "uploads/"
    }
    expiration {
      days = var.upload_expiry_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-reports"
    status = "Enabled"
    filter {
      prefix = "reports/"
    }
    expiration {
      days = var.report_expiry_days
    }
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid    = "TLSOnly"
    effect = "Deny"
    # Every data action on the bucket and its objects without TLS is denied (the project names
    # actions instead of "s3:*", even in a deny).
    actions = [
      "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:PutObject", "s3:DeleteObject",
      "s3:DeleteObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads",
      "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:RestoreObject",
    ]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json
  # The public access block must be in place before a policy is attached.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# --- queue, dead letters, notification -------------------------------------------------------
resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name_prefix}-imports-dlq"
  message_retention_seconds = 1209600 # 14 days to look at what failed
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name                       = "${var.name_prefix}-imports"
  visibility_timeout_seconds = local.visibility_timeout
  message_retention_seconds  = 345600 # 4 days
  sqs_managed_sse_enabled    = true
  redrive_policy = var.attach_dead_letter_queue ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  }) : null
  tags = var.tags
}

data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "S3UploadNotifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.bucket_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.queue.json
}

resource "aws_s3_bucket_notification" "this" {
  bucket = aws_s3_bucket.this.id
  queue {
    id            = "uploads"
    queue_arn     = aws_sqs_queue.this.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "uploads/"
  }
  # S3 checks it may send to the queue when the notification is set.
  depends_on = [aws_sqs_queue_policy.this]
}

# --- worker ----------------------------------------------------------------------------------
module "worker" {
  source = "../bff_lambda"

  function_name         = "${var.name_prefix}-import-worker"
  description           = "partner bulk import worker (${var.name_prefix})"
  zip_path              = var.zip_path
  architecture          = var.architecture
  memory_mb             = var.worker_memory_mb
  timeout_seconds       = var.worker_timeout_seconds
  behind_api_gateway    = false
  reserved_concurrency  = var.worker_reserved_concurrency
  log_retention_days    = var.log_retention_days
  application_log_level = upper(var.log_level)
  logging_config        = var.logging_config
  tags                  = merge(var.tags, { "bffsuite:worker" = "import-worker" })

  environment = {
    BFF_TABLE_CATALOG      = var.catalog_table.name
    BFF_TABLE_IMPORTS      = var.imports_table.name
    BFF_IMPORTS_BUCKET     = aws_s3_bucket.this.id
    BFF_IMPORTS_QUEUE_URL  = aws_sqs_queue.this.id
    BFF_IMPORTS_BATCH_ROWS = tostring(var.batch_rows)
    # Stop a run with a tenth of its time left (at least 10 s) and continue in a new message.
    BFF_IMPORTS_MARGIN = "${max(10, floor(var.worker_timeout_seconds / 10))}s"
  }

  dynamodb_access = {
    # SKU lookups (by_sku), the conditional stock write, catalog upserts (read then update).
    catalog = {
      table_arn  = var.catalog_table.arn
      index_arns = [var.catalog_table.index_arns["by_sku"]]
      actions    = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    }
    # Records: read, conditional put (checkpoints, lease).
    imports = {
      table_arn = var.imports_table.arn
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    }
  }

  extra_policy_statements = [
    {
      sid       = "ReadUploadsAndReportParts"
      actions   = ["s3:GetObject"]
      resources = ["${local.bucket_arn}/uploads/*", "${local.bucket_arn}/reports/*"]
    },
    {
      sid       = "WriteReports"
      actions   = ["s3:PutObject", "s3:DeleteObject"]
      resources = ["${local.bucket_arn}/reports/*"]
    },
    {
      # An upload of another size than declared is deleted when it is refused.
      sid       = "DeleteRefusedUploads"
      actions   = ["s3:DeleteObject"]
      resources = ["${local.bucket_arn}/uploads/*"]
    },
    {
      sid       = "ListReportParts"
      actions   = ["s3:ListBucket"]
      resources = [local.bucket_arn]
      conditions = [{
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["reports/*"]
      }]
    },
    {
      # Continuations go to the same queue; the event source mapping receives and deletes.
      sid       = "ImportQueue"
      actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      resources = [aws_sqs_queue.this.arn]
    },
  ]
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn = aws_sqs_queue.this.arn
  function_name    = module.worker.function_name
  # One message per run: each import run gets the whole invocation before its deadline.
  batch_size              = 1
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_cloudwatch_metric_alarm" "dlq" {
  alarm_name          = "${var.name_prefix}-imports-dead-letters"
  alarm_description   = "Import messages failed ${var.max_receive_count} times and are in ${aws_sqs_queue.dlq.name}: an import is stuck (see the worker's logs; redrive after fixing)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}
