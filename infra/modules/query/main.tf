# An Athena workgroup (engine v3 reads Delta tables registered in the Glue catalog) whose
# results are encrypted and whose settings users cannot override.

resource "aws_athena_workgroup" "lake" {
  name          = "${var.name}-query"
  description   = "Query the lakehouse catalog (Delta tables)"
  force_destroy = var.force_destroy
  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff
    engine_version {
      selected_engine_version = "Athena engine version 3"
    }
    result_configuration {
      output_location = var.results_uri
      encryption_configuration {
        encryption_option = var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
  tags = var.tags
}
