variable "name" {
  description = "Prefix for every resource (bucket, queues, table, policy)."
  type        = string
}

variable "bucket_name" {
  description = "Landing bucket name (default: \"<name>-landing\")."
  type        = string
  default     = null
}

variable "create_bucket" {
  description = "Create the landing bucket; false wires an existing bucket named bucket_name."
  type        = bool
  default     = true
}

variable "key_prefix" {
  description = "Only keys under this prefix notify (e.g. \"landing/\"); empty for all."
  type        = string
  default     = ""
}

variable "kms_key_arn" {
  description = "KMS key for bucket and queue encryption; null uses SSE-S3 / SQS-managed SSE."
  type        = string
  default     = null
}

variable "max_receive_count" {
  description = "Receives before SQS moves a message to the dead-letter queue."
  type        = number
  default     = 5
}

variable "visibility_timeout_seconds" {
  description = "Queue visibility timeout; the worker extends it while a run is in progress."
  type        = number
  default     = 300
}

variable "dlq_retention_seconds" {
  description = "How long dead letters are kept (max 14 days)."
  type        = number
  default     = 1209600
}

variable "worker_principal" {
  description = "Service allowed to assume the worker role (lambda.amazonaws.com, ecs-tasks.amazonaws.com, ec2.amazonaws.com); null creates only the policy."
  type        = string
  default     = null
}

variable "dispatch_actions" {
  description = "Extra IAM actions the worker needs to dispatch (e.g. glue:StartJobRun)."
  type        = list(string)
  default     = []
}

variable "dispatch_resources" {
  description = "Resources for dispatch_actions."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "manage_notifications" {
  description = "Own the bucket's S3 notification configuration (S3 keeps one per bucket; applying replaces it). Defaults to create_bucket; must be set explicitly for an existing bucket."
  type        = bool
  default     = null
}

variable "extra_queue_notifications" {
  description = "Other queue notifications to keep in the bucket's configuration when this module owns it."
  type = list(object({
    id            = string
    queue_arn     = string
    events        = list(string)
    filter_prefix = optional(string)
    filter_suffix = optional(string)
  }))
  default = []
}

variable "eventbridge" {
  description = "Also send the bucket's events to EventBridge (needed to start the state machine per arrival)."
  type        = bool
  default     = false
}

variable "create_idempotency_table" {
  description = "Create <name>-event-idempotency here; false uses idempotency_table_arn (e.g. from the locks module)."
  type        = bool
  default     = true
}

variable "idempotency_table_arn" {
  description = "Existing idempotency table when create_idempotency_table = false."
  type        = string
  default     = null
}

variable "access_log_bucket" {
  description = "Bucket receiving the landing bucket's server access logs (when this module creates the bucket)."
  type        = string
  default     = null
}

variable "expiration_days" {
  description = "Landing objects under key_prefix expire after this many days (when this module creates the bucket)."
  type        = number
  default     = 30
}

variable "enforce_tls" {
  description = "Attach the TLS-only bucket policy (deny aws:SecureTransport = false). Only a local emulator on plain HTTP needs false."
  type        = bool
  default     = true
}
