# Optional: start one execution per S3 arrival through EventBridge (the landing bucket must
# send EventBridge notifications: landing_trigger's eventbridge = true). The SQS worker /
# Lambda path batches arrivals; this path does not (one execution per object).

resource "aws_cloudwatch_event_rule" "arrival" {
  for_each    = var.arrival_datasets
  name        = "${var.name}-arrival-${each.key}"
  description = "S3 arrivals under ${each.value} start ${var.name}-pipeline for ${each.key}"
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [var.landing_bucket] }
      object = { key = [{ prefix = each.value }] }
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "arrival" {
  for_each = var.arrival_datasets
  rule     = aws_cloudwatch_event_rule.arrival[each.key].name
  arn      = aws_sfn_state_machine.pipeline.arn
  role_arn = aws_iam_role.events[0].arn
  input    = jsonencode({ dataset = each.key })
}

data "aws_iam_policy_document" "events_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "events" {
  count              = length(var.arrival_datasets) > 0 ? 1 : 0
  name               = "${var.name}-arrivals-start"
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "events" {
  statement {
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.pipeline.arn]
  }
}

resource "aws_iam_role_policy" "events" {
  count  = length(var.arrival_datasets) > 0 ? 1 : 0
  name   = "start-pipeline"
  role   = aws_iam_role.events[0].id
  policy = data.aws_iam_policy_document.events.json
}
