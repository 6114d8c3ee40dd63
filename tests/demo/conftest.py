from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine

from bandian.demo import applications as demo


@contextmanager
def at_demo_now() -> Iterator[None]:
    """The Saturday morning after the demo's "now": no working time has passed since, so the
    demo's open applications are exactly as overdue or nearly due as they were drawn, whatever
    the real date (and the calendar holds the year)."""
    with time_machine.travel(demo.DEMO_NOW + dt.timedelta(hours=9), tick=True):
        yield


def signing_key_file(folder) -> str:
    """A PKCS#12 signing key for the demo's contracts, in the test's own folder (never the
    operator's data directory)."""
    from bandian.applications.contracts.signing import pkcs12_bytes
    from tests.contracts.conftest import key_material

    material = key_material("demo")
    path = folder / "demo-signing.p12"
    path.write_bytes(pkcs12_bytes(material.key, material.cert, [material.ca], ""))
    return str(path)


@pytest.fixture(autouse=True)
def _demo_signing_key(settings, tmp_path) -> Iterator[None]:
    from bandian.applications.contracts.signing import forget_signer

    settings.CONTRACT_SIGNING_P12 = signing_key_file(tmp_path)
    settings.CONTRACT_SIGNING_P12_PASSWORD = ""
    forget_signer()
    yield
    forget_signer()
