# The lake's buckets: one per distinct bucket named in `zones` and `artifacts` (a bucket per
# zone, or one bucket with a prefix per zone), each with SSE (KMS or S3), all public access
# blocked, bucket-owner-enforced ownership, versioning, a TLS-only policy, lifecycle rules and
# server access logging into a separate log bucket (log_bucket.tf).

locals {
  buckets  = toset(concat([for z in values(var.zones) : z.bucket], [var.artifacts.bucket]))
  sse_kms  = var.kms_key_arn != null
  log_name = coalesce(var.log_bucket_name, "${var.name}-access-logs")
  # lifecycle: per bucket, the prefixes of the zones it holds
  landing_prefixes    = { for b in local.buckets : b => [for k, z in var.zones : z.prefix if z.bucket == b && k == "landing"] }
  quarantine_prefixes = { for b in local.buckets : b => [for k, z in var.zones : z.prefix if z.bucket == b && k == "quarantine"] }
}

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice per deployment (needs a second region and bucket); versioning is on so it can be added.
  #checkov:skip=CKV2_AWS_62:Only the landing bucket needs event notifications; the landing_trigger module owns them.
  for_each      = local.buckets
  bucket        = each.value
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "lake" {
  for_each                = aws_s3_bucket.lake
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_kms ? "aws:kms" : "AES256"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = local.sse_kms
  }
}

resource "aws_s3_bucket_versioning" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_logging" "lake" {
  for_each      = aws_s3_bucket.lake
  bucket        = each.value.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/${each.key}/"
  depends_on    = [aws_s3_bucket_policy.logs]
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.lake
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
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

resource "aws_s3_bucket_policy" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  policy   = data.aws_iam_policy_document.tls_only[each.key].json
  # the policy is written after the public access block so it is never briefly evaluated alone
  depends_on = [aws_s3_bucket_public_access_block.lake]
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id

  rule {
    id     = "noncurrent-versions-and-uploads"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  dynamic "rule" {
    for_each = local.landing_prefixes[each.key]
    content {
      id     = "landing-expiry"
      status = "Enabled"
      filter {
        prefix = "${trimsuffix(rule.value, "/")}/"
      }
      expiration {
        days = var.landing_expiration_days
      }
    }
  }

  dynamic "rule" {
    for_each = local.quarantine_prefixes[each.key]
    content {
      id     = "quarantine-retention"
      status = "Enabled"
      filter {
        prefix = "${trimsuffix(rule.value, "/")}/"
      }
      expiration {
        days = var.quarantine_retention_days
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.lake]
}
