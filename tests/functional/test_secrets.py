"""The token secret as operators fill it in: stray whitespace around the token is dropped, a
character no token can have is refused without showing the value, and no error shows the token."""
from __future__ import annotations

import json

import pytest

from lsc.local.aws_env import local_aws
from lsc.local.local_estate import cluster_entry, put_secret
from tests.functional.conftest import assert_logged_without_tokens

RUN, RUN_ID = "2026-11-30T06:00:00Z", "lsc-test-20261130T060000Z"


@pytest.mark.parametrize("secret, error_class", [
    ('{"token": "%s\\n"}', None),  # a JSON secret typed with a trailing line break
    ("  %s\r\n", None),
    ('{"token": "%s\\u0000"}', "InvalidSecret"),
    ('{"token": "%s&x=1"}', "InvalidSecret"),
    ("%s with a space", "InvalidSecret"),
])
def test_a_token_secret_with_stray_characters(make_estate, east, capfd, caplog, secret, error_class):
    estate = make_estate([east])  # bearer auth: the token travels in a header
    token = east.bearer_tokens[0]
    with local_aws(estate.deployment.endpoint_url):
        put_secret(cluster_entry(east, estate.servers[0].url)["auth"]["secret"], secret % token)
    response = estate.deliver(RUN)
    objects = estate.objects()
    status = json.loads(objects[f"status/dt=2026-11-30/prod-east/{RUN_ID}.json"])
    assert (status["outcome"], status["error_class"]) == ("success" if error_class is None else "failed", error_class)
    if error_class:
        assert response == {"batchItemFailures": [{"itemIdentifier": "m-prod-east"}]}
        assert "lsc/prod-east/token" in status["error_message"] and "secret" in status["hint"]
    assert [key for key, body in objects.items() if token.encode() in body] == []
    captured = capfd.readouterr()
    assert_logged_without_tokens(estate.fixtures, captured.out + captured.err + caplog.text,
                                 {"cluster_id": "prod-east", "run_id": RUN_ID})
