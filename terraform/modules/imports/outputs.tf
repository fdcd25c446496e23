output "bucket_name" {
  description = "Bucket of uploads and reports (BFF_IMPORTS_BUCKET)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the imports bucket."
  value       = aws_s3_bucket.this.arn
}

output "queue_url" {
  description = "URL of the import queue (upload notifications and continuations)."
  value       = aws_sqs_queue.this.id
}

output "dlq_url" {
  description = "URL of the import dead-letter queue."
  value       = aws_sqs_queue.dlq.id
}

output "worker_function_name" {
  description = "Name of the import worker Lambda."
  value       = module.worker.function_name
}

output "partner_environment" {
  description = "Environment bff-partner needs for imports."
  value = {
    BFF_IMPORTS_BUCKET = aws_s3_bucket.this.id
    BFF_TABLE_IMPORTS  = var.imports_table.name
  }
}

output "partner_policy_statements" {
  description = "What bff-partner alone needs for imports: presign PUTs under uploads/ (the key's partner prefix is chosen by the BFF from the caller's token), presign GETs of reports, and its import records."
  value = [
    {
      sid        = "PresignUploads"
      actions    = ["s3:PutObject"]
      resources  = ["${local.bucket_arn}/uploads/*"]
      conditions = []
    },
    {
      sid        = "PresignReports"
      actions    = ["s3:GetObject"]
      resources  = ["${local.bucket_arn}/reports/*"]
      conditions = []
    },
    {
      sid        = "ImportRecords"
      actions    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      resources  = [var.imports_table.arn]
      conditions = []
    },
  ]
}
