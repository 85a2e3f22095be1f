from __future__ import annotations

from collections.abc import Iterator

import pytest

from gitopsctl.sealing.sealedsecret import load_private_keys
from tests.conftest import TEST_CERT, TEST_KEY
from tests.harness.sealed_controller import FakeSealedSecretsController


@pytest.fixture
def test_keys():
    return load_private_keys([("test key", TEST_KEY.read_bytes())])


@pytest.fixture
def controller(test_keys) -> Iterator[FakeSealedSecretsController]:
    server = FakeSealedSecretsController(test_keys, TEST_CERT.read_bytes()).start()
    yield server
    server.stop()
