output "bucket" {
  description = "Landing bucket name."
  value       = local.bucket_name
}

output "queue_url" {
  description = "Queue for `lakehouse listen --queue` (triggers.queue_url)."
  value       = aws_sqs_queue.arrivals.id
}

output "queue_arn" {
  value = aws_sqs_queue.arrivals.arn
}

output "dlq_url" {
  description = "Dead-letter queue (triggers.dlq_url; also found from the RedrivePolicy)."
  value       = aws_sqs_queue.dlq.id
}

output "idempotency_table" {
  description = "DynamoDB table for triggers.idempotency.table."
  value       = aws_dynamodb_table.idempotency.name
}

output "worker_policy_arn" {
  value = aws_iam_policy.worker.arn
}

output "worker_role_arn" {
  value = var.worker_principal == null ? null : aws_iam_role.worker[0].arn
}
