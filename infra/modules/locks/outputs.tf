output "lock_table" {
  description = "Commit-lease table name (tables.lock_table)."
  value       = try(aws_dynamodb_table.this["lock"].name, null)
}

output "idempotency_table" {
  description = "Idempotency table name (triggers.idempotency.table)."
  value       = try(aws_dynamodb_table.this["idempotency"].name, null)
}

output "table_arns" {
  description = "ARNs of the tables created."
  value       = [for t in aws_dynamodb_table.this : t.arn]
}

output "lock_table_arn" {
  description = "Commit-lease table ARN."
  value       = try(aws_dynamodb_table.this["lock"].arn, null)
}

output "idempotency_table_arn" {
  description = "Idempotency table ARN."
  value       = try(aws_dynamodb_table.this["idempotency"].arn, null)
}
