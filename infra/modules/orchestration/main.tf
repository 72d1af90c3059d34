# ingest -> curate -> export as one Step Functions state machine per project. Input:
# {"dataset": "flights"}. Each stage is a .sync task (Glue or EMR Serverless) with retries and
# exponential backoff on transient errors; a failed stage is recorded (<Stage>Failure: which
# stage, which error) and classified: a blocked quality gate ends in its own terminal state
# (QualityGateBlocked), anything else in Failed, and both publish that record to the failure
# topic first. tests/integration/infra/test_state_machine_runs.py executes this definition.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  stages    = ["ingest", "curate", "export"]
  next      = { ingest = "Curate", curate = "Export", export = "Succeeded" }
  # Step Functions names an optimized integration's API error after the SDK exception it got.
  # Glue (.sync): modeled StartJobRun errors keep their name (Glue.ConcurrentRunsExceededException),
  # but throttling is not a modeled Glue error: it arrives as the SDK's base exception,
  # Glue.AWSGlueException, with "Error Code: ThrottlingException" in the cause (as AWS reports
  # it for startJobRun.sync), so that name must be retried; Glue.ThrottlingException never occurs.
  # A job run that ends FAILED/TIMEOUT/ERROR is States.TaskFailed (cause: the JobRun JSON) and
  # is never retried here. EMR Serverless: the error prefix of its optimized integration is not
  # documented (public state machines use EMRServerless.; the AWS SDK integration's is
  # EmrServerless.) and ErrorEquals is case-sensitive, so both spellings are listed.
  transient = concat(var.runtime == "glue" ? [
    "Glue.AWSGlueException", "Glue.ConcurrentRunsExceededException",
    "Glue.InternalServiceException", "Glue.OperationTimeoutException",
    "Glue.ResourceNumberLimitExceededException",
    ] : flatten([for e in ["ThrottlingException", "InternalServerException", "ServiceQuotaExceededException"] :
  ["EMRServerless.${e}", "EmrServerless.${e}"]]), var.extra_retry_errors)
  retry = [{
    ErrorEquals     = local.transient
    IntervalSeconds = var.retry.interval_seconds
    MaxAttempts     = var.retry.max_attempts
    BackoffRate     = var.retry.backoff_rate
    MaxDelaySeconds = var.retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }]

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

  # What a failed stage publishes: which run, which stage, which error. An object as the SNS
  # Message is sent as its JSON text (the documented connect-sns waitForTaskToken example).
  failure = { for s in local.stages : s => {
    state_machine = "${var.name}-pipeline"
    "execution.$" = "$$.Execution.Id"
    "dataset.$"   = "$.dataset"
    stage         = s
    "error.$"     = "$.error"
  } }
  notify = { for outcome, subject in {
    QualityGateBlocked = "quality gate blocked"
    Failed             = "run failed"
    } : outcome => {
    Type     = "Task"
    Resource = "arn:${local.partition}:states:::sns:publish"
    Parameters = {
      TopicArn    = aws_sns_topic.failures.arn
      Subject     = substr("lakehouse ${var.name}: ${subject}", 0, 99) # SNS: under 100 characters
      "Message.$" = "$.failure"
    }
    # publishing twice is harmless; an execution that ends unannounced is not
    Retry      = [{ ErrorEquals = ["States.ALL"], IntervalSeconds = 2, MaxAttempts = 3, BackoffRate = 2 }]
    ResultPath = null
    Next       = outcome
  } }

  definition = {
    Comment = "lakehouse ${var.name}: ingest -> curate -> export for one dataset"
    StartAt = "Ingest"
    States = merge(
      { for s in local.stages : title(s) => merge(jsondecode(local.tasks[s]), {
        ResultPath = "$.${s}"
        Retry      = local.retry
        Catch      = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "${title(s)}Failure" }]
        Next       = local.next[s]
      }) },
      { for s in local.stages : "${title(s)}Failure" => {
        Type       = "Pass"
        Parameters = local.failure[s]
        ResultPath = "$.failure"
        Next       = "ClassifyFailure"
      } },
      {
        Succeeded = { Type = "Succeed" }
        ClassifyFailure = {
          Type = "Choice"
          Choices = [{
            # a cause-less error (possible for States.* errors) must not fail the Choice itself
            And = [
              { Variable = "$.error.Cause", IsPresent = true },
              { Variable = "$.error.Cause", StringMatches = var.quality_gate_pattern },
            ]
            Next = "NotifyQualityGateBlocked"
          }]
          Default = "NotifyFailure"
        }
        NotifyQualityGateBlocked = local.notify["QualityGateBlocked"]
        QualityGateBlocked = {
          Type  = "Fail"
          Error = "QualityGateBlocked"
          Cause = "a quality gate blocked promotion; see the run's quality report"
        }
        NotifyFailure = local.notify["Failed"]
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
