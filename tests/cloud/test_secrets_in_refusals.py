"""A signature the emulator refuses comes back with the AccessKeyId and STS token in its echo of the
string-to-sign (as the real gateway's does); our client's error and log lines carry neither."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from flowlog_operator.cloud import (
    CloudError,
    CloudSettings,
    DescribeFlowLogsRequest,
    FlowLogClient,
    StaticCredentialsProvider,
)
from flowlog_operator.cloud.signing import percent_encode
from support.emulator import EmulatorProcess

REGION = "cn-hangzhou"
WRONG_SECRET = "not-the-secret-the-emulator-issued"


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real HTTP, keeping the body of every answer as it came off the wire."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.bodies: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        self.bodies.append(content.decode())
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.mark.parametrize("algorithm", ["v3", "v2"])
async def test_a_refused_signature_leaves_no_access_key_id_or_sts_token_in_the_error_or_the_logs(
    emulator_factory: Callable[..., EmulatorProcess], algorithm: str, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = emulator_factory()
    issued = emulator.issue_sts_credentials()
    key_id, token = issued["AccessKeyId"], issued["SecurityToken"]
    secrets = (key_id, token, percent_encode(key_id), percent_encode(token))

    caplog.set_level(logging.DEBUG)
    wire = RecordingTransport()
    client = FlowLogClient(
        StaticCredentialsProvider.from_keys(key_id, WRONG_SECRET, token),
        CloudSettings(
            vpc_endpoint=emulator.url,
            allow_insecure_endpoint=True,
            region=REGION,
            signature_algorithm=algorithm,
        ),
        transport=wire,
    )
    async with client:
        with pytest.raises(CloudError) as caught:
            await client.describe_flow_logs(DescribeFlowLogsRequest(region_id=REGION))
    error = caught.value
    # The answer on the wire did carry both: the test would see a leak.
    (answer,) = wire.bodies
    assert key_id in answer
    assert token in answer
    assert error.code == "SignatureDoesNotMatch"
    assert error.message.startswith("The signature did not match: check the AccessKey secret.")
    # Still the echo, with the credentials masked in place.
    assert ("x-acs-security-token:***" if algorithm == "v3" else "SecurityToken%3D***%26") in error.message
    assert caplog.records
    for text in (str(error), repr(error), error.message, *map(str, error.args), caplog.text):
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, text
