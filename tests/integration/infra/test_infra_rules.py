"""Rules AWS documents and moto does not enforce, checked on what Terraform renders.

moto accepts all of these configurations, so an apply to moto proves nothing about them:
each test evaluates the applied dev stack (``terraform show -json``) or a plan of the variant
that triggers the rule, against the rule as AWS documents it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from iam_platform import topic_publishers
from iam_policies import RenderedIam, state_resources
from iam_simulator import denied, evaluate, need_simulator

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
INFRA = Path(__file__).resolve().parents[3] / "infra"
ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(scope="module")
def applied(dev_stack) -> RenderedIam:
    show = json.loads(dev_stack["terraform"]("show", "-json"))
    return RenderedIam.from_show(show, account=ACCOUNT, region=REGION)


@pytest.fixture(scope="module")
def no_cmk_no_window(dev_stack) -> dict:
    """Plan of the stack without a CMK (use_kms = false) and without a batching window
    (triggers.window_seconds = 0): the two variants the dev profile does not apply."""
    tf = dev_stack["terraform"]
    tfvars = {**dev_stack["tfvars"], "use_kms": False,
              "triggers": {**dev_stack["tfvars"].get("triggers", {}), "window_seconds": 0}}
    base = tf.workdir.parent
    (base / "variant.tfvars.json").write_text(json.dumps(tfvars))
    tf("plan", "-input=false", "-refresh=false", "-lock=false",
       f"-var-file={base / 'variant.tfvars.json'}", f"-state={base / 'variant.tfstate'}",
       "-target=module.lakehouse.module.orchestration",
       "-target=module.lakehouse.module.trigger_lambda", f"-out={base / 'variant.plan'}")
    return json.loads(tf("show", "-json", str(base / "variant.plan")))


def _values(show: dict, kind: str, module: str = "") -> list[dict]:
    return [r["values"] for r in state_resources(show)
            if r["type"] == kind and module in r["address"]]


def test_no_arn_hard_codes_the_aws_partition() -> None:
    """ARNs are built with data.aws_partition (aws-cn, aws-us-gov would get wrong ARNs)."""
    found = [f"{path.relative_to(INFRA)}:{n}: {line.strip()}"
             for path in sorted(INFRA.rglob("*.tf")) if ".terraform" not in path.parts
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"arn:aws:", line) and not line.lstrip().startswith("#")]
    assert not found, "\n".join(found)


def _mapping_ok(mapping: dict) -> list[str]:
    problems = []
    if mapping["batch_size"] > 10 and mapping["maximum_batching_window_in_seconds"] < 1:
        problems.append(f"batch_size {mapping['batch_size']} with a "
                        f"{mapping['maximum_batching_window_in_seconds']} s window (AWS: more "
                        "than 10 needs MaximumBatchingWindowInSeconds >= 1)")
    scaling = mapping.get("scaling_config") or []
    if not scaling or not 2 <= (scaling[0].get("maximum_concurrency") or 0) <= 1000:
        problems.append(f"no scaling_config.maximum_concurrency (2-1000): {scaling}")
    return problems


def test_event_source_mapping_is_one_aws_accepts(applied, no_cmk_no_window) -> None:
    mappings = applied.by_type["aws_lambda_event_source_mapping"] + _values(
        no_cmk_no_window, "aws_lambda_event_source_mapping")
    assert len(mappings) == 2
    assert [m["maximum_batching_window_in_seconds"] for m in mappings] == [60, 0]
    problems = [p for m in mappings for p in _mapping_ok(m)]
    assert not problems, "\n".join(problems)


def test_concurrency_is_bounded_on_the_mapping_not_by_reserving_it(applied, no_cmk_no_window):
    """Reserved concurrency throttles the SQS pollers' invokes: messages return to the queue
    and count receives towards the DLQ (Lambda: maximum concurrency for SQS event sources)."""
    functions = applied.by_type["aws_lambda_function"] + _values(
        no_cmk_no_window, "aws_lambda_function")
    assert len(functions) == 2
    assert all(f.get("reserved_concurrent_executions") in (None, -1) for f in functions), \
        [f.get("reserved_concurrent_executions") for f in functions]


def test_alarms_watch_waiting_arrivals_and_the_dlq(applied) -> None:
    alarms = {a["alarm_name"]: a for a in applied.by_type["aws_cloudwatch_metric_alarm"]}
    [queue] = [q["name"] for q in applied.by_type["aws_sqs_queue"]
               if q["name"].endswith("-arrivals")]
    [topic] = [t["arn"] for t in applied.by_type["aws_sns_topic"]]
    waiting = [a for a in alarms.values() if a["metric_name"] == "ApproximateAgeOfOldestMessage"]
    assert [(a["namespace"], a["dimensions"]) for a in waiting] == [("AWS/SQS", {"QueueName": queue})]
    assert waiting[0]["alarm_actions"] == [topic] and waiting[0]["threshold"] >= 900
    dlq = [a for a in alarms.values() if a["dimensions"] == {"QueueName": f"{queue}-dlq"}]
    assert [a["metric_name"] for a in dlq] == ["ApproximateNumberOfMessagesVisible"]
    # numFailedTasks counts Spark task failures (retried), not failed runs: not an alarm
    assert not [n for n, a in alarms.items() if "numFailedTasks" in a["metric_name"]]


def test_without_a_cmk_alarms_and_rules_can_still_publish(no_cmk_no_window) -> None:
    """No lake CMK: the topic must not sit on alias/aws/sns (its policy admits no AWS service),
    but on a customer managed key whose policy lets CloudWatch and EventBridge use it."""
    need_simulator()
    [topic] = _values(no_cmk_no_window, "aws_sns_topic")
    planned = next(r for r in no_cmk_no_window["resource_changes"]
                   if r["type"] == "aws_sns_topic")
    assert topic.get("kms_master_key_id") != "alias/aws/sns"
    assert planned["change"]["after_unknown"].get("kms_master_key_id") is True, \
        "the topic key must be a key this stack creates"
    [key] = _values(no_cmk_no_window, "aws_kms_key", "module.orchestration")
    assert key["enable_key_rotation"] is True
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic['name']}"
    key_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/topic-key"
    iam = RenderedIam(account=ACCOUNT, region=REGION, topic_keys={topic_arn: key_arn},
                      resource_policies={key_arn: json.loads(key["policy"])},
                      by_type={"aws_sns_topic": [{"arn": topic_arn}]})
    for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com"):
        kms = [r for r in topic_publishers(iam, service) if r.action.startswith("kms:")]
        verdicts = evaluate(iam, service, kms, service_principal=True)
        assert len(verdicts) == 2 and not denied(verdicts), "\n".join(map(str, denied(verdicts)))
