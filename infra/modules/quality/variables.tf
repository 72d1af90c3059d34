variable "name" {
  description = "Prefix of the ruleset names (<name>-<dataset>)."
  type        = string
}

variable "database" {
  description = "The curated zone's Glue database (the catalog module's)."
  type        = string
}

variable "rulesets" {
  description = "Dataset => DQDL ruleset text, e.g. {planes = \"Rules = [ IsComplete \\\"tailnum\\\" ]\"}."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every ruleset."
  type        = map(string)
  default     = {}
}
