output "alarm_names" {
  description = "Every alarm created."
  value = concat(
    [aws_cloudwatch_metric_alarm.dlq_depth.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.executions_failed : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.arrivals_waiting : a.alarm_name],
  )
}
