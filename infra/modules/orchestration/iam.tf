# The state machine's role: start and follow only this project's jobs (or runs on its EMR
# Serverless application, passing only the execution role to that service), publish to the
# failure topic, write its execution logs and X-Ray traces.

data "aws_iam_policy_document" "states_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "states" {
  name               = "${var.name}-pipeline-states"
  assume_role_policy = data.aws_iam_policy_document.states_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "states" {
  dynamic "statement" {
    for_each = var.runtime == "glue" ? [1] : []
    content {
      sid       = "RunGlueJobs"
      actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
      resources = [for j in values(var.glue_jobs) : "arn:${local.partition}:glue:${local.region}:${local.account}:job/${j}"]
    }
  }
  dynamic "statement" {
    for_each = var.runtime == "emr-serverless" ? [1] : []
    content {
      sid       = "RunEmrServerless"
      actions   = ["emr-serverless:StartJobRun", "emr-serverless:GetJobRun", "emr-serverless:CancelJobRun"]
      resources = [var.emr_serverless.application_arn, "${var.emr_serverless.application_arn}/jobruns/*"]
    }
  }
  dynamic "statement" {
    for_each = var.runtime == "emr-serverless" ? [1] : []
    content {
      sid       = "PassExecutionRole"
      actions   = ["iam:PassRole"]
      resources = [var.emr_serverless.execution_role_arn]
      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["emr-serverless.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    # .sync on EMR Serverless follows the run through this managed rule
    for_each = var.runtime == "emr-serverless" ? [1] : []
    content {
      sid       = "SyncRule"
      actions   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
      resources = ["arn:${local.partition}:events:${local.region}:${local.account}:rule/StepFunctionsGetEventsForEMRServerlessJobRule"]
    }
  }
  statement {
    sid       = "NotifyFailures"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
  }
  statement {
    sid       = "TopicKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.topic_key_arn]
  }
  statement {
    # Log delivery and X-Ray actions support no resource-level permissions (AWS documents "*").
    sid = "ExecutionLogsAndTraces"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
      "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
    ]
    resources = ["*"] #tfsec:ignore:aws-iam-no-policy-wildcards
  }
}

resource "aws_iam_role_policy" "states" {
  name   = "run-pipeline"
  role   = aws_iam_role.states.id
  policy = data.aws_iam_policy_document.states.json
}
