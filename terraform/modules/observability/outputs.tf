output "alarm_arns" {
  description = "Alarm ARNs keyed by alarm kind (dependency alarms as dependency_<service>)."
  value = merge({
    fault_rate   = aws_cloudwatch_metric_alarm.fault_rate.arn
    latency_p99  = aws_cloudwatch_metric_alarm.latency_p99.arn
    partial_rate = aws_cloudwatch_metric_alarm.partial_rate.arn
    auth_keys    = aws_cloudwatch_metric_alarm.auth_keys_unavailable.arn
    }, {
    for d, a in aws_cloudwatch_metric_alarm.dependency : "dependency_${d}" => a.arn
  })
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the BFF's own metrics, traces-to-logs queries and log widget."
  value       = aws_cloudwatch_dashboard.app.dashboard_name
}

output "query_definition_ids" {
  description = "Saved Logs Insights queries keyed by purpose."
  value       = { for k, q in aws_cloudwatch_query_definition.this : k => q.query_definition_id }
}
