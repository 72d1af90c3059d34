output "databases" {
  description = "Zone => Glue database name."
  value       = { for k, d in aws_glue_catalog_database.zone : k => d.name }
}

output "database_arns" {
  description = "Glue database ARNs."
  value       = [for d in aws_glue_catalog_database.zone : d.arn]
}
