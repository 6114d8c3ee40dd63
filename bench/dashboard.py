"""The supervisors' dashboard page and endpoint over the 100,000-application data set (issue 14.1):
server time under 300 ms once the figures are cached; the first request after a change computes
them (the public statistics of the year for the scope) and is reported beside. The counties' page
computes every county's dashboard (16 public statistics) on its first request: reported too.

Measured in the bench process through Django's test client, signed in as a supervisor (the whole
request: middleware, view, template, JSON). Run by `python -m bench --only dashboard`.
"""

from __future__ import annotations


def bench(year: int) -> tuple[bool, list[tuple[str, str, str, str]]]:
    from django.test import Client

    from bandian.accounts.models import Role, User
    from bench.statistics import time_pages

    supervisor, _created = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": Role.SUPERVISOR, "display_name": "bench"}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(supervisor)
    urls = {
        "page": f"/supervision/?year={year}",
        "API": f"/api/v1/supervision/dashboard?year={year}",
        "page, Kaili": f"/supervision/?year={year}&county=522601",
        "API, Kaili": f"/api/v1/supervision/dashboard?year={year}&county=522601",
        "counties": f"/supervision/counties/?year={year}",
    }
    return time_pages(client, urls, what="supervision dashboard")
