data "aws_iam_policy_document" "glue_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "glue" {
  name               = "${var.name}-glue-job"
  description        = "lakehouse Glue jobs (runtimes.glue.role_arn)"
  assume_role_policy = data.aws_iam_policy_document.glue_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "glue_logs" {
  statement {
    sid     = "GlueLogs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws-glue/*",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws-glue/*:log-stream:*",
    ]
  }
  dynamic "statement" {
    # With a CMK the jobs' security configuration encrypts CloudWatch Logs: Glue associates
    # the key with the log groups as the job role (Glue developer guide, "Setting up
    # encryption"); without this action the run fails before the script starts.
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "EncryptGlueLogs"
      actions   = ["logs:AssociateKmsKey"]
      resources = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws-glue/*"]
    }
  }
}

resource "aws_iam_role_policy" "glue_logs" {
  name   = "glue-logs"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue_logs.json
}

resource "aws_iam_role_policy_attachment" "glue_data" {
  role       = aws_iam_role.glue.name
  policy_arn = aws_iam_policy.data_access.arn
}
