"""Writing many outbox rows at once: COPY on PostgreSQL, one executemany on SQLite.

The ORM's bulk_create builds a model instance and prepares every field of every row; a notice
to ten thousand customers spends most of its time there. These rows are plain tuples of the
values the columns store, with the defaults of the columns not named filled in here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` (values in the order of `columns`, which name concrete columns); every
    other column except the primary key gets its field's default."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    rest = [f for c, f in fields.items() if c not in columns and not f.primary_key]
    # A field's default, or "" for text and None where nothing is set (the database refuses a
    # missing value a column needs).
    defaults = tuple(field.get_default() for field in rest)
    names = [*columns, *(f.column for f in rest)]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    postgres = connection.vendor == "postgresql"
    instants = [i for i, n in enumerate(names) if fields[n].get_internal_type() == "DateTimeField"]
    with connection.cursor() as cursor:
        if postgres:
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + defaults)
            return
        adapt = connection.ops.adapt_datetimefield_value

        def stored(row: tuple[Any, ...]) -> list[Any]:
            values = list(row + defaults)
            for i in instants:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            return values

        marks = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608 (names from the model)
            [stored(r) for r in rows],
        )


def update_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Set `columns` of each row by primary key: `rows` are (values in the order of `columns`,
    then the key). One statement run for every row (psycopg pipelines it), instead of
    bulk_update's CASE over every row, which costs more to build than to run."""
    if not rows:
        return
    fields = {f.column: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    instants = [i for i, c in enumerate(columns) if fields[c].get_internal_type() == "DateTimeField"]
    if connection.vendor != "postgresql" and instants:
        adapt = connection.ops.adapt_datetimefield_value
        converted = []
        for row in rows:
            values = list(row)
            for i in instants:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            converted.append(tuple(values))
        rows = converted
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
