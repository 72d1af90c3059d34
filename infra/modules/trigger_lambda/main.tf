# The SQS-triggered Lambda (lakehouse.events.lambda_handler.handler). The event source mapping
# sets ReportBatchItemFailures: without it Lambda ignores the handler's batchItemFailures and
# retries the whole batch. The batching window is the micro-batching window (arrivals of one
# dataset within it become one run).
#
# Concurrency is bounded on the mapping (scaling_config.maximum_concurrency), not with reserved
# concurrency: the SQS pollers do not know a function's reserved concurrency, so they keep
# receiving, the invokes are throttled and the messages return to the queue, count a receive
# each time and end in the DLQ (Lambda developer guide, "Configuring maximum concurrency for
# Amazon SQS event sources"). A batch of more than 10 needs a batching window of at least 1 s
# (CreateEventSourceMapping, BatchSize): without a window the batch is capped at 10.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  function_name = "${var.name}-trigger"
  batch_size    = var.batching_window_seconds >= 1 ? var.batch_size : min(var.batch_size, 10)
  log_group_arn = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${local.function_name}"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "trigger" {
  #checkov:skip=CKV_AWS_116:SQS invokes the function synchronously; failed messages go to the source queue's dead-letter queue (RedrivePolicy), not a function DLQ.
  #checkov:skip=CKV_AWS_117:The function calls only AWS APIs (SQS, S3, DynamoDB, Glue); no VPC resources to reach.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded on the SQS event source mapping (scaling_config.maximum_concurrency); reserved concurrency would throttle SQS receives into the DLQ.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per organisation; the code is the reproducible zip of `lakehouse package --lambda`, deployed by its sha256 (source_code_hash).
  function_name    = local.function_name
  description      = "lakehouse S3 arrivals -> runs"
  role             = aws_iam_role.trigger.arn
  handler          = var.handler
  runtime          = var.python_runtime
  filename         = var.package_file
  source_code_hash = var.package_file == null ? null : filebase64sha256(var.package_file)
  s3_bucket        = try(var.package_s3.bucket, null)
  s3_key           = try(var.package_s3.key, null)
  layers           = var.layer_arns
  timeout          = var.timeout_seconds
  memory_size      = var.memory_mb
  kms_key_arn      = var.kms_key_arn
  environment {
    variables = var.environment
  }
  tracing_config {
    mode = "Active"
  }
  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.trigger]
  lifecycle {
    precondition {
      condition     = (var.package_file == null) != (var.package_s3 == null)
      error_message = "Give the function code as exactly one of package_file (a local zip) or package_s3 ({bucket, key})."
    }
  }
}

resource "aws_lambda_event_source_mapping" "arrivals" {
  event_source_arn                   = var.queue_arn
  function_name                      = aws_lambda_function.trigger.arn
  batch_size                         = local.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }
}
