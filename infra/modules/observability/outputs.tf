output "alarm_names" {
  description = "Every alarm created."
  value = concat(
    [aws_cloudwatch_metric_alarm.dlq_depth.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.executions_failed : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.job_failures : a.alarm_name],
  )
}
