# S3 landing bucket -> SQS (with DLQ redrive) -> lakehouse listen / Lambda, plus the
# DynamoDB idempotency table and a least-privilege policy for the worker.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition   = data.aws_partition.current.partition
  bucket_name = coalesce(var.bucket_name, "${var.name}-landing")
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"
  sse_kms     = var.kms_key_arn != null
}

# ------------------------------------------------------------------------- landing bucket
resource "aws_s3_bucket" "landing" {
  #checkov:skip=CKV_AWS_144:Landing files are transient (ingest copies them to raw, then they expire); replicate the raw/curated zones instead.
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

resource "aws_s3_bucket_ownership_controls" "landing" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.landing[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_logging" "landing" {
  count         = var.create_bucket && var.access_log_bucket != null ? 1 : 0
  bucket        = aws_s3_bucket.landing[0].id
  target_bucket = var.access_log_bucket
  target_prefix = "s3/${local.bucket_name}/"
}

resource "aws_s3_bucket_lifecycle_configuration" "landing" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.landing[0].id
  rule {
    id     = "landing-expiry"
    status = "Enabled"
    filter {
      prefix = var.key_prefix
    }
    expiration {
      days = var.expiration_days
    }
  }
  rule {
    id     = "noncurrent-versions-and-uploads"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.landing]
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "landing" {
  count      = var.create_bucket && var.enforce_tls ? 1 : 0
  bucket     = aws_s3_bucket.landing[0].id
  policy     = data.aws_iam_policy_document.tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.landing]
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
    resources = ["arn:${local.partition}:sqs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:${var.name}-arrivals"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.bucket_arn]
    }
    # bucket names are global: also pin the bucket owner's account (confused deputy)
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# S3 keeps ONE notification configuration per bucket and aws_s3_bucket_notification replaces
# all of it. For a bucket this module did not create, the caller must say so
# (manage_notifications): true = this module owns the whole configuration and merges
# extra_queue_notifications into it; false = nothing is written and the caller adds
# queue_arn to the bucket's own aws_s3_bucket_notification.
locals {
  manage_notifications = var.manage_notifications == null ? var.create_bucket : var.manage_notifications
}

# Fails the plan (instead of silently replacing or silently skipping) when the choice is unmade.
resource "terraform_data" "notification_owner" {
  input = local.manage_notifications
  lifecycle {
    precondition {
      condition     = var.create_bucket || var.manage_notifications != null
      error_message = "Bucket ${local.bucket_name} was not created by this module and S3 keeps one notification configuration per bucket: applying would REPLACE its existing notifications. Set manage_notifications = true (this module owns them; list other queues in extra_queue_notifications) or false (add this module's queue_arn to your own aws_s3_bucket_notification)."
    }
  }
}

resource "aws_s3_bucket_notification" "landing" {
  count       = local.manage_notifications ? 1 : 0
  bucket      = var.create_bucket ? aws_s3_bucket.landing[0].id : local.bucket_name
  eventbridge = var.eventbridge
  queue {
    id            = "${var.name}-object-created"
    queue_arn     = aws_sqs_queue.arrivals.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = var.key_prefix == "" ? null : var.key_prefix
  }
  dynamic "queue" {
    for_each = var.extra_queue_notifications
    content {
      id            = queue.value.id
      queue_arn     = queue.value.queue_arn
      events        = queue.value.events
      filter_prefix = queue.value.filter_prefix
      filter_suffix = queue.value.filter_suffix
    }
  }
}

# ------------------------------------------------------------------ idempotency store
resource "aws_dynamodb_table" "idempotency" {
  count        = var.create_idempotency_table ? 1 : 0
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
