output "bucket" {
  description = "Landing bucket name."
  value       = local.bucket_name
}

output "queue_url" {
  description = "Queue for `lakehouse listen --queue` (triggers.queue_url)."
  value       = aws_sqs_queue.arrivals.id
}

output "queue_name" {
  description = "Arrivals queue name (for the oldest-message alarm)."
  value       = aws_sqs_queue.arrivals.name
}

output "queue_arn" {
  description = "Arrivals queue ARN (add it to your own bucket notification when manage_notifications = false)."
  value       = aws_sqs_queue.arrivals.arn
}

output "dlq_url" {
  description = "Dead-letter queue (triggers.dlq_url; also found from the RedrivePolicy)."
  value       = aws_sqs_queue.dlq.id
}

output "idempotency_table" {
  description = "DynamoDB table for triggers.idempotency.table."
  value       = var.create_idempotency_table ? aws_dynamodb_table.idempotency[0].name : null
}

output "dlq_name" {
  description = "Dead-letter queue name (for alarms)."
  value       = aws_sqs_queue.dlq.name
}

output "notifications_managed" {
  description = "Whether this module owns the bucket's notification configuration."
  value       = local.manage_notifications
}

output "worker_policy_arn" {
  description = "Policy of the trigger worker / Lambda."
  value       = aws_iam_policy.worker.arn
}

output "worker_role_arn" {
  description = "Role for worker_principal, when given."
  value       = var.worker_principal == null ? null : aws_iam_role.worker[0].arn
}
