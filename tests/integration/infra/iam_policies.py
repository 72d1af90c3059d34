"""The IAM the dev stack renders, read from ``terraform show -json`` (test harness only).

Identity policies per role (inline ``aws_iam_role_policy`` + attached ``aws_iam_policy``),
resource policies per ARN (KMS key, bucket, queue, topic) and which CMK encrypts which
bucket, queue and topic: everything the simulator needs to judge a request the way AWS would.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def _resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def state_resources(show: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource of a ``terraform show -json`` document (state or plan's planned values)."""
    root = (show.get("values") or show.get("planned_values") or {}).get("root_module", {})
    return list(_resources(root))


# The key policy AWS gives every AWS managed key (here alias/aws/sns): only principals of the
# account, only through the service (KMS developer guide, "AWS managed keys"; the policy cannot
# be changed, which is why AWS services cannot publish to a topic encrypted with it).
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def aws_managed_key_policy(account: str, region: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Allow access through SNS for all principals in the account that are authorized "
                "to use SNS", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants",
                    "kms:DescribeKey"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                        "kms:ViaService": f"sns.{region}.amazonaws.com"}}},
        {"Sid": "Allow direct access to key metadata to the account", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
         "Resource": "*"}]}


def _doc(text: str | dict[str, Any] | None) -> dict[str, Any] | None:
    if not text:
        return None
    return json.loads(text) if isinstance(text, str) else text


@dataclass
class RenderedIam:
    """IAM facts of one applied stack."""

    account: str
    region: str
    roles: dict[str, str] = field(default_factory=dict)                  # name -> ARN
    role_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resource_policies: dict[str, dict[str, Any]] = field(default_factory=dict)   # ARN -> doc
    bucket_keys: dict[str, str] = field(default_factory=dict)            # bucket -> CMK ARN
    queue_keys: dict[str, str] = field(default_factory=dict)             # queue ARN -> CMK ARN
    topic_keys: dict[str, str] = field(default_factory=dict)             # topic ARN -> CMK ARN
    by_type: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_show(cls, show: dict[str, Any], *, account: str, region: str) -> RenderedIam:
        rendered = cls(account=account, region=region)
        resources = state_resources(show)
        for r in resources:
            rendered.by_type.setdefault(r["type"], []).append(r["values"])
        values = rendered.by_type
        managed = {p["arn"]: p for p in values.get("aws_iam_policy", [])}
        for role in values.get("aws_iam_role", []):
            rendered.roles[role["name"]] = role["arn"]
            rendered.role_policies[role["name"]] = []
        for inline in values.get("aws_iam_role_policy", []):
            rendered.role_policies[inline["role"]].append(
                {"name": f"inline:{inline['name']}", "policy": _doc(inline["policy"])})
        for attachment in values.get("aws_iam_role_policy_attachment", []):
            policy = managed[attachment["policy_arn"]]
            rendered.role_policies[attachment["role"]].append(
                {"name": policy["name"], "policy": _doc(policy["policy"])})
        keys = {k["key_id"]: k["arn"] for k in values.get("aws_kms_key", []) if k.get("arn")}
        aliases = {a["name"]: keys[a["target_key_id"]] for a in values.get("aws_kms_alias", [])
                   if a.get("target_key_id") in keys}
        for key in values.get("aws_kms_key", []):
            if key.get("arn") and key.get("policy"):
                rendered.resource_policies[key["arn"]] = _doc(key["policy"])
        for policy in values.get("aws_s3_bucket_policy", []):
            rendered.resource_policies[f"arn:aws:s3:::{policy['bucket']}"] = _doc(policy["policy"])
        for sse in values.get("aws_s3_bucket_server_side_encryption_configuration", []):
            default = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
            if default["sse_algorithm"] == "aws:kms":
                rendered.bucket_keys[sse["bucket"]] = default["kms_master_key_id"]
        for queue in values.get("aws_sqs_queue", []):
            if queue.get("policy"):
                rendered.resource_policies[queue["arn"]] = _doc(queue["policy"])
            if queue.get("kms_master_key_id"):
                rendered.queue_keys[queue["arn"]] = keys.get(
                    queue["kms_master_key_id"], queue["kms_master_key_id"])
        for topic in values.get("aws_sns_topic", []):
            arn = topic.get("arn") or f"arn:aws:sns:{region}:{account}:{topic['name']}"
            topic["arn"] = arn                       # unknown in a plan: built from the name
            key = topic.get("kms_master_key_id")
            if key == AWS_MANAGED_SNS_KEY:
                managed_key = f"arn:aws:kms:{region}:{account}:key/aws-managed-sns"
                rendered.resource_policies[managed_key] = aws_managed_key_policy(account, region)
                rendered.topic_keys[arn] = managed_key
            elif key:
                rendered.topic_keys[arn] = aliases.get(key, keys.get(key, key))
        for policy in values.get("aws_sns_topic_policy", []):
            rendered.resource_policies[policy["arn"]] = _doc(policy["policy"])
        return rendered

    def role_arn(self, name: str) -> str:
        return self.roles[name]

    def identity_policies(self, role: str) -> list[dict[str, Any]]:
        return self.role_policies[role]

    def without_action(self, role: str, action: str) -> RenderedIam:
        """A copy whose ``role`` lost ``action`` wherever one of its policies allows it."""
        changed = copy.deepcopy(self)
        for entry in changed.role_policies[role]:
            for statement in entry["policy"]["Statement"]:
                actions = statement.get("Action", [])
                listed = [actions] if isinstance(actions, str) else actions
                statement["Action"] = [a for a in listed if a.lower() != action.lower()]
            entry["policy"]["Statement"] = [s for s in entry["policy"]["Statement"]
                                            if s.get("Action") or s.get("NotAction")]
        return changed
