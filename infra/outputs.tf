output "name" {
  description = "Resource name prefix."
  value       = local.name
}

output "buckets" {
  description = "Bucket name => ARN."
  value       = module.storage.bucket_arns
}

output "log_bucket" {
  description = "Server access-log bucket."
  value       = module.storage.log_bucket
}

output "kms_key_arn" {
  description = "The lake CMK (null with use_kms = false)."
  value       = local.kms_key_arn
}

output "databases" {
  description = "Zone => Glue database."
  value       = module.catalog.databases
}

output "glue_jobs" {
  description = "Stage => Glue job."
  value       = module.jobs.glue_job_names
}

output "state_machine_arn" {
  description = "Start with {\"dataset\": \"<name>\"}."
  value       = module.orchestration.state_machine_arn
}

output "failure_topic_arn" {
  description = "Subscribe to failed runs, blocked gates and alarms."
  value       = module.orchestration.failure_topic_arn
}

output "queue_url" {
  description = "Arrivals queue."
  value       = module.trigger.queue_url
}

output "dlq_url" {
  description = "Dead-letter queue."
  value       = module.trigger.dlq_url
}

output "trigger_function" {
  description = "The trigger Lambda (trigger = lambda)."
  value       = try(module.trigger_lambda[0].function_name, null)
}

output "athena_workgroup" {
  description = "Athena workgroup (enable_query)."
  value       = try(module.query[0].workgroup, null)
}

output "submitter_policy_arn" {
  description = "Attach to whoever runs `lakehouse submit`."
  value       = module.iam.submitter_policy_arn
}

output "alarms" {
  description = "CloudWatch alarms."
  value       = module.observability.alarm_names
}

# conf/lake.yaml profile values (`lakehouse infra profile` renders them as YAML); the trigger
# Lambda gets the same values as $LAKEHOUSE_PROFILE_OVERLAY (main.tf), merged over its conf.
output "profile" {
  description = "The profile for conf/lake.yaml that points the pipeline at this stack."
  value       = local.profile
}

output "dqdl_rulesets" {
  description = "Dataset => Glue Data Quality ruleset name (one per conf/datasets/<name>.dqdl)."
  value       = module.quality.rulesets
}
