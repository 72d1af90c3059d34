variable "name" {
  description = "Function name prefix (<name>-trigger)."
  type        = string
}

variable "package_file" {
  description = "Local zip of the function code: dist/trigger.zip from `lakehouse package --lambda` (locked dependencies, the library, conf/ resolved for the profile, the artifact set). Use this or package_s3."
  type        = string
  default     = null
}

variable "package_s3" {
  description = "The function code in S3: {bucket, key} (the same zip, uploaded)."
  type = object({
    bucket = string
    key    = string
  })
  default = null
}

variable "layer_arns" {
  description = "Extra layers; the zip from `lakehouse package --lambda` already holds its dependencies and conf/."
  type        = list(string)
  default     = []
}

variable "handler" {
  description = "Handler (lakehouse.events.lambda_handler.handler)."
  type        = string
  default     = "lakehouse.events.lambda_handler.handler"
}

variable "python_runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.11"
}

variable "environment" {
  description = "Environment: LAKEHOUSE_ENV (the profile), LAKEHOUSE_PROFILE_OVERLAY (JSON merged over it: the stack's values), optionally LAKEHOUSE_CONF."
  type        = map(string)
  default     = {}
}

variable "queue_arn" {
  description = "Arrivals queue (landing_trigger.queue_arn)."
  type        = string
}

variable "policy_arns" {
  description = "Policies the function needs: the trigger worker's and the submitter's."
  type        = list(string)
}

variable "batch_size" {
  description = "Messages per invocation: up to 10000 with a batching window of 1 s or more; capped at 10 without one (AWS rejects more)."
  type        = number
  default     = 100
  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be 1-10000 (SQS standard queue)."
  }
}

variable "batching_window_seconds" {
  description = "MaximumBatchingWindowInSeconds (conf: triggers.window_seconds, at most 300)."
  type        = number
  default     = 60
}

variable "timeout_seconds" {
  description = "Function timeout; keep the queue's visibility timeout at 6x this or more."
  type        = number
  default     = 60
}

variable "memory_mb" {
  description = "Function memory."
  type        = number
  default     = 512
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source mapping starts (2-1000; bounds parallel dispatches without throttling receives)."
  type        = number
  default     = 5
  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "maximum_concurrency must be 2-1000 (Lambda ScalingConfig)."
  }
}

variable "kms_key_arn" {
  description = "CMK for the environment variables and the log group; null: AWS-managed."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Function log retention."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
