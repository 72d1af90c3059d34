# One customer-managed key (rotation on) for the lake: S3 buckets, SQS queues, SNS topic,
# DynamoDB tables, CloudWatch Logs and Athena results. The key policy lets the account's IAM
# policies decide who uses it (no grants to `*`), and lets the AWS services that encrypt on
# our behalf (S3 notifications into an encrypted queue, CloudWatch alarms into an encrypted
# topic, CloudWatch Logs) use it only for this account (aws:SourceAccount); EventBridge, which
# sends no aws:SourceAccount, only for this account's topics (SNS encryption context).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
  root    = "arn:${data.aws_partition.current.partition}:iam::${local.account}:root"
}

# A key policy's Resource "*" means this key only; the account root statement is the AWS default
# that delegates to IAM (without it the key becomes unmanageable).
data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:Key policy: "*" is this key; the root statement delegates key administration to IAM (AWS default).
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key; service statements are limited by aws:SourceAccount.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" in a key policy refers to this key only.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" is this key
    principals {
      type        = "AWS"
      identifiers = [local.root]
    }
  }
  statement {
    sid       = "ServicesEncryptForThisAccount"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type = "Service"
      identifiers = [
        "s3.amazonaws.com", "sns.amazonaws.com", "sqs.amazonaws.com", "cloudwatch.amazonaws.com",
      ]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
  statement {
    # EventBridge rules publishing to an encrypted topic: the SNS developer guide says
    # aws:SourceAccount / aws:SourceArn are not supported in the key policy for
    # EventBridge-to-encrypted-topic delivery (the request carries neither), so the grant is
    # scoped by the encryption context SNS binds to each call: this account's topics only.
    sid       = "EventBridgeToThisAccountsTopics"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = ["arn:${data.aws_partition.current.partition}:sns:${data.aws_region.current.name}:${local.account}:*"]
    }
  }
  statement {
    sid       = "CloudWatchLogsForThisAccount"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${local.account}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "lake" {
  description             = "${var.name}: lake data, queues, topics, tables, logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "lake" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.lake.key_id
}
