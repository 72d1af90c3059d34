output "state_machine_arn" {
  description = "The pipeline state machine (start it with {\"dataset\": \"<name>\"})."
  value       = aws_sfn_state_machine.pipeline.arn
}

output "state_machine_name" {
  description = "The pipeline state machine name."
  value       = aws_sfn_state_machine.pipeline.name
}

output "failure_topic_arn" {
  description = "SNS topic of failed and blocked runs, and of alarms."
  value       = aws_sns_topic.failures.arn
}
