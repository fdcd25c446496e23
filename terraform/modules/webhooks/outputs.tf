output "fanout_queue_arn" {
  description = "The queue the bus rule feeds (webhook-fanout's event source)."
  value       = aws_sqs_queue.fanout.arn
}

output "delivery_queue_url" {
  description = "The delivery queue (bff-partner's redeliver sends to it: BFF_WEBHOOK_QUEUE_URL)."
  value       = aws_sqs_queue.delivery.url
}

output "delivery_queue_arn" {
  description = "ARN of the delivery queue."
  value       = aws_sqs_queue.delivery.arn
}

output "dlq_urls" {
  description = "Dead-letter queues keyed by fanout, delivery and push."
  value       = { fanout = aws_sqs_queue.fanout_dlq.url, delivery = aws_sqs_queue.delivery_dlq.url, push = aws_sqs_queue.push_dlq.url }
}

output "function_names" {
  description = "Lambda functions keyed by role."
  value       = { fanout = module.fanout.function_name, sender = module.sender.function_name, push = module.push.function_name }
}

output "partner_policy_statements" {
  description = "What bff-partner needs besides its table access: send redeliveries to the delivery queue (extra_policy_statements)."
  value       = [{ sid = "RedeliverWebhooks", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.delivery.arn], conditions = [] }]
}

output "mobile_policy_statements" {
  description = "What bff-mobile needs to create platform endpoints when a device registers (extra_policy_statements; empty without platform applications)."
  value       = length(local.push_apps) == 0 ? [] : [{ sid = "CreatePlatformEndpoints", actions = ["sns:CreatePlatformEndpoint"], resources = local.push_apps, conditions = [] }]
}
