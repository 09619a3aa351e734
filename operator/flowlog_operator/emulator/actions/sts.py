"""A minimal STS (2015-04-01): AssumeRole (signed) and AssumeRoleWithOIDC (unsigned, as RRSA calls it).

The credentials issued are accepted by the VPC API together with their token.
"""

from __future__ import annotations

import re
from typing import Any

from flowlog_operator.emulator.actions.base import ActionContext
from flowlog_operator.emulator.errors import ApiError

STS_VERSION = "2015-04-01"
_ROLE_ARN = re.compile(r"^acs:ram::[0-9]+:role/[A-Za-z0-9._@-]{1,64}$")
_OIDC_PROVIDER_ARN = re.compile(r"^acs:ram::[0-9]+:oidc-provider/[A-Za-z0-9._-]{1,128}$")
MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 900, 43_200, 3_600


def _duration(ctx: ActionContext) -> float:
    requested = ctx.params.integer("DurationSeconds", code="InvalidParameter.DurationSeconds")
    if requested is not None and not MIN_DURATION <= requested <= MAX_DURATION:
        raise ApiError(
            "InvalidParameter.DurationSeconds",
            f"DurationSeconds {requested}: use {MIN_DURATION}..{MAX_DURATION}.",
        )
    if ctx.config.sts_duration_seconds is not None:
        return ctx.config.sts_duration_seconds
    return float(requested or DEFAULT_DURATION)


def _role_arn(ctx: ActionContext) -> str:
    role_arn = ctx.params.require("RoleArn")
    if not _ROLE_ARN.match(role_arn):
        raise ApiError("InvalidParameter.RoleArn", f"RoleArn {role_arn!r} is not acs:ram::<uid>:role/<name>.")
    return role_arn


def _issue(ctx: ActionContext, role_arn: str) -> dict[str, Any]:
    session = ctx.params.get("RoleSessionName") or "emulator-session"
    credential = ctx.state.sts.issue(role_arn, session, ctx.now, _duration(ctx))
    account_id = role_arn.split(":")[3]
    role_name = role_arn.rsplit("/", 1)[1]
    return {
        "Credentials": credential.as_wire(),
        "AssumedRoleUser": {
            "AssumedRoleId": f"3{account_id[-8:]:0>8}{len(role_name):04d}:{session}",
            "Arn": f"acs:ram::{account_id}:assumed-role/{role_name}/{session}",
        },
    }


def assume_role(ctx: ActionContext) -> dict[str, Any]:
    return _issue(ctx, _role_arn(ctx))


def assume_role_with_oidc(ctx: ActionContext) -> dict[str, Any]:
    role_arn = _role_arn(ctx)
    provider_arn = ctx.params.require("OIDCProviderArn")
    if not _OIDC_PROVIDER_ARN.match(provider_arn):
        raise ApiError("InvalidParameter.OIDCProviderArn", f"OIDCProviderArn {provider_arn!r}.")
    token = ctx.params.get("OIDCToken")
    if token is None:
        raise ApiError("MissingOIDCToken", "The parameter OIDCToken is empty.")
    expected = ctx.config.expected_oidc_token
    if expected is not None and token.strip() != expected.strip():
        raise ApiError("AuthenticationFail.OIDCToken.Invalid", "The OIDCToken is not the one configured.")
    body = _issue(ctx, role_arn)
    body["OIDCTokenInfo"] = {
        "Issuer": "https://oidc.emulator.local",
        "Subject": "emulator",
        "ClientIds": "sts.aliyuncs.com",
    }
    return body
