output "bucket_arns" {
  description = "Bucket name => ARN of every lake bucket (zones and artifacts)."
  value       = { for k, b in aws_s3_bucket.lake : k => b.arn }
}

output "zone_uris" {
  description = "Zone => s3:// URI."
  value       = { for k, z in var.zones : k => "s3://${z.bucket}/${trim(z.prefix, "/")}" }
}

output "landing_bucket" {
  description = "Bucket that holds the landing zone."
  value       = aws_s3_bucket.lake[var.zones["landing"].bucket].id
}

output "log_bucket" {
  description = "Server access-log bucket."
  value       = aws_s3_bucket.logs.id
}
