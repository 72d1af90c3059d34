output "glue_job_names" {
  description = "Stage => Glue job name."
  value       = { for k, j in aws_glue_job.stage : k => j.name }
}

output "glue_job_arns" {
  description = "Stage => Glue job ARN."
  value       = { for k, j in aws_glue_job.stage : k => j.arn }
}

output "emr_serverless_application_id" {
  description = "EMR Serverless application id (runtimes.emr_serverless.application_id)."
  value       = try(aws_emrserverless_application.spark[0].id, null)
}

output "emr_serverless_application_arn" {
  description = "EMR Serverless application ARN."
  value       = try(aws_emrserverless_application.spark[0].arn, null)
}
