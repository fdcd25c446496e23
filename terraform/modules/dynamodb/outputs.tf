output "table_names" {
  description = "Table names keyed by logical name (catalog, customers, ...)."
  value       = { for k, t in aws_dynamodb_table.this : k => t.name }
}

output "table_arns" {
  description = "Table ARNs keyed by logical name."
  value       = { for k, t in aws_dynamodb_table.this : k => t.arn }
}

output "index_arns" {
  description = "Global secondary index ARNs keyed by logical table name, then index name."
  value = {
    for k, t in aws_dynamodb_table.this : k => {
      for name in keys(var.tables[k].global_secondary_indexes) : name => "${t.arn}/index/${name}"
    }
  }
}

output "stream_arns" {
  description = "Latest stream ARN keyed by logical table name, for the tables with a stream."
  value       = { for k, t in aws_dynamodb_table.this : k => t.stream_arn if var.tables[k].stream_view_type != null }
}
