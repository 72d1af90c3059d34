output "rulesets" {
  description = "Dataset => Glue Data Quality ruleset name."
  value       = { for k, r in aws_glue_data_quality_ruleset.dataset : k => r.name }
}
