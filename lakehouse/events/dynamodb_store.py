"""DynamoDB idempotency store: conditional writes make claims atomic across workers.

Table layout (create it with Terraform, or :meth:`DynamoDbIdempotencyStore.create_table`):
partition key ``pk`` (string), TTL attribute ``expires_at`` (epoch seconds). Items:

* ``v#<bucket>/<key>#<version or etag>#<size>`` - ``status`` (``in_progress``/``done``),
  ``owner``, ``run_id``, ``expires_at``;
* ``k#<bucket>/<key>`` - ``sequencer``: the highest (zero-padded) sequencer claimed for a key.
"""

from __future__ import annotations

import time
from typing import Any

from lakehouse.errors import EventError
from lakehouse.events.claims import ClaimResult
from lakehouse.events.model import ObjectArrival, sequencer_key


class DynamoDbIdempotencyStore:
    """Same contract as the SQLite store, backed by one DynamoDB table."""

    def __init__(self, client: Any, table: str, *, in_progress_seconds: float = 600.0,
                 ttl_days: float = 90.0):
        self.client = client
        self.table = table
        self.in_progress_seconds = in_progress_seconds
        self.ttl_seconds = ttl_days * 86400

    @staticmethod
    def create_table(client: Any, table: str) -> None:
        """Create the table (on-demand billing, TTL on ``expires_at``) and wait for it."""
        client.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        client.get_waiter("table_exists").wait(TableName=table)
        client.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})

    def claim(self, arrival: ObjectArrival, *, owner: str) -> ClaimResult:
        now = time.time()
        if arrival.sequencer and not self._advance_sequencer(arrival):
            return "superseded"
        try:
            self.client.put_item(
                TableName=self.table,
                Item={"pk": {"S": _vkey(arrival)}, "status": {"S": "in_progress"},
                      "owner": {"S": owner},
                      "expires_at": {"N": str(int(now + self.in_progress_seconds))}},
                ConditionExpression=("attribute_not_exists(pk) OR "
                                     "(#s = :progress AND (#o = :owner OR expires_at < :now))"),
                ExpressionAttributeNames={"#o": "owner", "#s": "status"},
                ExpressionAttributeValues={":owner": {"S": owner},
                                           ":progress": {"S": "in_progress"},
                                           ":now": {"N": str(int(now))}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return "done" if self.status(arrival) == "done" else "in_progress"
        except Exception as exc:
            raise _wrap(exc, arrival, self.table) from exc
        return "claimed"

    def _advance_sequencer(self, arrival: ObjectArrival) -> bool:
        seq = sequencer_key(arrival.sequencer)
        try:
            self.client.update_item(
                TableName=self.table, Key={"pk": {"S": f"k#{arrival.bucket}/{arrival.key}"}},
                UpdateExpression="SET sequencer = :s",
                ConditionExpression="attribute_not_exists(pk) OR sequencer <= :s",
                ExpressionAttributeValues={":s": {"S": seq}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        except Exception as exc:
            raise _wrap(exc, arrival, self.table) from exc
        return True

    def complete(self, arrival: ObjectArrival, *, owner: str, run_id: str) -> None:
        expires = int(time.time() + self.ttl_seconds)
        self.client.put_item(
            TableName=self.table,
            Item={"pk": {"S": _vkey(arrival)}, "status": {"S": "done"}, "owner": {"S": owner},
                  "run_id": {"S": run_id}, "expires_at": {"N": str(expires)}})

    def release(self, arrival: ObjectArrival, *, owner: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table, Key={"pk": {"S": _vkey(arrival)}},
                ConditionExpression="#o = :owner AND #s = :progress",
                ExpressionAttributeNames={"#o": "owner", "#s": "status"},
                ExpressionAttributeValues={":owner": {"S": owner},
                                           ":progress": {"S": "in_progress"}})
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # someone else's claim, or already done: nothing of ours to release

    def touch(self, arrival: ObjectArrival, *, owner: str) -> None:
        """Extend a live claim (called from the worker's heartbeat)."""
        try:
            self.client.update_item(
                TableName=self.table, Key={"pk": {"S": _vkey(arrival)}},
                UpdateExpression="SET expires_at = :e",
                ConditionExpression="#o = :owner AND #s = :progress",
                ExpressionAttributeNames={"#o": "owner", "#s": "status"},
                ExpressionAttributeValues={
                    ":e": {"N": str(int(time.time() + self.in_progress_seconds))},
                    ":owner": {"S": owner}, ":progress": {"S": "in_progress"}})
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # completed or released meanwhile

    def status(self, arrival: ObjectArrival) -> str | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": _vkey(arrival)}},
                                    ConsistentRead=True).get("Item")
        return item["status"]["S"] if item else None


def _vkey(arrival: ObjectArrival) -> str:
    return f"v#{arrival.identity}"


def _wrap(exc: Exception, arrival: ObjectArrival, table: str) -> EventError:
    return EventError(f"idempotency store write failed for {arrival.bucket}/{arrival.key}: {exc}",
                      hint=f"check that DynamoDB table {table!r} exists (key 'pk', string) "
                           "and the worker may PutItem/UpdateItem/GetItem/DeleteItem on it",
                      table=table)
