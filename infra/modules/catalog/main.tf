# One Glue database per zone, named by the project's catalog.database_pattern
# (`lakehouse infra vars` renders the names, so Terraform and conf/lake.yaml cannot drift).

resource "aws_glue_catalog_database" "zone" {
  for_each     = var.databases
  name         = each.value
  description  = "lakehouse ${each.key} zone"
  location_uri = lookup(var.locations, each.key, null)
  tags         = var.tags
}
