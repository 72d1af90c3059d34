# One Glue Data Quality ruleset per DQDL file beside a dataset contract (conf/datasets/<name>.dqdl),
# evaluated by Glue against the dataset's curated catalog table. The text is the very ruleset the
# local gate runs (`lakehouse infra vars` renders var.rulesets from conf/).

resource "aws_glue_data_quality_ruleset" "dataset" {
  for_each    = var.rulesets
  name        = "${var.name}-${each.key}"
  description = "lakehouse ${each.key} raw_to_curated ruleset (conf/datasets/${each.key}.dqdl)"
  ruleset     = each.value
  tags        = var.tags

  target_table {
    database_name = var.database
    table_name    = each.key
  }
}
