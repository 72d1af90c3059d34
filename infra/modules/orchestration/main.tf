# ingest -> curate -> export as one Step Functions state machine per project. Input:
# {"dataset": "flights"}. Each stage is a .sync task (Glue or EMR Serverless) with retries and
# exponential backoff on transient errors; a failed stage is classified: a blocked quality gate
# ends in its own terminal state (QualityGateBlocked), anything else in Failed, and both
# publish to the failure topic first.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  stages    = ["ingest", "curate", "export"]
  next      = { ingest = "Curate", curate = "Export", export = "Succeeded" }
  transient = var.runtime == "glue" ? [
    "Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException",
    "Glue.InternalServiceException", "Glue.OperationTimeoutException",
    "Glue.ResourceNumberLimitExceededException",
    ] : [
    "EmrServerless.ThrottlingException", "EmrServerless.InternalServerException",
    "EmrServerless.ServiceQuotaExceededException",
  ]
  retry = [{
    ErrorEquals     = local.transient
    IntervalSeconds = var.retry.interval_seconds
    MaxAttempts     = var.retry.max_attempts
    BackoffRate     = var.retry.backoff_rate
    MaxDelaySeconds = var.retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }]
  catch = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "ClassifyFailure" }]

  # tasks are JSON strings so the glue and emr-serverless shapes fit one conditional
  glue_task = { for s in local.stages : s => jsonencode({
    Type     = "Task"
    Resource = "arn:${local.partition}:states:::glue:startJobRun.sync"
    Parameters = {
      JobName = lookup(var.glue_jobs, s, "")
      Arguments = {
        "--dataset.$" = "$.dataset"
        "--stage"     = s
      }
    }
  }) }
  emr_task = { for s in local.stages : s => try(jsonencode({
    Type     = "Task"
    Resource = "arn:${local.partition}:states:::emr-serverless:startJobRun.sync"
    Parameters = {
      ApplicationId    = var.emr_serverless.application_id
      ExecutionRoleArn = var.emr_serverless.execution_role_arn
      "Name.$"         = "States.Format('{}-${s}', $.dataset)"
      JobDriver = {
        SparkSubmit = {
          EntryPoint              = var.emr_serverless.entry_point
          "EntryPointArguments.$" = "States.Array(${join(", ", [for a in concat(var.emr_serverless.entry_point_arguments, ["--stage", s]) : "'${a}'"])}, '--dataset', $.dataset)"
          SparkSubmitParameters   = var.emr_serverless.spark_submit_params
        }
      }
    }
  }), "{}") }
  tasks = var.runtime == "glue" ? local.glue_task : local.emr_task

  definition = {
    Comment = "lakehouse ${var.name}: ingest -> curate -> export for one dataset"
    StartAt = "Ingest"
    States = merge(
      { for s in local.stages : title(s) => merge(jsondecode(local.tasks[s]), {
        ResultPath = "$.${s}"
        Retry      = local.retry
        Catch      = local.catch
        Next       = local.next[s]
      }) },
      {
        Succeeded = { Type = "Succeed" }
        ClassifyFailure = {
          Type = "Choice"
          Choices = [{
            Variable      = "$.error.Cause"
            StringMatches = var.quality_gate_pattern
            Next          = "NotifyQualityGateBlocked"
          }]
          Default = "NotifyFailure"
        }
        NotifyQualityGateBlocked = {
          Type     = "Task"
          Resource = "arn:${local.partition}:states:::sns:publish"
          Parameters = {
            TopicArn    = aws_sns_topic.failures.arn
            Subject     = "lakehouse ${var.name}: quality gate blocked"
            "Message.$" = "$"
          }
          ResultPath = null
          Next       = "QualityGateBlocked"
        }
        QualityGateBlocked = {
          Type  = "Fail"
          Error = "QualityGateBlocked"
          Cause = "a quality gate blocked promotion; see the run's quality report"
        }
        NotifyFailure = {
          Type     = "Task"
          Resource = "arn:${local.partition}:states:::sns:publish"
          Parameters = {
            TopicArn    = aws_sns_topic.failures.arn
            Subject     = "lakehouse ${var.name}: run failed"
            "Message.$" = "$"
          }
          ResultPath = null
          Next       = "Failed"
        }
        Failed = {
          Type  = "Fail"
          Error = "StageFailed"
          Cause = "a stage failed after its retries; see the failure notification"
        }
      },
    )
  }
}

resource "aws_cloudwatch_log_group" "executions" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "pipeline" {
  name       = "${var.name}-pipeline"
  role_arn   = aws_iam_role.states.arn
  definition = jsonencode(local.definition)
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.executions.arn}:*"
    include_execution_data = true # inputs are dataset names; errors carry the cause
    level                  = "ERROR"
  }
  tracing_configuration {
    enabled = true
  }
  tags = var.tags
}
