# Alarms into the failure topic: messages waiting in the dead-letter queue, arrivals waiting
# unconsumed in the arrivals queue, failed (or timed out / aborted) pipeline executions; and
# an EventBridge rule for every failed Glue job run. (Glue's numFailedTasks counts failed
# Spark tasks, which Spark retries, not failed runs: it is not alarmed on.)

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${var.name}-dlq-not-empty"
  alarm_description   = "Arrivals are in the dead-letter queue ${var.dlq_name}: inspect and redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dlq_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "executions_failed" {
  for_each            = toset(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])
  alarm_name          = "${var.name}-${lower(each.key)}"
  alarm_description   = "The pipeline state machine reported ${each.key}."
  namespace           = "AWS/States"
  metric_name         = each.key
  dimensions          = { StateMachineArn = var.state_machine_arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  tags                = var.tags
}

# Arrivals nobody consumes: the oldest message of the arrivals queue is older than a run
# should ever wait (batching window + dispatch). A stuck or throttled consumer, a broken
# Lambda package or a stopped worker all show here first; failed runs show below.
resource "aws_cloudwatch_metric_alarm" "arrivals_waiting" {
  count               = var.arrivals_queue_name == null ? 0 : 1
  alarm_name          = "${var.name}-arrivals-waiting"
  alarm_description   = "The oldest arrival in ${var.arrivals_queue_name} waits more than ${var.arrivals_max_age_seconds} s: the trigger is not consuming."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.arrivals_queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.arrivals_max_age_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.topic_arn]
  ok_actions          = [var.topic_arn]
  tags                = var.tags
}

# Every failed / timed-out run of the project's jobs, also when started outside the state
# machine (`lakehouse submit`, the trigger), goes to the topic.
resource "aws_cloudwatch_event_rule" "job_failed" {
  count       = length(var.glue_jobs) > 0 ? 1 : 0
  name        = "${var.name}-glue-job-failed"
  description = "Failed, timed-out or errored runs of the lakehouse Glue jobs"
  event_pattern = jsonencode({
    source        = ["aws.glue"]
    "detail-type" = ["Glue Job State Change"]
    detail = {
      jobName = values(var.glue_jobs)
      state   = ["FAILED", "TIMEOUT", "ERROR"]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "job_failed" {
  count = length(var.glue_jobs) > 0 ? 1 : 0
  rule  = aws_cloudwatch_event_rule.job_failed[0].name
  arn   = var.topic_arn
}
