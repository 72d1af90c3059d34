variable "name" {
  description = "Prefix of every role and policy name."
  type        = string
}

variable "zones" {
  description = "Zone => {bucket, prefix} (as lake_storage); `landing` is read-only, the others read/write."
  type = map(object({
    bucket = string
    prefix = string
  }))
}

variable "artifacts" {
  description = "Artifact location {bucket, prefix}; EMR Serverless logs go under <prefix>/logs/."
  type = object({
    bucket = string
    prefix = string
  })
}

variable "databases" {
  description = "Glue database names the jobs may read and write (tables inside them too)."
  type        = list(string)
}

variable "glue_job_names" {
  description = "Glue jobs the submitter may create, update and start."
  type        = list(string)
}

variable "emr_serverless_application_arn" {
  description = "EMR Serverless application the submitter may start runs on (null: none)."
  type        = string
  default     = null
}

variable "lock_table_arn" {
  description = "Commit-lease DynamoDB table (null when tables.lock is not dynamodb)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Lake CMK the roles encrypt and decrypt with (null: SSE-S3)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every role and policy."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "runtimes.secrets the jobs read: SSM parameter names (or ARNs), Secrets Manager secret names (or full ARNs), and the customer managed keys that encrypt them (none for aws/ssm, aws/secretsmanager)."
  type = object({
    ssm_parameters         = optional(list(string), [])
    secretsmanager_secrets = optional(list(string), [])
    kms_key_arns           = optional(list(string), [])
  })
  default  = {}
  nullable = false
}
