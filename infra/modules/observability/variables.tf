variable "name" {
  description = "Alarm name prefix."
  type        = string
}

variable "topic_arn" {
  description = "SNS topic the alarms notify (orchestration.failure_topic_arn)."
  type        = string
}

variable "dlq_name" {
  description = "Dead-letter queue name."
  type        = string
}

variable "dlq_threshold" {
  description = "Alarm when more messages than this are visible in the DLQ."
  type        = number
  default     = 0
}

variable "state_machine_arn" {
  description = "Pipeline state machine."
  type        = string
}

variable "glue_jobs" {
  description = "Stage => Glue job name."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every alarm."
  type        = map(string)
  default     = {}
}
