# One Glue job per stage running the packaged jobs/run_pipeline.py, plus an EMR Serverless
# application as the alternative runtime. The job parameters are those `lakehouse submit` sets
# (Delta, the Glue catalog, no Glue bookmarks), plus --stage per job.

locals {
  base_arguments = {
    "--job-language"            = "python"
    "--datalake-formats"        = "delta"
    "--enable-glue-datacatalog" = "true"
    "--job-bookmark-option"     = "job-bookmark-disable"
    "--runtime"                 = "glue"
    "--enable-metrics"          = "true"
  }
}

resource "aws_glue_security_configuration" "jobs" {
  name = "${var.name}-jobs"
  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = var.kms_key_arn == null ? "SSE-S3" : "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }
    cloudwatch_encryption {
      cloudwatch_encryption_mode = var.kms_key_arn == null ? "DISABLED" : "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = var.kms_key_arn == null ? "DISABLED" : "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }
  }
}

resource "aws_glue_job" "stage" {
  for_each               = toset(var.stages)
  name                   = "${var.name}-${each.key}"
  description            = "lakehouse ${each.key} (jobs/run_pipeline.py --stage ${each.key})"
  role_arn               = var.glue_role_arn
  glue_version           = var.glue_version
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  timeout                = var.timeout_minutes
  max_retries            = var.max_retries
  security_configuration = aws_glue_security_configuration.jobs.name
  command {
    name            = "glueetl"
    script_location = var.script_location
    python_version  = "3"
  }
  execution_property {
    max_concurrent_runs = var.max_concurrent_runs
  }
  default_arguments = merge(local.base_arguments, var.default_arguments, { "--stage" = each.key })
  tags              = var.tags
  lifecycle {
    # Uploads are content-addressed (<artifacts>/<sha256>/run_pipeline.py): only the rendered
    # location names an object `lakehouse submit --upload-only` puts there.
    precondition {
      condition     = var.script_location != null && can(regex("^s3://[^/]+/.*[0-9a-f]{64}/[^/]+[.]py$", var.script_location))
      error_message = "glue_script_location must be the uploaded script: run `lakehouse package`, `lakehouse infra vars --package-dir dist ...` (it writes glue_script_location and glue_default_arguments) and `lakehouse submit --env ENV --target glue --upload-only`."
    }
    precondition {
      condition     = contains(keys(var.default_arguments), "--extra-py-files") && contains(keys(var.default_arguments), "--conf-uri")
      error_message = "glue_default_arguments lacks --extra-py-files/--conf-uri: render it with `lakehouse infra vars --package-dir dist`."
    }
  }
}

resource "aws_emrserverless_application" "spark" {
  count         = var.enable_emr_serverless ? 1 : 0
  name          = "${var.name}-spark"
  release_label = var.emr_release_label
  type          = "SPARK"
  maximum_capacity {
    cpu    = var.emr_max_cpu
    memory = var.emr_max_memory
  }
  auto_start_configuration {
    enabled = true
  }
  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = 15
  }
  tags = var.tags
}
