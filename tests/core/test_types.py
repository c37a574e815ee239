from __future__ import annotations

import pickle

from events_core import Envelope, envelope_of


def test_envelope_unpacks_like_the_tuple_and_carries_metadata() -> None:
    env = Envelope("user.created", {"id": 1}, headers={"traceparent": "00-abc"})
    name, payload = env
    assert (name, payload) == ("user.created", {"id": 1})
    assert env == ("user.created", {"id": 1})
    assert env.name == "user.created"
    assert env.payload == {"id": 1}
    assert len(env.id) == 32
    assert env.timestamp > 0
    assert env.headers == {"traceparent": "00-abc"}
    assert "user.created" in repr(env)


def test_envelope_of_keeps_ids_and_survives_pickling() -> None:
    env = envelope_of(("x", 1))
    assert envelope_of(env) is env
    again = pickle.loads(pickle.dumps(env))
    assert again == env
    assert again.id == env.id
    assert again.timestamp == env.timestamp
