"""Logged HTTP requests (:mod:`request_log_server`) -> the IAM requests AWS would authorize.

Test harness. Every request the code under test sends to the moto server, from boto3, from
Spark's JVM (S3A) or from delta-rs / Arrow, is logged with its method, URL, headers and body. This module
names the IAM action(s) each one needs, on which resource ARN(s) and with which condition
context, following the AWS service authorization reference:

* S3 (REST): "Required permissions for Amazon S3 API operations" (HeadObject needs
  s3:GetObject, HeadBucket and ListObjects(V2) s3:ListBucket with the ``s3:prefix`` key,
  multipart calls s3:PutObject, DeleteObjects s3:DeleteObject per key, CopyObject read on the
  source). With SSE-KMS the caller also needs kms:GenerateDataKey to write and kms:Decrypt to
  read ("Using server-side encryption with AWS KMS keys", Permissions).
* Glue: "Specifying AWS Glue resource ARNs": a table call is authorized on the catalog, the
  database and the table; CreateJob/UpdateJob pass the job's Role (iam:PassRole).
* DynamoDB, SQS (JSON or query protocol), SNS, EMR Serverless: the operation name is the
  action, on the table / queue / topic / application ARN. SQS with a CMK needs kms:Decrypt to
  receive and kms:GenerateDataKey + kms:Decrypt to send ("Key management", Amazon SQS).

Written here because no library maps raw requests to IAM actions; a request it cannot map is
returned as *unmapped*, so a new kind of call fails the test instead of passing unjudged.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote
from xml.etree import ElementTree

SECURE = {"aws:SecureTransport": "true"}   # the SDKs talk HTTPS to AWS (moto here is plain HTTP)
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class IamRequest:
    """One authorization AWS performs: ``principal`` may ``action`` on ``resource``?"""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)
    why: str = ""                         # the recorded call it comes from

    def key(self) -> tuple[str, str, str]:
        return self.action, self.resource, json.dumps(self.context, sort_keys=True)


@dataclass
class Recorded:
    """One recorded HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    access_key: str | None
    region: str | None
    service: str | None

    status: str = ""

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Recorded:
        """One line of :mod:`request_log_server`'s log."""
        headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
        match = _CREDENTIAL.search(headers.get("authorization", ""))
        return cls(entry["method"].upper(), entry["path"],
                   dict(parse_qsl(entry.get("query", ""), keep_blank_values=True)), headers,
                   base64.b64decode(entry.get("body") or ""),
                   *(match.groups() if match else (None, None, None)),
                   status=str(entry.get("status", "")))

    def describe(self) -> str:
        target = self.headers.get("x-amz-target", "")
        query = "&".join(sorted(self.query)) if self.query else ""
        return f"{self.service} {self.method} {self.path}{'?' + query if query else ''} {target}".strip()


class Translator:
    """Maps recorded requests to :class:`IamRequest` for one account and region."""

    def __init__(self, *, account: str, region: str, partition: str = "aws",
                 bucket_keys: dict[str, str] | None = None,
                 queue_keys: dict[str, str] | None = None,
                 roles: dict[str, str] | None = None):
        self.account, self.region, self.partition = account, region, partition
        self.bucket_keys = bucket_keys or {}
        self.queue_keys = queue_keys or {}
        self.roles = roles or {}

    # ------------------------------------------------------------------ dispatch
    def translate(self, call: Recorded) -> list[IamRequest] | None:
        """The IAM requests of ``call``; ``[]`` when it needs no permission, None if unknown."""
        handler = getattr(self, f"_{(call.service or '').replace('-', '_')}", None)
        return handler(call) if handler else None

    def _arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = f"{self.region}:{self.account}" if region else ":"
        return f"arn:{self.partition}:{service}:{where}:{resource}"

    @staticmethod
    def _json(call: Recorded) -> dict[str, Any]:
        return json.loads(call.body or b"{}")

    def _operation(self, call: Recorded) -> tuple[str, dict[str, Any]]:
        """Operation and parameters of a JSON (X-Amz-Target) or query (Action=) request."""
        target = call.headers.get("x-amz-target")
        if target:
            return target.rsplit(".", 1)[1], self._json(call)
        form = dict(parse_qsl(call.body.decode(), keep_blank_values=True)) if call.body else {}
        form.update(call.query)
        return form.pop("Action", ""), form

    # ----------------------------------------------------------------------- sts
    def _sts(self, call: Recorded) -> list[IamRequest] | None:
        op, _ = self._operation(call)
        return [] if op == "GetCallerIdentity" else None   # needs no permission (STS docs)

    # ------------------------------------------------------------------------ s3
    def _s3(self, call: Recorded) -> list[IamRequest] | None:
        bucket, _, key = call.path.lstrip("/").partition("/")
        key = unquote(key)
        bucket_arn = f"arn:{self.partition}:s3:::{bucket}"
        q, why = call.query, call.describe()

        def req(action: str, resource: str, **context: Any) -> IamRequest:
            return IamRequest(action, resource, {**SECURE, **context}, why)

        if not key:
            if call.method in ("GET", "HEAD") and not (set(q) - {"list-type", "prefix",
                                                                "delimiter", "max-keys",
                                                                "continuation-token",
                                                                "start-after", "marker",
                                                                "encoding-type",
                                                                "fetch-owner"}):
                # absent parameters are absent keys (HeadBucket carries neither)
                context = {"s3:prefix": q["prefix"]} if "prefix" in q else {}
                if "delimiter" in q:
                    context["s3:delimiter"] = q["delimiter"]
                return [req("s3:ListBucket", bucket_arn, **context)]
            if call.method == "GET" and "location" in q:
                return [req("s3:GetBucketLocation", bucket_arn)]
            if call.method == "GET" and "versions" in q:
                return [req("s3:ListBucketVersions", bucket_arn, **{"s3:prefix": q.get("prefix", "")})]
            if call.method == "GET" and "uploads" in q:
                return [req("s3:ListBucketMultipartUploads", bucket_arn)]
            if call.method == "POST" and "delete" in q:
                keys = [el.text or "" for el in ElementTree.fromstring(call.body).iter()
                        if el.tag.rsplit("}", 1)[-1] == "Key"]
                return [req("s3:DeleteObject", f"{bucket_arn}/{k}") for k in keys]
            return None
        obj = f"{bucket_arn}/{key}"
        cmk = self.bucket_keys.get(bucket)

        def kms(*actions: str) -> list[IamRequest]:
            via = {"kms:ViaService": f"s3.{self.region}.amazonaws.com",
                   "kms:CallerAccount": self.account}
            return [req(a, cmk, **via) for a in actions] if cmk else []

        version = "versionId" in q
        if call.method == "HEAD" and not set(q) - {"versionId", "partNumber"}:
            return [req("s3:GetObjectVersion" if version else "s3:GetObject", obj)]
        if call.method == "GET" and not set(q) - {"versionId", "partNumber"}:
            return [req("s3:GetObjectVersion" if version else "s3:GetObject", obj),
                    *kms("kms:Decrypt")]
        if call.method == "GET" and "uploadId" in q:
            return [req("s3:ListMultipartUploadParts", obj)]
        if call.method == "PUT" and not set(q) - {"partNumber", "uploadId"}:
            out = [req("s3:PutObject", obj), *kms("kms:GenerateDataKey")]
            source = call.headers.get("x-amz-copy-source")
            if source:
                src = unquote(source.lstrip("/"))
                src_key, _, src_version = src.partition("?versionId=")
                out.append(req("s3:GetObjectVersion" if src_version else "s3:GetObject",
                               f"arn:{self.partition}:s3:::{src_key}"))
                out += kms("kms:Decrypt")
            if "uploadId" in q:
                out += kms("kms:Decrypt")
            return out
        if call.method == "POST" and ("uploads" in q or "uploadId" in q):
            return [req("s3:PutObject", obj), *kms("kms:GenerateDataKey", "kms:Decrypt")]
        if call.method == "DELETE" and "uploadId" in q:
            return [req("s3:AbortMultipartUpload", obj)]
        if call.method == "DELETE" and not set(q) - {"versionId"}:
            return [req("s3:DeleteObjectVersion" if version else "s3:DeleteObject", obj)]
        return None

    # ---------------------------------------------------------------------- glue
    _GLUE_TABLE_OPS = {"GetTable", "CreateTable", "UpdateTable", "DeleteTable",
                       "GetTableVersion", "GetTableVersions", "GetPartition", "GetPartitions",
                       "BatchCreatePartition", "BatchDeletePartition", "BatchGetPartition",
                       "BatchUpdatePartition", "CreatePartition", "UpdatePartition",
                       "DeletePartition"}
    _GLUE_DATABASE_OPS = {"GetDatabase", "CreateDatabase", "UpdateDatabase", "DeleteDatabase",
                          "GetTables"}
    _GLUE_JOB_OPS = {"GetJob", "CreateJob", "UpdateJob", "StartJobRun", "GetJobRun",
                     "GetJobRuns", "BatchStopJobRun"}

    def _glue(self, call: Recorded) -> list[IamRequest] | None:
        op, p = self._operation(call)
        action, why = f"glue:{op}", call.describe()
        catalog = self._arn("glue", "catalog")
        if op in self._GLUE_TABLE_OPS:
            db = p["DatabaseName"]
            table = p.get("TableName") or p.get("Name") or (p.get("TableInput") or {}).get("Name")
            arns = [catalog, self._arn("glue", f"database/{db}"),
                    self._arn("glue", f"table/{db}/{table}")]
        elif op in self._GLUE_DATABASE_OPS:
            db = p.get("Name") or p.get("DatabaseName") or (p.get("DatabaseInput") or {})["Name"]
            arns = [catalog, self._arn("glue", f"database/{db}")]
            if op == "GetTables":
                arns.append(self._arn("glue", f"table/{db}/*"))
        elif op == "GetDatabases":
            arns = [catalog]
        elif op in self._GLUE_JOB_OPS:
            job = p.get("JobName") or p.get("Name")
            out = [IamRequest(action, self._arn("glue", f"job/{job}"), {}, why)]
            role = p.get("Role") or (p.get("JobUpdate") or {}).get("Role")
            if role:
                out.append(self._pass_role(role, "glue.amazonaws.com", why))
            return out
        else:
            return None
        return [IamRequest(action, arn, {}, why) for arn in arns]

    def _pass_role(self, role: str, service: str, why: str) -> IamRequest:
        arn = role if role.startswith("arn:") else self.roles.get(role, self._arn(
            "iam", f"role/{role}", region=False))
        return IamRequest("iam:PassRole", arn, {"iam:PassedToService": service}, why)

    # ------------------------------------------------------------------ dynamodb
    def _dynamodb(self, call: Recorded) -> list[IamRequest] | None:
        op, p = self._operation(call)
        if "TableName" not in p:
            return None
        return [IamRequest(f"dynamodb:{op}", self._arn("dynamodb", f"table/{p['TableName']}"),
                           {}, call.describe())]

    # ----------------------------------------------------------------------- sqs
    def _sqs(self, call: Recorded) -> list[IamRequest] | None:
        op, p = self._operation(call)
        if op == "GetQueueUrl":
            name = p["QueueName"]
        elif "QueueUrl" in p:
            name = p["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
        else:
            return None
        arn = self._arn("sqs", name)
        why = call.describe()
        out = [IamRequest(f"sqs:{op}", arn, SECURE, why)]
        cmk = self.queue_keys.get(arn)
        if cmk and op in ("SendMessage", "SendMessageBatch"):
            out += [IamRequest(a, cmk, {"kms:ViaService": f"sqs.{self.region}.amazonaws.com"},
                               why) for a in ("kms:GenerateDataKey", "kms:Decrypt")]
        if cmk and op == "ReceiveMessage":
            out.append(IamRequest("kms:Decrypt", cmk,
                                  {"kms:ViaService": f"sqs.{self.region}.amazonaws.com"}, why))
        return out

    # ----------------------------------------------------------------------- sns
    def _sns(self, call: Recorded) -> list[IamRequest] | None:
        op, p = self._operation(call)
        return [IamRequest(f"sns:{op}", p["TopicArn"], SECURE, call.describe())] \
            if "TopicArn" in p else None

    # ------------------------------------------------------------ emr-serverless
    def _emr_serverless(self, call: Recorded) -> list[IamRequest] | None:
        parts = call.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "applications" or parts[2] != "jobruns":
            return None
        app = self._arn("emr-serverless", f"/applications/{parts[1]}")
        why = call.describe()
        if call.method == "POST" and len(parts) == 3:
            body = self._json(call)
            return [IamRequest("emr-serverless:StartJobRun", app, {}, why),
                    self._pass_role(body["executionRoleArn"], "emr-serverless.amazonaws.com",
                                    why)]
        run = f"{app}/jobruns/{parts[3]}" if len(parts) > 3 else app
        action = {"GET": "GetJobRun", "DELETE": "CancelJobRun"}.get(call.method)
        return [IamRequest(f"emr-serverless:{action}", run, {}, why)] if action else None


def load_recording(text: str) -> list[Recorded]:
    """Parse the request log (one JSON object per line)."""
    return [Recorded.from_entry(json.loads(line)) for line in text.splitlines() if line.strip()]
