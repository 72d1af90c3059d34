output "function_name" {
  description = "The trigger function."
  value       = aws_lambda_function.trigger.function_name
}

output "function_arn" {
  description = "The trigger function ARN."
  value       = aws_lambda_function.trigger.arn
}

output "event_source_mapping_uuid" {
  description = "The SQS event source mapping."
  value       = aws_lambda_event_source_mapping.arrivals.uuid
}
