output "state_machine_arn" {
  description = "ARN of the checkout state machine (BFF_CHECKOUT_STATE_MACHINE_ARN of the BFFs that start checkouts)."
  value       = aws_sfn_state_machine.checkout.arn
}

output "state_machine_name" {
  description = "Name of the checkout state machine."
  value       = aws_sfn_state_machine.checkout.name
}

output "state_machine_role_arn" {
  description = "Role the state machine runs as (invokes the task function only)."
  value       = aws_iam_role.state_machine.arn
}

output "task_function_name" {
  description = "Name of the checkout-tasks function behind every Task state."
  value       = module.tasks.function_name
}

output "task_function_arn" {
  description = "ARN of the checkout-tasks function (the Resource of every Task state)."
  value       = module.tasks.function_arn
}

output "payments_table_name" {
  description = "The payments ledger table (BFF_TABLE_PAYMENTS of the task function)."
  value       = module.ledger.table_names["payments"]
}

output "log_group_name" {
  description = "CloudWatch log group of the state machine's execution events."
  value       = aws_cloudwatch_log_group.state_machine.name
}

output "alarm_names" {
  description = "The execution alarms: failed-rate and timed-out."
  value       = [aws_cloudwatch_metric_alarm.failed_rate.alarm_name, aws_cloudwatch_metric_alarm.timed_out.alarm_name]
}
