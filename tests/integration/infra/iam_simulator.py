"""Judge :class:`~iam_requests.IamRequest` s with a real IAM policy simulator (test harness).

The engine is the npm package ``@cloud-copilot/iam-simulate`` (installed by ``make test``
with ``npm ci`` in ``iam_sim/``), run once per batch through ``iam_sim/simulate.mjs``. For
each request it gets the principal's identity policies and the resource's own policy (key
policy, bucket policy, queue or topic policy) exactly as Terraform rendered them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from iam_policies import RenderedIam
from iam_requests import IamRequest

SIM_DIR = Path(__file__).resolve().parent / "iam_sim"


def need_simulator() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the IAM simulator (npm @cloud-copilot/iam-simulate) needs it")
    if not (SIM_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        pytest.skip(f"run `npm ci --prefix {SIM_DIR}` (make test does) to install the IAM simulator")


@dataclass(frozen=True)
class Verdict:
    principal: str
    request: IamRequest
    result: str           # Allowed | ImplicitlyDenied | ExplicitlyDenied | Error
    detail: str = ""

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"

    def __str__(self) -> str:
        context = f" {self.request.context}" if self.request.context else ""
        return (f"{self.result}: {self.principal} {self.request.action} on "
                f"{self.request.resource}{context} (from {self.request.why}){self.detail}")


def _resource_policy(iam: RenderedIam, resource: str) -> dict | None:
    if resource.startswith("arn:aws:s3:::"):
        return iam.resource_policies.get(resource.split("/", 1)[0])
    return iam.resource_policies.get(resource)


def evaluate(iam: RenderedIam, principal: str, requests: list[IamRequest], *,
             service_principal: bool = False) -> list[Verdict]:
    """One verdict per distinct request (action, resource, context) of ``principal``.

    ``principal`` is a role name of the stack, or a service principal
    (``events.amazonaws.com``) with ``service_principal=True`` (no identity policies: only
    the resource policy can allow it).
    """
    return evaluate_many([(iam, principal, requests, service_principal)])[0]


def evaluate_many(jobs: list[tuple[RenderedIam, str, list[IamRequest], bool]]) -> list[list[Verdict]]:
    """:func:`evaluate` for several (stack, principal, requests, service principal?) at once,
    in one simulator process."""
    items, owners = [], []
    for index, (iam, principal, requests, service) in enumerate(jobs):
        arn = principal if service else iam.role_arn(principal)
        identity = [] if service else iam.identity_policies(principal)
        for request in {r.key(): r for r in requests}.values():
            items.append({"id": len(items), "principal": arn, "action": request.action,
                          "resource": request.resource, "accountId": iam.account,
                          "context": request.context, "identityPolicies": identity,
                          "resourcePolicy": _resource_policy(iam, request.resource)})
            owners.append((index, principal, request))
    out: list[list[Verdict]] = [[] for _ in jobs]
    if not items:
        return out
    done = subprocess.run(["node", str(SIM_DIR / "simulate.mjs")],
                          input=json.dumps({"requests": items}), capture_output=True, text=True,
                          timeout=600, cwd=SIM_DIR, check=False)
    assert done.returncode == 0, f"IAM simulator failed:\n{done.stderr[-4000:]}"
    for result in json.loads(done.stdout)["results"]:
        index, principal, request = owners[result["id"]]
        detail = f" [{result['denial']}]" if result.get("denial") else ""
        out[index].append(Verdict(principal, request, result["result"], detail))
    return out


def denied(verdicts: list[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.allowed]
