"""The district line, through the collection routes: a 海淀区 clerk given a 朝阳区 object's key gets
a refusal and never sees 朝阳区 data (the same walk as tests/core/test_district_line.py)."""

from __future__ import annotations

import pytest

from tests.collection.district_line_objects import collection_objects
from tests.core import test_district_line as line


@pytest.mark.django_db
def test_no_collection_route_lets_a_haidian_clerk_see_or_touch_chaoyang_data(client, clerk_haidian, monkeypatch):
    import tests

    module = type(tests)("tests.district_line_objects")
    module.extra_objects = collection_objects  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "tests.district_line_objects", module)
    collection_routes = [(r, n) for r, n in line.routes() if n.startswith("collection:")]
    monkeypatch.setattr(line, "routes", lambda: collection_routes)
    line.test_no_route_lets_a_haidian_clerk_see_or_touch_chaoyang_data(client, clerk_haidian)
