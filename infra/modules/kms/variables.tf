variable "name" {
  description = "Prefix of the key alias (alias/<name>)."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before a scheduled key deletion (7-30)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
