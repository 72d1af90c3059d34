# Least-privilege identities, as the README's IAM table: the Glue job role, the EMR Serverless
# execution role (both: the lake's prefixes, the project's catalog, the lock table, the CMK)
# and the submitter policy (artifacts, the project's jobs, PassRole with iam:PassedToService).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.name
  partition = data.aws_partition.current.partition
  read_only = ["landing"]
  prefix    = { for k, z in var.zones : k => "${trim(z.prefix, "/")}/" }
  # bucket => prefixes it holds (for s3:ListBucket with an s3:prefix condition)
  list_prefixes = {
    for b in distinct([for z in values(var.zones) : z.bucket]) :
    b => [for k, z in var.zones : "${local.prefix[k]}*" if z.bucket == b]
  }
  # Hadoop S3A and Delta probe the parents of what they read and write: the zone folder's own
  # key ("lake/raw"), `_delta_log` next to each ancestor ("lake/_delta_log", "_delta_log")
  # while Delta looks for a table root, a listing of the ancestor ("lake/"), and S3A deletes
  # the ancestors' empty-folder markers ("lake/") after a write. A 403 there is an error where
  # a 404 is expected, so these exact keys and prefixes are granted; nothing below them.
  zone_dir = { for k, z in var.zones : k => trim(z.prefix, "/") }
  ancestors = {
    for b in distinct([for z in values(var.zones) : z.bucket]) :
    b => distinct(flatten([for k, z in var.zones : [
      for i in range(1, length(split("/", local.zone_dir[k]))) :
      join("/", slice(split("/", local.zone_dir[k]), 0, i))
    ] if z.bucket == b]))
  }
  probe_objects = concat(
    [for k, z in var.zones : "arn:${local.partition}:s3:::${z.bucket}/${local.zone_dir[k]}"],
    flatten([for b, dirs in local.ancestors : concat(
      ["arn:${local.partition}:s3:::${b}/_delta_log"],
      [for d in dirs : "arn:${local.partition}:s3:::${b}/${d}/_delta_log"],
    )]),
  )
  probe_prefixes = {
    for b, dirs in local.ancestors :
    b => concat(["_delta_log/"], [for d in dirs : "${d}/"], [for d in dirs : "${d}/_delta_log/"])
  }
  marker_objects = flatten([for b, dirs in local.ancestors :
  [for d in dirs : "arn:${local.partition}:s3:::${b}/${d}/"]])
  read_objects     = [for k, z in var.zones : "arn:${local.partition}:s3:::${z.bucket}/${local.prefix[k]}*"]
  write_objects    = [for k, z in var.zones : "arn:${local.partition}:s3:::${z.bucket}/${local.prefix[k]}*" if !contains(local.read_only, k)]
  artifacts_prefix = trim(var.artifacts.prefix, "/")
  artifacts_arn    = "arn:${local.partition}:s3:::${var.artifacts.bucket}/${local.artifacts_prefix}/*"
  glue_catalog = concat(
    ["arn:${local.partition}:glue:${local.region}:${local.account}:catalog"],
    [for d in var.databases : "arn:${local.partition}:glue:${local.region}:${local.account}:database/${d}"],
    [for d in var.databases : "arn:${local.partition}:glue:${local.region}:${local.account}:table/${d}/*"],
  )
  default_database = [
    "arn:${local.partition}:glue:${local.region}:${local.account}:catalog",
    "arn:${local.partition}:glue:${local.region}:${local.account}:database/default",
  ]
}

# Shared by the Glue job role and the EMR Serverless execution role.
data "aws_iam_policy_document" "data_access" {
  statement {
    sid       = "ReadArtifacts"
    actions   = ["s3:GetObject"]
    resources = [local.artifacts_arn]
  }
  statement {
    sid       = "ReadZones"
    actions   = ["s3:GetObject"]
    resources = local.read_objects
  }
  statement {
    sid       = "WriteZones"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = local.write_objects
  }
  statement {
    sid       = "ProbeParents"
    actions   = ["s3:GetObject"]
    resources = local.probe_objects
  }
  dynamic "statement" {
    for_each = length(local.marker_objects) == 0 ? [] : [1]
    content {
      sid       = "RemoveParentMarkers"
      actions   = ["s3:DeleteObject"]
      resources = local.marker_objects
    }
  }
  dynamic "statement" {
    for_each = local.list_prefixes
    content {
      sid       = "List${replace(title(replace(statement.key, "/[^a-zA-Z0-9]+/", " ")), " ", "")}"
      actions   = ["s3:ListBucket"]
      resources = ["arn:${local.partition}:s3:::${statement.key}"]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values = concat(statement.value, [for p in statement.value : trimsuffix(p, "*")],
        local.probe_prefixes[statement.key])
      }
    }
  }
  statement {
    # lakehouse/catalog/sync.py: schema check and registration; an export version that moves
    # its partitions deletes the stale ones (BatchDeletePartition). The read actions below
    # are also what Spark's Glue catalog client uses for a partitioned catalog table.
    sid = "GlueCatalog"
    actions = [
      "glue:GetDatabase", "glue:GetDatabases", "glue:CreateDatabase", "glue:GetTable",
      "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:GetPartition",
      "glue:GetPartitions", "glue:BatchGetPartition", "glue:BatchCreatePartition",
      "glue:BatchUpdatePartition", "glue:BatchDeletePartition",
    ]
    resources = local.glue_catalog
  }
  statement {
    # Spark's Hive external catalog (Glue with --enable-glue-datacatalog, EMR's Glue catalog
    # factory) checks the `default` database on first use and creates it when missing
    # (Apache Spark SharedState.externalCatalog). Nothing else of `default` is granted.
    sid       = "SparkDefaultDatabase"
    actions   = ["glue:GetDatabase", "glue:CreateDatabase"]
    resources = local.default_database
  }
  dynamic "statement" {
    for_each = var.lock_table_arn == null ? [] : [var.lock_table_arn]
    content {
      sid       = "CommitLease"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [statement.value]
    }
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "LakeKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_policy" "data_access" {
  name        = "${var.name}-data-access"
  description = "lakehouse jobs: artifacts, lake zones, project catalog, lock table"
  policy      = data.aws_iam_policy_document.data_access.json
  tags        = var.tags
}
