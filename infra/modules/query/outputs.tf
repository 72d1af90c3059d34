output "workgroup" {
  description = "Athena workgroup name."
  value       = aws_athena_workgroup.lake.name
}
