# runtimes.secrets: the jobs read each declared SSM parameter / Secrets Manager secret before
# they load conf/ (lakehouse/runtimes/secrets.py), as the Glue job role or the EMR Serverless
# execution role. Exactly those are granted; nothing when none is declared.

locals {
  # An SSM parameter's ARN has no slash before a hierarchical name's own leading one
  # ("/app/db" -> parameter/app/db); a name given as an ARN is used as it is.
  ssm_parameter_arns = [for p in var.secrets.ssm_parameters :
    startswith(p, "arn:") ? p : "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${trimprefix(p, "/")}"
  ]
  # Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN: `-??????`
  # matches exactly those (Secrets Manager user guide, "Limiting access to specific secrets";
  # `*` would also match "<name>-other-secret-a1b2c3"). An ARN is used as given.
  secretsmanager_arns = [for s in var.secrets.secretsmanager_secrets :
    startswith(s, "arn:") ? s : "arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:${s}-??????"
  ]
  # Under the AWS managed keys (aws/ssm, aws/secretsmanager) the key policy already lets every
  # principal of the account decrypt through the service; a customer managed key needs
  # kms:Decrypt in the identity policy, here only through those two services.
  secrets_via = ["ssm.${local.region}.amazonaws.com", "secretsmanager.${local.region}.amazonaws.com"]
  any_secret  = length(local.ssm_parameter_arns) + length(local.secretsmanager_arns) > 0
}

data "aws_iam_policy_document" "secrets" {
  count = local.any_secret ? 1 : 0
  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) == 0 ? [] : [1]
    content {
      sid       = "ReadDeclaredParameters"
      actions   = ["ssm:GetParameter"]
      resources = local.ssm_parameter_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.secretsmanager_arns) == 0 ? [] : [1]
    content {
      sid       = "ReadDeclaredSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secretsmanager_arns
    }
  }
  dynamic "statement" {
    for_each = length(var.secrets.kms_key_arns) == 0 ? [] : [1]
    content {
      sid       = "DecryptDeclaredSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets.kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.secrets_via
      }
    }
  }
}

resource "aws_iam_policy" "secrets" {
  count       = local.any_secret ? 1 : 0
  name        = "${var.name}-secrets"
  description = "lakehouse jobs: the secrets runtimes.secrets declares"
  policy      = data.aws_iam_policy_document.secrets[0].json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "glue_secrets" {
  count      = local.any_secret ? 1 : 0
  role       = aws_iam_role.glue.name
  policy_arn = aws_iam_policy.secrets[0].arn
}

resource "aws_iam_role_policy_attachment" "emr_secrets" {
  count      = local.any_secret ? 1 : 0
  role       = aws_iam_role.emr_serverless.name
  policy_arn = aws_iam_policy.secrets[0].arn
}
