"""A record (a frozen dataclass) as one Parquet row of typed columns, and back: the Ray engine's shards.

The columns follow the dataclass field by field, with an Arrow schema derived from the type hints: nested
dataclasses as structs, tuples as lists (a tuple of mixed types as a struct of f0, f1 ...), a dict as a list
of key/value structs, an array as a list of float32, and one 2-D array field as rows beside its width. For a
processed document (kb.enrich.Processed) any Parquet reader sees its cases, passages, tags and vectors by
name; no pickle.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Union

import numpy as np
import pyarrow as pa


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # resolving them is most of the cost of a row when done for each


def _record_type(hint: Any) -> typing.TypeGuard[type]:
    """A dataclass (the class itself, not an instance)."""
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def _optional(hint: Any) -> Any | None:
    """The X of `X | None`, else None."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else None
    return None


def arrow_type(hint: Any) -> pa.DataType:
    """The Arrow type of a field's type hint: scalars, X | None, tuples, dicts, vectors, dataclasses."""
    inner = _optional(hint)
    if inner is not None:
        return arrow_type(inner)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return pa.string()
    if hint is bool:
        return pa.bool_()
    if hint is int:
        return pa.int64()
    if hint is float:
        return pa.float64()
    if hint is np.ndarray:
        return pa.list_(pa.float32())
    if origin is tuple:
        # tuple[X, ...] and a fixed tuple of one type (tuple[str, str]) are lists of X; a fixed tuple of mixed
        # types (a case id and its tags) is a struct of f0, f1, ...
        if _mixed(args):
            return pa.struct([(f"f{i}", arrow_type(a)) for i, a in enumerate(args)])
        return pa.list_(arrow_type(args[0]))
    if origin is dict:
        return pa.list_(pa.struct([("key", arrow_type(args[0])), ("value", arrow_type(args[1]))]))
    if _record_type(hint):
        return _struct(hint)
    raise TypeError(f"{hint}: no Arrow type for this field")


def _mixed(args: tuple[Any, ...]) -> bool:
    return len(args) > 1 and args[1] is not Ellipsis and any(a != args[0] for a in args)


@cache
def _struct(cls: type) -> pa.StructType:
    hints = _hints(cls)
    return pa.struct([(f.name, arrow_type(hints[f.name])) for f in dataclasses.fields(cls)])


def _plain(value: Any, hint: Any) -> Any:
    """A value as its Arrow type takes it (`arrow_type`): dataclasses and mixed tuples as dicts, other tuples
    as lists, dicts as key/value lists, arrays as lists of float32."""
    if value is None:
        return None
    inner = _optional(hint)
    if inner is not None:
        return _plain(value, inner)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is np.ndarray:
        return np.asarray(value, dtype=np.float32).tolist()
    if origin is tuple:
        if _mixed(args):
            return {f"f{i}": _plain(v, a) for i, (v, a) in enumerate(zip(value, args))}
        return [_plain(v, args[0]) for v in value]
    if origin is dict:
        return [{"key": _plain(k, args[0]), "value": _plain(v, args[1])} for k, v in value.items()]
    if _record_type(hint):
        hints = _hints(hint)
        return {f.name: _plain(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(hint)}
    return value


def _typed(value: Any, hint: Any) -> Any:
    """A value read from Arrow as the field's type: the inverse of `_plain`."""
    inner = _optional(hint)
    if inner is not None:
        return None if value is None else _typed(value, inner)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is np.ndarray:
        return np.asarray(value, dtype=np.float32)
    if origin is tuple:
        if _mixed(args):
            return tuple(_typed(value[f"f{i}"], a) for i, a in enumerate(args))
        return tuple(_typed(v, args[0]) for v in value)
    if origin is dict:
        return {_typed(item["key"], args[0]): _typed(item["value"], args[1]) for item in value}
    if _record_type(hint):
        hints = _hints(hint)
        return hint(**{f.name: _typed(value[f.name], hints[f.name]) for f in dataclasses.fields(hint)})
    return value


@cache
def record_schema(cls: type, matrix: str = "") -> pa.Schema:
    """The columns of a dataclass's records: one per field, the `matrix` field (a 2-D array) as rows of float32
    beside its width in `dim`."""
    hints = _hints(cls)
    columns = [(f.name, arrow_type(hints[f.name])) for f in dataclasses.fields(cls) if f.name != matrix]
    extra = [(matrix, pa.list_(pa.list_(pa.float32()))), ("dim", pa.int32())] if matrix else []
    return pa.schema([*columns, *extra])


def record_row(record: Any, cls: type, matrix: str = "") -> dict[str, Any]:
    """A record's columns (all empty for None: a file that failed to read)."""
    if record is None:
        return {name: None for name in record_schema(cls, matrix).names}
    hints = _hints(cls)
    row = {f.name: _plain(getattr(record, f.name), hints[f.name]) for f in dataclasses.fields(cls) if f.name != matrix}
    if matrix:
        values = np.asarray(getattr(record, matrix), dtype=np.float32)
        row.update({matrix: values.tolist(), "dim": int(values.shape[1]) if values.ndim == 2 else 0})
    return row


def record_from(row: dict[str, Any], cls: type, matrix: str = "") -> Any:
    """The record a row holds (`record_row` read back)."""
    hints = _hints(cls)
    fields = {f.name: _typed(row[f.name], hints[f.name]) for f in dataclasses.fields(cls) if f.name != matrix}
    if matrix:
        fields[matrix] = np.asarray(row[matrix], dtype=np.float32).reshape(-1, row["dim"])
    return cls(**fields)
