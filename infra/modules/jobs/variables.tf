variable "name" {
  description = "Prefix of the job names (<name>-<stage>) and the EMR Serverless application."
  type        = string
}

variable "stages" {
  description = "One Glue job per stage; each gets --stage <stage> by default."
  type        = list(string)
  default     = ["ingest", "curate", "export"]
}

variable "glue_role_arn" {
  description = "Role the Glue jobs run as (iam module)."
  type        = string
}

variable "glue_version" {
  description = "Glue version: 5.1 (Spark 3.5, the library's pins) or 6.0."
  type        = string
  default     = "5.1"
  validation {
    condition     = contains(["5.1", "6.0"], var.glue_version)
    error_message = "glue_version must be \"5.1\" or \"6.0\"."
  }
}

variable "worker_type" {
  description = "Glue worker type."
  type        = string
  default     = "G.1X"
}

variable "number_of_workers" {
  description = "Glue workers per run (>= 2)."
  type        = number
  default     = 2
}

variable "timeout_minutes" {
  description = "Glue job timeout."
  type        = number
  default     = 60
}

variable "max_retries" {
  description = "Glue's own retries (the state machine retries transient errors itself)."
  type        = number
  default     = 0
}

variable "max_concurrent_runs" {
  description = "Concurrent runs per job (one per dataset in flight)."
  type        = number
  default     = 3
}

variable "script_location" {
  description = "s3:// URI of jobs/run_pipeline.py as uploaded by `lakehouse submit --upload-only` (`lakehouse infra vars --package-dir dist` fills it); required."
  type        = string
  default     = null
}

variable "default_arguments" {
  description = "Glue job parameters shared by every stage (--extra-py-files, --conf-uri, ...; `lakehouse infra vars` renders the same ones `submit` uses)."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "CMK for the Glue security configuration (S3, CloudWatch Logs, bookmarks); null: SSE-S3 and no log encryption."
  type        = string
  default     = null
}

variable "enable_emr_serverless" {
  description = "Create the EMR Serverless application (the alternative runtime)."
  type        = bool
  default     = true
}

variable "emr_release_label" {
  description = "EMR Serverless release (Spark 3.5 in emr-7.x)."
  type        = string
  default     = "emr-7.9.0"
}

variable "emr_max_cpu" {
  description = "EMR Serverless application cap on vCPU."
  type        = string
  default     = "32 vCPU"
}

variable "emr_max_memory" {
  description = "EMR Serverless application cap on memory."
  type        = string
  default     = "128 GB"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
