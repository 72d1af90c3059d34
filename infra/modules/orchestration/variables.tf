variable "name" {
  description = "Prefix of the state machine, topic, roles and log group."
  type        = string
}

variable "runtime" {
  description = "What each stage runs on: glue (startJobRun.sync) or emr-serverless (startJobRun.sync)."
  type        = string
  default     = "glue"
  validation {
    condition     = contains(["glue", "emr-serverless"], var.runtime)
    error_message = "runtime must be glue or emr-serverless."
  }
}

variable "glue_jobs" {
  description = "Stage => Glue job name (jobs module); used when runtime = glue."
  type        = map(string)
  default     = {}
}

variable "emr_serverless" {
  description = "EMR Serverless target when runtime = emr-serverless: application id/ARN, execution role, entry point and the sparkSubmitParameters."
  type = object({
    application_id        = string
    application_arn       = string
    execution_role_arn    = string
    entry_point           = string
    entry_point_arguments = list(string)
    spark_submit_params   = string
  })
  default = null
}

variable "retry" {
  description = "Retry policy for transient errors (throttling, concurrency limits, internal errors)."
  type = object({
    interval_seconds  = number
    max_attempts      = number
    backoff_rate      = number
    max_delay_seconds = number
  })
  default = {
    interval_seconds  = 60
    max_attempts      = 4
    backoff_rate      = 2
    max_delay_seconds = 900
  }
}

variable "quality_gate_pattern" {
  description = "A failed stage whose error cause matches this (States StringMatches) ends in the QualityGateBlocked state."
  type        = string
  default     = "*QualityGate*"
}

variable "arrival_datasets" {
  description = "Start an execution per S3 arrival (EventBridge) for these datasets: dataset => landing key prefix. Needs EventBridge notifications on the landing bucket. Empty: executions are started by you, the scheduler or the trigger."
  type        = map(string)
  default     = {}
}

variable "landing_bucket" {
  description = "Landing bucket (for arrival_datasets)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "CMK for the failure topic and the execution logs; null: AWS-managed keys."
  type        = string
  default     = null
}

variable "use_kms" {
  description = "Whether kms_key_arn is given, as a value known at plan time (null: kms_key_arn != null). Without a CMK the failure topic gets a key of its own."
  type        = bool
  default     = null
}

variable "log_retention_days" {
  description = "Execution log retention."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "extra_retry_errors" {
  description = "More error names to retry as transient (added to the Glue or EMR Serverless list in main.tf), e.g. an error name your account reports that the list misses."
  type        = list(string)
  default     = []
}
