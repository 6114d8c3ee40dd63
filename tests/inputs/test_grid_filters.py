"""The grid lists of kinds without an area class (substations, low-voltage customers) filter
and page like the others: their own next-page link must work."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from bandian.grid.models import LVCustomer
from tests.conftest import client_for
from tests.grid.builders import build_grid


@pytest.mark.parametrize("kind", ["substations", "lv-customers"])
@pytest.mark.parametrize("query", [{"q": "1"}, {"county": "522601"}, {"page": "2"}, {"q": "", "page": "1"}])
def test_lists_without_area_class_take_filters(db, cm, kind, query):
    build_grid()
    response = client_for(cm).get(reverse("grid:list", args=[kind]), query)
    assert response.status_code == 200


def test_lv_customers_next_page_link_opens_the_second_page(db, cm):
    grid = build_grid()
    LVCustomer.objects.bulk_create(
        [
            LVCustomer(
                account_no=f"LV9{n:04d}", name=f"客户{n}", transformer=grid.transformers["T1"], county_id="522601"
            )
            for n in range(60)
        ]
    )
    client = client_for(cm)
    url = reverse("grid:list", args=["lv-customers"])
    first = client.get(url, {"county": "522601"})
    assert first.status_code == 200
    link = re.search(r'href="(\?[^"]*page=2)"', first.content.decode())
    assert link is not None
    second = client.get(url + html.unescape(link.group(1)))
    assert second.status_code == 200
    assert "LV90059" in second.content.decode()
