data "aws_iam_policy_document" "emr_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "emr_serverless" {
  name               = "${var.name}-emr-serverless"
  description        = "lakehouse EMR Serverless job runs (runtimes.emr_serverless.execution_role_arn)"
  assume_role_policy = data.aws_iam_policy_document.emr_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "emr_logs" {
  statement {
    sid       = "WriteRunLogs"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${var.artifacts.bucket}/${local.artifacts_prefix}/logs/*"]
  }
}

resource "aws_iam_role_policy" "emr_logs" {
  name   = "emr-serverless-logs"
  role   = aws_iam_role.emr_serverless.id
  policy = data.aws_iam_policy_document.emr_logs.json
}

resource "aws_iam_role_policy_attachment" "emr_data" {
  role       = aws_iam_role.emr_serverless.name
  policy_arn = aws_iam_policy.data_access.arn
}
