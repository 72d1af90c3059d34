# The whole lake in one apply: storage, catalog, locks, IAM, jobs, orchestration, trigger,
# query and alarms. Each piece is a small module under modules/; envs/dev is an example stack.

locals {
  name         = coalesce(var.name, replace(lower("lakehouse-${var.project}-${var.env}"), "_", "-"))
  tags         = merge({ "lakehouse:project" = var.project, "lakehouse:env" = var.env }, var.tags)
  kms_key_arn  = var.use_kms ? module.kms[0].key_arn : null
  landing      = var.zones["landing"]
  artifacts    = trim(var.artifacts.prefix, "/")
  artifact_uri = "s3://${var.artifacts.bucket}/${local.artifacts}"
  script       = var.glue_script_location # content-addressed: only `infra vars --package-dir` knows it
  idempotency  = coalesce(var.idempotency_table, "${local.name}-event-idempotency")
  queue        = contains(["lambda", "worker"], var.trigger)
  # The conf/lake.yaml profile values this stack determines (output "profile"; the trigger
  # Lambda's $LAKEHOUSE_PROFILE_OVERLAY). triggers.package_dir is the artifact set inside the
  # Lambda zip (`lakehouse package --lambda`); a run is dispatched to the orchestration runtime.
  profile = {
    catalog = { backend = "glue", region = var.region }
    tables  = var.lock_table == null ? {} : { lock = "dynamodb", lock_table = module.locks.lock_table }
    runtimes = {
      region        = var.region
      artifacts_uri = local.artifact_uri
      glue          = { role_arn = module.iam.glue_role_arn, glue_version = var.glue.glue_version }
      emr_serverless = var.enable_emr_serverless ? {
        application_id     = module.jobs.emr_serverless_application_id
        execution_role_arn = module.iam.emr_serverless_role_arn
      } : {}
    }
    triggers = {
      dispatch     = var.orchestration_runtime
      package_dir  = "dist"
      queue_url    = module.trigger.queue_url
      dlq_url      = module.trigger.dlq_url
      max_receives = var.triggers.max_receives
      idempotency  = { backend = "dynamodb", table = module.locks.idempotency_table }
    }
  }
}

module "kms" {
  source = "./modules/kms"
  count  = var.use_kms ? 1 : 0
  name   = local.name
  tags   = local.tags
}

module "storage" {
  source                    = "./modules/lake_storage"
  name                      = local.name
  zones                     = var.zones
  artifacts                 = var.artifacts
  kms_key_arn               = local.kms_key_arn
  landing_expiration_days   = var.lifecycle_days.landing_expiration
  quarantine_retention_days = var.lifecycle_days.quarantine_retention
  noncurrent_version_days   = var.lifecycle_days.noncurrent_versions
  log_retention_days        = var.lifecycle_days.access_log_retention
  force_destroy             = var.force_destroy
  tags                      = local.tags
}

module "catalog" {
  source    = "./modules/catalog"
  databases = var.databases
  locations = { for z, d in var.databases : z => module.storage.zone_uris[z] if contains(keys(var.zones), z) }
  tags      = local.tags
}

module "quality" {
  source   = "./modules/quality"
  name     = local.name
  database = module.catalog.databases["curated"]
  rulesets = var.dqdl_rulesets
  tags     = local.tags
}

module "locks" {
  source                 = "./modules/locks"
  lock_table_name        = var.lock_table
  idempotency_table_name = local.idempotency
  kms_key_arn            = local.kms_key_arn
  tags                   = local.tags
}

module "iam" {
  source                         = "./modules/iam"
  name                           = local.name
  zones                          = var.zones
  artifacts                      = var.artifacts
  databases                      = values(var.databases)
  glue_job_names                 = concat(values(module.jobs.glue_job_names), compact([var.submit_job_name]))
  emr_serverless_application_arn = module.jobs.emr_serverless_application_arn
  lock_table_arn                 = module.locks.lock_table_arn
  kms_key_arn                    = local.kms_key_arn
  secrets                        = var.secrets
  tags                           = local.tags
}

module "jobs" {
  source                = "./modules/jobs"
  name                  = local.name
  glue_role_arn         = module.iam.glue_role_arn
  glue_version          = var.glue.glue_version
  worker_type           = var.glue.worker_type
  number_of_workers     = var.glue.number_of_workers
  timeout_minutes       = var.glue.timeout
  max_retries           = var.glue.max_retries
  max_concurrent_runs   = var.glue.max_concurrent_runs
  script_location       = local.script
  default_arguments     = merge({ "--env" = var.env }, var.glue_default_arguments)
  kms_key_arn           = local.kms_key_arn
  enable_emr_serverless = var.enable_emr_serverless
  tags                  = local.tags
}

module "orchestration" {
  source    = "./modules/orchestration"
  name      = local.name
  runtime   = var.orchestration_runtime
  glue_jobs = module.jobs.glue_job_names
  emr_serverless = var.orchestration_runtime != "emr-serverless" ? null : {
    application_id        = module.jobs.emr_serverless_application_id
    application_arn       = module.jobs.emr_serverless_application_arn
    execution_role_arn    = module.iam.emr_serverless_role_arn
    entry_point           = var.emr_serverless_entry.entry_point
    entry_point_arguments = var.emr_serverless_entry.entry_point_arguments
    spark_submit_params   = var.emr_serverless_entry.spark_submit_params
  }
  arrival_datasets = var.trigger == "stepfunctions" ? { for d, p in var.datasets : d => "${trim(local.landing.prefix, "/")}/${trim(p, "/")}/" } : {}
  landing_bucket   = local.landing.bucket
  kms_key_arn      = local.kms_key_arn
  use_kms          = var.use_kms
  tags             = local.tags
}

module "trigger" {
  source                     = "./modules/landing_trigger"
  name                       = local.name
  bucket_name                = module.storage.landing_bucket
  create_bucket              = false
  manage_notifications       = var.trigger != "none"
  eventbridge                = var.trigger == "stepfunctions"
  key_prefix                 = "${trim(local.landing.prefix, "/")}/"
  kms_key_arn                = local.kms_key_arn
  max_receive_count          = var.triggers.max_receives
  visibility_timeout_seconds = var.triggers.visibility_timeout_seconds
  create_idempotency_table   = false
  idempotency_table_arn      = module.locks.idempotency_table_arn
  tags                       = local.tags
}

module "trigger_lambda" {
  source                  = "./modules/trigger_lambda"
  count                   = var.trigger == "lambda" ? 1 : 0
  name                    = local.name
  package_file            = var.lambda_package_file
  package_s3              = var.lambda_package_s3
  layer_arns              = var.lambda_layer_arns
  queue_arn               = module.trigger.queue_arn
  policy_arns             = [module.trigger.worker_policy_arn, module.iam.submitter_policy_arn]
  batching_window_seconds = min(var.triggers.window_seconds, 300)
  timeout_seconds         = floor(var.triggers.visibility_timeout_seconds / 6)
  kms_key_arn             = local.kms_key_arn
  environment             = { LAKEHOUSE_ENV = var.env, LAKEHOUSE_PROFILE_OVERLAY = jsonencode(local.profile) }
  tags                    = local.tags
}

module "query" {
  source        = "./modules/query"
  count         = var.enable_query ? 1 : 0
  name          = local.name
  results_uri   = "${local.artifact_uri}/athena-results/"
  kms_key_arn   = local.kms_key_arn
  force_destroy = var.force_destroy
  tags          = local.tags
}

module "observability" {
  source            = "./modules/observability"
  name              = local.name
  topic_arn         = module.orchestration.failure_topic_arn
  dlq_name          = module.trigger.dlq_name
  state_machine_arn = module.orchestration.state_machine_arn
  # only a consumed queue can alarm on waiting arrivals (stepfunctions/none consume none)
  arrivals_queue_name      = local.queue ? module.trigger.queue_name : null
  arrivals_max_age_seconds = max(900, 3 * var.triggers.window_seconds)
  glue_jobs                = module.jobs.glue_job_names
  tags                     = local.tags
}
