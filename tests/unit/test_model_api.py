"""The model package's public surface: exported names, constants, and the status helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import flowlog_operator.model as model
from flowlog_operator.model import (
    API_VERSION,
    GROUP,
    MAX_CLOUD_TAGS,
    MAX_USER_TAGS,
    OWNERSHIP_TAG_KEY,
    RESERVED_TAG_PREFIX,
    RESOURCE_ID_PREFIXES,
    VERSION,
    CloudStatus,
    ConditionStatus,
    ConditionType,
    FlowLog,
    FlowLogStatus,
    ResourceType,
)
from flowlog_operator.model.names import CRD_NAME, PLURAL

BODY = {
    "apiVersion": "vpc.alicloud.io/v1alpha1",
    "kind": "FlowLog",
    "metadata": {"name": "a", "namespace": "ns", "uid": "u-1", "generation": 3, "managedFields": [{}]},
    "spec": {
        "regionId": "cn-hangzhou",
        "resourceType": "VPC",
        "resourceId": "vpc-hz-prod",
        "trafficType": "All",
        "projectName": "flowlog-hz",
        "logStoreName": "flowlog-store",
    },
    "status": {
        "flowLogId": "fl-abc",
        "cloudStatus": "Active",
        "observedGeneration": 3,
        "pendingCreate": {"token": "u-1", "startedAt": "2026-01-02T03:04:05Z"},
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "reason": "InvalidResourceId.NotFound",
                "message": "",
                "lastTransitionTime": "2026-01-02T03:04:05Z",
                "observedGeneration": 3,
            }
        ],
        "kopf": {"progress": {}},
    },
}


def test_every_exported_name_exists() -> None:
    for name in model.__all__:
        assert hasattr(model, name), name
    assert "OWNERSHIP_TAG_KEY" in model.__all__


def test_names_agree_with_each_other() -> None:
    assert f"{GROUP}/{VERSION}" == API_VERSION
    assert f"{PLURAL}.{GROUP}" == CRD_NAME


def test_ownership_tag_is_reserved_and_counts_against_the_cloud_limit() -> None:
    assert OWNERSHIP_TAG_KEY.startswith(RESERVED_TAG_PREFIX)
    assert not OWNERSHIP_TAG_KEY.startswith(("aliyun", "acs:"))
    assert MAX_USER_TAGS + 1 == MAX_CLOUD_TAGS == 20


def test_every_resource_type_has_an_id_prefix() -> None:
    assert set(RESOURCE_ID_PREFIXES) == set(ResourceType)


def test_an_object_from_the_api_server_parses_with_typed_status() -> None:
    flowlog = FlowLog.from_body(BODY)
    assert flowlog.metadata.generation == 3
    assert flowlog.status.cloud_status == CloudStatus.ACTIVE
    assert flowlog.status.pending_create is not None
    assert flowlog.status.pending_create.started_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ready = flowlog.status.condition(ConditionType.READY)
    assert ready is not None
    assert ready.status is ConditionStatus.FALSE
    assert ready.reason == "InvalidResourceId.NotFound"
    assert flowlog.status.condition(ConditionType.SYNCED) is None


def test_the_wire_form_uses_camel_case_and_kubernetes_timestamps() -> None:
    status = FlowLog.from_body(BODY).status.to_dict()
    assert status["pendingCreate"] == {"token": "u-1", "startedAt": "2026-01-02T03:04:05Z"}
    assert status["conditions"][0]["lastTransitionTime"] == "2026-01-02T03:04:05Z"
    assert "kopf" not in status


def test_an_empty_status_is_the_default() -> None:
    flowlog = FlowLog.from_body({key: value for key, value in BODY.items() if key != "status"})
    assert flowlog.status == FlowLogStatus()
    assert flowlog.status.to_dict() == {}
