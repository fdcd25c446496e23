output "event_bus_name" {
  description = "Name of the order events bus (Source bffsuite.orders, DetailType the event type, Detail the events.Event JSON): consumers add their rule on it."
  value       = aws_cloudwatch_event_bus.orders.name
}

output "event_bus_arn" {
  description = "ARN of the order events bus."
  value       = aws_cloudwatch_event_bus.orders.arn
}

output "producer_function_name" {
  description = "The order-events function (orders stream to the bus)."
  value       = module.producer.function_name
}

output "projector_function_name" {
  description = "The projector function (bus to the read models)."
  value       = module.projector.function_name
}

output "projector_queue_url" {
  description = "URL of the projector's queue."
  value       = aws_sqs_queue.projector.id
}

output "projector_dlq_url" {
  description = "URL of the projector's dead-letter queue."
  value       = aws_sqs_queue.projector_dlq.id
}

output "stream_failures_queue_url" {
  description = "URL of the queue describing the stream batches order-events gave up."
  value       = aws_sqs_queue.stream_failures.id
}
