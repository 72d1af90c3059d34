# Failure notifications: the state machine (through its role), CloudWatch alarms and
# EventBridge publish here; subscribe e-mail, chat or a pager to it.

resource "aws_sns_topic" "failures" {
  name              = "${var.name}-failures"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AlarmsAndEventsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
  statement {
    sid       = "AccountManagesTopic"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.failures.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
}

resource "aws_sns_topic_policy" "failures" {
  arn    = aws_sns_topic.failures.arn
  policy = data.aws_iam_policy_document.topic.json
}
