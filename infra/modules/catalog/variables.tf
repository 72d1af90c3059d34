variable "databases" {
  description = "Zone => Glue database name, e.g. {raw = \"flights_raw\", curated = \"flights_curated\"}."
  type        = map(string)
}

variable "locations" {
  description = "Zone => s3:// location of the database (optional)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every database."
  type        = map(string)
  default     = {}
}
