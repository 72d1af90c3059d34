output "key_arn" {
  description = "ARN of the lake CMK."
  value       = aws_kms_key.lake.arn
}

output "alias" {
  description = "Alias of the lake CMK."
  value       = aws_kms_alias.lake.name
}
