# `lakehouse submit` (you, CI, or the trigger Lambda): upload artifacts, create/update/start the
# project's Glue jobs, start EMR Serverless runs, and pass only the two job roles, each only
# to its service. Attach it to your CI role or user.

data "aws_iam_policy_document" "submitter" {
  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.artifacts_arn]
  }
  statement {
    sid       = "ArtifactsList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${var.artifacts.bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.artifacts_prefix}/*"]
    }
  }
  statement {
    sid       = "GlueJobs"
    actions   = ["glue:GetJob", "glue:CreateJob", "glue:UpdateJob", "glue:StartJobRun", "glue:GetJobRun"]
    resources = [for j in var.glue_job_names : "arn:${local.partition}:glue:${local.region}:${local.account}:job/${j}"]
  }
  statement {
    sid       = "PassGlueRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.glue.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["glue.amazonaws.com"]
    }
  }
  dynamic "statement" {
    for_each = var.emr_serverless_application_arn == null ? [] : [var.emr_serverless_application_arn]
    content {
      sid       = "EmrServerless"
      actions   = ["emr-serverless:StartJobRun", "emr-serverless:GetJobRun", "emr-serverless:CancelJobRun"]
      resources = [statement.value, "${statement.value}/jobruns/*"]
    }
  }
  statement {
    sid       = "PassEmrServerlessRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_serverless.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "ArtifactsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_policy" "submitter" {
  name        = "${var.name}-submitter"
  description = "lakehouse submit: artifacts, the project's Glue jobs / EMR Serverless app, PassRole"
  policy      = data.aws_iam_policy_document.submitter.json
  tags        = var.tags
}
