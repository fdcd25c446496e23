output "alarm_arns" {
  description = "Alarm ARNs keyed by alarm kind."
  value = {
    api_5xx_rate        = aws_cloudwatch_metric_alarm.api_5xx_rate.arn
    api_latency_p99     = aws_cloudwatch_metric_alarm.api_latency_p99.arn
    lambda_errors       = aws_cloudwatch_metric_alarm.lambda_errors.arn
    lambda_throttles    = aws_cloudwatch_metric_alarm.lambda_throttles.arn
    lambda_duration_p99 = aws_cloudwatch_metric_alarm.lambda_duration_p99.arn
  }
}

output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
