# DynamoDB tables the framework needs on S3:
# - the commit lease (`tables.lock_table`; lakehouse/tables/locks.py), key `lock_key`, TTL
#   `expires_at` (a lease left by a crashed writer is also cleaned up by TTL);
# - the event idempotency store (`triggers.idempotency.table`), key `pk`, TTL `expires_at`.
# Both on demand, PITR on, SSE with the lake CMK (or the AWS-owned key when kms_key_arn is null).

locals {
  tables = {
    lock        = { name = var.lock_table_name, key = "lock_key" }
    idempotency = { name = var.idempotency_table_name, key = "pk" }
  }
}

resource "aws_dynamodb_table" "this" {
  for_each                    = { for k, v in local.tables : k => v if v.name != null }
  name                        = each.value.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.key
  deletion_protection_enabled = var.deletion_protection
  attribute {
    name = each.value.key
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
