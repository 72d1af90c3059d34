# Inputs of the lakehouse stack. `lakehouse infra vars --env <profile>` writes them from
# conf/lake.yaml (terraform.tfvars.json), so bucket, database, table and job settings cannot
# drift from the pipeline's configuration.

variable "project" {
  description = "conf/lake.yaml `project`."
  type        = string
}

variable "env" {
  description = "The conf/lake.yaml profile this stack serves (dev, prod, ...)."
  type        = string
}

variable "region" {
  description = "AWS region (runtimes.region)."
  type        = string
}

variable "name" {
  description = "Prefix of every resource name (default lakehouse-<project>-<env>)."
  type        = string
  default     = null
}

variable "zones" {
  description = "Zone => {bucket, prefix}: landing, raw, curated, quarantine, exportable, _runs and _quality (lake.root / lake.zones / lake.runs; quality results and docs)."
  type = map(object({
    bucket = string
    prefix = string
  }))
}

variable "artifacts" {
  description = "runtimes.artifacts_uri as {bucket, prefix}."
  type = object({
    bucket = string
    prefix = string
  })
}

variable "databases" {
  description = "Zone => Glue database (catalog.database_pattern)."
  type        = map(string)
}

variable "lock_table" {
  description = "tables.lock_table (DynamoDB commit lease); null: no lock table."
  type        = string
  default     = null
}

variable "idempotency_table" {
  description = "triggers.idempotency.table (default <name>-event-idempotency)."
  type        = string
  default     = null
}

variable "datasets" {
  description = "Dataset => landing key prefix (the dataset's source.path under the landing zone)."
  type        = map(string)
  default     = {}
}

variable "dqdl_rulesets" {
  description = "Dataset => DQDL ruleset text (conf/datasets/<name>.dqdl): one Glue Data Quality ruleset each on the curated table."
  type        = map(string)
  default     = {}
}

variable "glue" {
  description = "runtimes.glue: version, workers, timeout (minutes), retries, concurrency."
  type = object({
    glue_version        = optional(string, "5.1")
    worker_type         = optional(string, "G.1X")
    number_of_workers   = optional(number, 2)
    timeout             = optional(number, 60)
    max_retries         = optional(number, 0)
    max_concurrent_runs = optional(number, 3)
  })
  default = {}
}

variable "glue_script_location" {
  description = "s3:// URI of the uploaded jobs/run_pipeline.py (`lakehouse infra vars --package-dir dist`, uploaded by `lakehouse submit --upload-only`); required by the Glue jobs."
  type        = string
  default     = null
}

variable "glue_default_arguments" {
  description = "Glue job parameters as `lakehouse submit` sets them (--extra-py-files, --conf-uri, --env, ...)."
  type        = map(string)
  default     = {}
}

variable "submit_job_name" {
  description = "The job `lakehouse submit --target glue` creates (runtimes.glue.job_name); the submitter may manage it too."
  type        = string
  default     = null
}

variable "enable_emr_serverless" {
  description = "Create the EMR Serverless application."
  type        = bool
  default     = true
}

variable "orchestration_runtime" {
  description = "What the state machine runs each stage on: glue or emr-serverless."
  type        = string
  default     = "glue"
}

variable "emr_serverless_entry" {
  description = "For orchestration_runtime = emr-serverless: entry point, its arguments and sparkSubmitParameters (as `lakehouse submit --target emr-serverless` builds them)."
  type = object({
    entry_point           = string
    entry_point_arguments = list(string)
    spark_submit_params   = string
  })
  default = null
}

variable "trigger" {
  description = "What consumes S3 arrivals: lambda (SQS -> Lambda), worker (SQS only; run `lakehouse listen`), stepfunctions (EventBridge starts the state machine per arrival), none."
  type        = string
  default     = "lambda"
  validation {
    condition     = contains(["lambda", "worker", "stepfunctions", "none"], var.trigger)
    error_message = "trigger must be lambda, worker, stepfunctions or none."
  }
}

variable "triggers" {
  description = "conf triggers: batching window (s), receives before the DLQ, visibility timeout (s)."
  type = object({
    window_seconds             = optional(number, 60)
    max_receives               = optional(number, 5)
    visibility_timeout_seconds = optional(number, 300)
  })
  default = {}
}

variable "lambda_package_file" {
  description = "Zip of the trigger Lambda code: dist/trigger.zip from `lakehouse package --lambda` (see modules/trigger_lambda)."
  type        = string
  default     = null
}

variable "lambda_package_s3" {
  description = "The trigger Lambda code in S3: {bucket, key}."
  type = object({
    bucket = string
    key    = string
  })
  default = null
}

variable "lambda_layer_arns" {
  description = "Layers with the trigger Lambda's dependencies and conf/."
  type        = list(string)
  default     = []
}

variable "secrets" {
  description = "runtimes.secrets (`lakehouse infra vars`): SSM parameter names, Secrets Manager secret names or ARNs, and runtimes.secrets_kms_keys (customer managed keys that encrypt them). The job roles may read exactly these."
  type = object({
    ssm_parameters         = optional(list(string), [])
    secretsmanager_secrets = optional(list(string), [])
    kms_key_arns           = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "use_kms" {
  description = "Encrypt with a customer-managed key (rotation on); false: SSE-S3 and AWS-managed keys."
  type        = bool
  default     = true
}

variable "enable_query" {
  description = "Create the Athena workgroup."
  type        = bool
  default     = true
}

variable "lifecycle_days" {
  description = "Landing expiry, quarantine retention and noncurrent-version expiry, in days."
  type = object({
    landing_expiration   = optional(number, 30)
    quarantine_retention = optional(number, 90)
    noncurrent_versions  = optional(number, 30)
    access_log_retention = optional(number, 365)
  })
  default = {}
}

variable "force_destroy" {
  description = "Let `terraform destroy` remove non-empty buckets and the workgroup (dev stacks only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
