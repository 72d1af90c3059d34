locals {
  idempotency_table_arn = var.create_idempotency_table ? aws_dynamodb_table.idempotency[0].arn : var.idempotency_table_arn
}

# Least privilege for `lakehouse listen` / the Lambda handler: consume one queue, dead-letter
# to one DLQ, read landing objects, and claim/complete items in one DynamoDB table.
data "aws_iam_policy_document" "worker" {
  statement {
    sid = "ConsumeArrivals"
    actions = [
      "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
    ]
    resources = [aws_sqs_queue.arrivals.arn]
  }
  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.dlq.arn]
  }
  statement {
    sid       = "ReadLandingObjects"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.bucket_arn}/${var.key_prefix}*"]
  }
  statement {
    sid = "IdempotencyStore"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    ]
    resources = [local.idempotency_table_arn]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "UseEncryptionKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
  dynamic "statement" {
    for_each = length(var.dispatch_actions) == 0 ? [] : [1]
    content {
      sid       = "Dispatch"
      actions   = var.dispatch_actions
      resources = var.dispatch_resources
    }
  }
}

resource "aws_iam_policy" "worker" {
  name        = "${var.name}-trigger-worker"
  description = "lakehouse trigger worker: consume ${aws_sqs_queue.arrivals.name}, read landing, idempotency table"
  policy      = data.aws_iam_policy_document.worker.json
  tags        = var.tags
}

data "aws_iam_policy_document" "assume" {
  count = var.worker_principal == null ? 0 : 1
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [var.worker_principal]
    }
  }
}

resource "aws_iam_role" "worker" {
  count              = var.worker_principal == null ? 0 : 1
  name               = "${var.name}-trigger-worker"
  assume_role_policy = data.aws_iam_policy_document.assume[0].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "worker" {
  count      = var.worker_principal == null ? 0 : 1
  role       = aws_iam_role.worker[0].name
  policy_arn = aws_iam_policy.worker.arn
}
