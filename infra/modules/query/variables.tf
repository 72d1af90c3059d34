variable "name" {
  description = "Workgroup name prefix (<name>-query)."
  type        = string
}

variable "results_uri" {
  description = "s3:// location of query results (e.g. the artifacts bucket's athena-results/)."
  type        = string
}

variable "kms_key_arn" {
  description = "CMK for the results; null: SSE-S3."
  type        = string
  default     = null
}

variable "bytes_scanned_cutoff" {
  description = "Per-query scan limit in bytes (cost guard)."
  type        = number
  default     = 107374182400
}

variable "force_destroy" {
  description = "Delete the workgroup with its saved queries on destroy."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the workgroup."
  type        = map(string)
  default     = {}
}
