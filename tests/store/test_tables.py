"""The schema is written once, as Core tables (:mod:`monitor.store.tables`); the SQLModel classes
map those very tables, so the ORM and the Core readers (``status``) cannot disagree."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_core import PydanticUndefined
from sqlalchemy import Column, ColumnDefault
from sqlmodel import SQLModel

from monitor.store import models, models_membership, tables
from monitor.store.sql import table as table_of

MODELS = [cls for module in (models, models_membership) for cls in vars(module).values()
          if isinstance(cls, type) and issubclass(cls, SQLModel) and cls is not SQLModel]


def expected_default(column: Column[Any]) -> Any:
    """What a new row gets for *column* when none is given: the column's default, else None
    where NULL is allowed or the database numbers the rows, else nothing (required)."""
    if isinstance(column.default, ColumnDefault):
        return column.default.arg
    if column.nullable or column.table.autoincrement_column is column:
        return None
    return PydanticUndefined


def test_every_table_has_one_model() -> None:
    mapped = [table_of(model) for model in MODELS]
    assert len(mapped) == len(set(mapped)) == len(tables.metadata.tables)
    assert set(mapped) == set(tables.metadata.tables.values())


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_model_maps_its_table_and_every_column(model: type[SQLModel]) -> None:
    table = table_of(model)
    assert table.metadata is tables.metadata
    assert list(model.model_fields) == list(table.c.keys())
    for name in model.model_fields:
        assert getattr(model, name).property.columns == [table.c[name]]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_model_field_defaults_to_what_its_column_gives(model: type[SQLModel]) -> None:
    table = table_of(model)
    for name, field in model.model_fields.items():
        assert field.default == expected_default(table.c[name]), name
