"""Fixed names of the FlowLog API and the tag the operator puts on every flow log it creates.

These strings are part of the public contract (DESIGN.md section 2): kubectl users, RBAC rules, Helm
charts and flow logs already in the cloud depend on them, so they change only with a new API version.
"""

from __future__ import annotations

from typing import Final

GROUP: Final = "vpc.alicloud.io"
VERSION: Final = "v1alpha1"
API_VERSION: Final = "vpc.alicloud.io/v1alpha1"  # GROUP/VERSION, spelled out for Literal types
KIND: Final = "FlowLog"
PLURAL: Final = "flowlogs"
SINGULAR: Final = "flowlog"
SHORT_NAMES: Final = ("fl",)
CATEGORIES: Final = ("alicloud",)
CRD_NAME: Final = "flowlogs.vpc.alicloud.io"  # PLURAL.GROUP

# Every flow log the operator creates carries this tag, valued with the object's UID, so that after a
# crash between CreateFlowLog and the status write the flow log is found (DescribeFlowLogs filters by
# tag) and adopted instead of created twice. Users may not set any key under the reserved prefix.
OWNERSHIP_TAG_KEY: Final = "flowlog-operator/owner-uid"
RESERVED_TAG_PREFIX: Final = "flowlog-operator/"

# The cloud accepts at most 20 tags on a flow log; the ownership tag takes one of them.
MAX_CLOUD_TAGS: Final = 20
MAX_USER_TAGS: Final = MAX_CLOUD_TAGS - 1
