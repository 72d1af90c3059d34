# Failure notifications: the state machine (through its role), CloudWatch alarms and
# EventBridge publish here; subscribe e-mail, chat or a pager to it.
#
# Encrypted with a customer managed key in every case: the lake CMK, or (without one) a
# small key of the topic's own. AWS services publishing to an encrypted topic need a key
# policy that lets them use the key, and the AWS managed alias/aws/sns key's policy cannot
# be changed (SNS developer guide, "Enable compatibility between event sources from AWS
# services and encrypted topics"): on it, alarms and EventBridge could never publish.

locals {
  topic_name = "${var.name}-failures"
  # count needs a value known at plan time; a CMK's ARN is not (it is created in the same apply)
  own_topic_key = var.use_kms == null ? var.kms_key_arn == null : !var.use_kms
  topic_key_arn = local.own_topic_key ? aws_kms_key.topic[0].arn : var.kms_key_arn
}

data "aws_iam_policy_document" "topic_key" {
  count = local.own_topic_key ? 1 : 0
  #checkov:skip=CKV_AWS_109:Key policy: "*" is this key; the root statement delegates key administration to IAM (AWS default).
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key; the service statements are limited to this account.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" in a key policy refers to this key only.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
  statement {
    sid       = "AlarmsOfThisAccount"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
  statement {
    # EventBridge sends no aws:SourceAccount to KMS (SNS developer guide): scoped by the
    # encryption context SNS binds to the call instead, i.e. to this topic.
    sid       = "EventBridgeToThisTopic"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = ["arn:${local.partition}:sns:${local.region}:${local.account}:${local.topic_name}"]
    }
  }
}

resource "aws_kms_key" "topic" {
  count                   = local.own_topic_key ? 1 : 0
  description             = "${var.name}: failure topic (no lake CMK given)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.topic_key[0].json
  tags                    = var.tags
}

resource "aws_sns_topic" "failures" {
  name              = local.topic_name
  kms_master_key_id = local.topic_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
  statement {
    # "You can't use Condition blocks in Amazon SNS topic policies for EventBridge"
    # (EventBridge user guide, "Amazon SNS permissions"), so this is the documented statement
    # as is. What it exposes: a rule in another account could publish notices to this topic;
    # it can read nothing, and the topic carries failure notices only.
    sid       = "EventBridgeRules"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
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
