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
