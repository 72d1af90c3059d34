variable "lock_table_name" {
  description = "Commit-lease table (conf: tables.lock_table); null skips it."
  type        = string
}

variable "idempotency_table_name" {
  description = "Event idempotency table (conf: triggers.idempotency.table); null skips it."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "CMK for SSE; null uses the AWS-managed DynamoDB key."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to delete the tables (turn off before `terraform destroy`)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every table."
  type        = map(string)
  default     = {}
}
