"""``infra/modules/quality``: one Glue Data Quality ruleset per ``conf/datasets/<name>.dqdl``.

moto does not implement Glue's Data Quality ruleset API (``CreateDataQualityRuleset``), so the
module is checked with ``terraform validate`` (the whole root module) and ``terraform plan``
against the moto server (the quality module and the catalog it reads, with the tfvars
``lakehouse infra vars`` renders), not applied.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import (
    INFRA,
    MOTO_GUARDS,
    MOTO_PROVIDER,
    PLUGINS,
    REPO,
    SERVICES,
    Terraform,
    need_terraform,
)

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
RULESET = 'Rules = [\n    IsComplete "tailnum",\n    ColumnValues "seats" <= 500,\n    RowCount > 0\n]\n'


def test_the_dqdl_file_beside_a_contract_plans_as_a_glue_ruleset_on_the_curated_table(
        moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_terraform()
    from lakehouse.config import load_project
    from lakehouse.runtimes.submit.infra_vars import terraform_vars

    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    (conf / "datasets" / "planes.dqdl").write_text(RULESET)
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", "lakehouse-dqdl-plan")
    project = load_project(conf, "dev")
    tfvars = terraform_vars(project, region="us-east-1", trigger="none")
    assert tfvars["dqdl_rulesets"] == {"planes": RULESET}
    tfvars.update(MOTO_GUARDS, force_destroy=True)

    shutil.copytree(INFRA, tmp_path / "infra", symlinks=True,
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfvars*"))
    dev = tmp_path / "infra" / "envs" / "dev"
    endpoints = "\n".join(f'    {s:<14} = "{moto_endpoint}"' for s in SERVICES)
    (dev / "moto_override.tf").write_text(MOTO_PROVIDER.format(endpoints=endpoints))
    (dev / "terraform.tfvars.json").write_text(json.dumps(tfvars, indent=2))
    tf = Terraform(dev, tmp_path)
    tf("init", "-input=false", f"-plugin-dir={PLUGINS}")
    tf("validate")
    # the quality module and what it reads (the catalog's curated database); the Glue jobs need
    # a `lakehouse package` set, which test_dev_stack_moto builds
    tf("plan", "-input=false", "-out=tfplan", "-lock=false", "-target=module.lakehouse.module.quality",
       timeout=540)
    plan = json.loads(tf("show", "-json", "tfplan"))
    changes = [c for c in plan["resource_changes"] if c["type"] == "aws_glue_data_quality_ruleset"]
    assert [c["address"] for c in changes] == \
        ['module.lakehouse.module.quality.aws_glue_data_quality_ruleset.dataset["planes"]']
    after = changes[0]["change"]["after"]
    assert after["ruleset"] == RULESET                      # the very text the local gate runs
    assert after["target_table"] == [{"database_name": project.database("curated"),
                                      "table_name": "planes", "catalog_id": None}]
    assert after["name"].endswith("-planes")
    assert after["tags"]["lakehouse:project"] == project.lake.project
