# Example stack: the lakehouse root module for the `dev` profile. Inputs come from
# terraform.tfvars.json, written by `lakehouse infra vars --env dev --out infra/envs/dev`.
# variables.tf is a link to the root module's (one definition of the inputs).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
  # backend "s3" { bucket = "...", key = "lakehouse/dev.tfstate", region = "...", use_lockfile = true }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { "lakehouse:stack" = "envs/dev" }
  }
}

module "lakehouse" {
  source                 = "../.."
  project                = var.project
  env                    = var.env
  region                 = var.region
  name                   = var.name
  zones                  = var.zones
  artifacts              = var.artifacts
  databases              = var.databases
  lock_table             = var.lock_table
  idempotency_table      = var.idempotency_table
  datasets               = var.datasets
  dqdl_rulesets          = var.dqdl_rulesets
  glue                   = var.glue
  glue_script_location   = var.glue_script_location
  glue_default_arguments = var.glue_default_arguments
  submit_job_name        = var.submit_job_name
  enable_emr_serverless  = var.enable_emr_serverless
  orchestration_runtime  = var.orchestration_runtime
  emr_serverless_entry   = var.emr_serverless_entry
  trigger                = var.trigger
  triggers               = var.triggers
  lambda_package_file    = var.lambda_package_file
  lambda_package_s3      = var.lambda_package_s3
  lambda_layer_arns      = var.lambda_layer_arns
  secrets                = var.secrets
  use_kms                = var.use_kms
  enable_query           = var.enable_query
  lifecycle_days         = var.lifecycle_days
  force_destroy          = var.force_destroy
  tags                   = var.tags
}

output "lakehouse" {
  description = "Everything the root module outputs (profile: the conf/lake.yaml values)."
  value       = module.lakehouse
}
