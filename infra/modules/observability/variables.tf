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

variable "arrivals_queue_name" {
  description = "Arrivals queue a trigger consumes (null: no consumer, no alarm)."
  type        = string
  default     = null
}

variable "arrivals_max_age_seconds" {
  description = "Alarm when the oldest arrival waits longer than this (keep it above the batching window)."
  type        = number
  default     = 900
}

variable "state_machine_arn" {
  description = "Pipeline state machine."
  type        = string
}

variable "glue_jobs" {
  description = "Stage => Glue job name (failed runs go to the topic through EventBridge)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every alarm."
  type        = map(string)
  default     = {}
}
