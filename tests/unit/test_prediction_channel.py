"""/predict waits on storage for the worker's answer: it returns it, relays the worker's error,
or gives up after the timeout; either way the request's files are gone afterwards."""

import json

import pytest

from backend.images import InvalidInput
from backend.services.exports import JobKeys, wait_for_prediction
from backend.storage import LocalStorage


@pytest.fixture
def channel(tmp_path):
    storage = LocalStorage(tmp_path)
    keys = JobKeys.predict(1, "abc")
    storage.put(keys.input, b"image")
    return storage, keys


def _left(storage, keys) -> list[str]:
    return [k for k in (keys.input, keys.result, keys.error) if storage.exists(k)]


def test_the_answer_is_returned_and_the_files_removed(channel):
    storage, keys = channel
    storage.put(keys.result, b"png")
    assert wait_for_prediction(storage, keys, timeout=1) == b"png"
    assert _left(storage, keys) == []


def test_the_workers_error_is_relayed(channel):
    storage, keys = channel
    storage.put(keys.error, json.dumps({"error": "round 3 has no trained model"}).encode())
    with pytest.raises(InvalidInput, match="round 3 has no trained model"):
        wait_for_prediction(storage, keys, timeout=1)
    assert _left(storage, keys) == []


def test_no_worker_means_a_timeout_not_a_hang(channel):
    storage, keys = channel
    with pytest.raises(TimeoutError, match="is a cpu worker running"):
        wait_for_prediction(storage, keys, timeout=0.3)
    assert _left(storage, keys) == []
