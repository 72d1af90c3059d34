# S3 landing bucket -> SQS (with DLQ redrive) -> lakehouse listen / Lambda, plus the
# DynamoDB idempotency table and a least-privilege policy for the worker.

locals {
  bucket_name = coalesce(var.bucket_name, "${var.name}-landing")
  bucket_arn  = "arn:aws:s3:::${local.bucket_name}"
  sse_kms     = var.kms_key_arn != null
}

# ------------------------------------------------------------------------- landing bucket
resource "aws_s3_bucket" "landing" {
  count  = var.create_bucket ? 1 : 0
  bucket = local.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "landing" {
  count                   = var.create_bucket ? 1 : 0
  bucket                  = aws_s3_bucket.landing[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "landing" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.landing[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_kms ? "aws:kms" : "AES256"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = local.sse_kms
  }
}

# Versioning gives every arrival a version id, so the idempotency key is exact.
resource "aws_s3_bucket_versioning" "landing" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.landing[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

# ------------------------------------------------------------------------------ queues
resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-arrivals-dlq"
  message_retention_seconds         = var.dlq_retention_seconds
  sqs_managed_sse_enabled           = local.sse_kms ? null : true
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_kms ? 300 : null
  tags                              = var.tags
}

resource "aws_sqs_queue" "arrivals" {
  name                              = "${var.name}-arrivals"
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  receive_wait_time_seconds         = 20
  message_retention_seconds         = 345600
  sqs_managed_sse_enabled           = local.sse_kms ? null : true
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_kms ? 300 : null
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
  policy = data.aws_iam_policy_document.s3_to_sqs.json
  tags   = var.tags
}

# Only this bucket may send notifications to the queue. The policy is inline (not an
# aws_sqs_queue_policy) so the queue is created in one step; the resource ARN is built from
# the name to avoid a self-reference.
data "aws_iam_policy_document" "s3_to_sqs" {
  statement {
    sid       = "AllowLandingBucketNotifications"
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:*:*:${var.name}-arrivals"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.bucket_arn]
    }
  }
}

resource "aws_s3_bucket_notification" "landing" {
  bucket = var.create_bucket ? aws_s3_bucket.landing[0].id : local.bucket_name
  queue {
    id            = "${var.name}-object-created"
    queue_arn     = aws_sqs_queue.arrivals.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = var.key_prefix == "" ? null : var.key_prefix
  }
}

# ------------------------------------------------------------------ idempotency store
resource "aws_dynamodb_table" "idempotency" {
  name         = "${var.name}-event-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
  tags = var.tags
}
