output "glue_role_arn" {
  description = "Glue job role (runtimes.glue.role_arn)."
  value       = aws_iam_role.glue.arn
}

output "emr_serverless_role_arn" {
  description = "EMR Serverless execution role (runtimes.emr_serverless.execution_role_arn)."
  value       = aws_iam_role.emr_serverless.arn
}

output "submitter_policy_arn" {
  description = "Attach to the CI role / user that runs `lakehouse submit`."
  value       = aws_iam_policy.submitter.arn
}

output "data_access_policy_arn" {
  description = "The jobs' shared data-access policy."
  value       = aws_iam_policy.data_access.arn
}
