variable "name" {
  description = "Prefix for the access-log bucket (<name>-access-logs) and rule ids."
  type        = string
}

variable "zones" {
  description = "Where each zone lives: {landing = {bucket, prefix}, raw = ..., _runs = ...}. Zones sharing a bucket are prefixes of it; one bucket per zone is the same map with distinct buckets."
  type = map(object({
    bucket = string
    prefix = string
  }))
  validation {
    condition     = alltrue([for z in ["landing", "raw", "curated", "quarantine", "exportable"] : contains(keys(var.zones), z)])
    error_message = "zones must define landing, raw, curated, quarantine and exportable."
  }
}

variable "artifacts" {
  description = "Where `lakehouse submit` uploads the artifact set: {bucket, prefix}."
  type = object({
    bucket = string
    prefix = string
  })
}

variable "kms_key_arn" {
  description = "CMK for SSE-KMS on the data buckets; null uses SSE-S3."
  type        = string
  default     = null
}

variable "log_bucket_name" {
  description = "Access-log bucket (default: <name>-access-logs)."
  type        = string
  default     = null
}

variable "landing_expiration_days" {
  description = "Landing objects are deleted this many days after arrival (ingest has copied them to raw)."
  type        = number
  default     = 30
}

variable "quarantine_retention_days" {
  description = "Quarantined rows are kept this many days."
  type        = number
  default     = 90
}

variable "noncurrent_version_days" {
  description = "Noncurrent object versions are deleted this many days after they are replaced."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "Access logs are kept this many days."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets (dev stacks only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
