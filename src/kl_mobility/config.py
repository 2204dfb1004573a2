"""Validating construction of frozen configuration dataclasses from TOML mappings.

Every configuration object of kl-mobility (network, demand, service, fleet, dispatch,
emissions, outputs) is a frozen dataclass whose ``__post_init__`` checks its values and
raises ``ValueError`` naming the field. :func:`from_mapping` builds such a dataclass from a
plain mapping (as read by :mod:`tomllib`), rejects unknown keys, checks types, and turns
every problem into a :class:`ConfigError` naming the file, the dotted key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import numpy as np

from kl_mobility.errors import InputError

T = TypeVar("T")

__all__ = ["ConfigError", "check_choice", "check_finite", "check_finite_fields", "check_range",
           "from_mapping", "to_mapping"]


class ConfigError(InputError, ValueError):
    """A configuration value that cannot be used; names the file and the dotted key."""

    def __init__(self, message: str, *, file: str | Path | None = None, key: str | None = None):
        self.file = str(file) if file is not None else None
        self.key = key
        where = []
        if self.file:
            where.append(self.file)
        if key:
            where.append(f"key '{key}'")
        prefix = ": ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


def check_range(
    name: str,
    value: float,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
) -> None:
    """Raise ``ValueError`` naming ``name`` when ``value`` is not a finite number in
    ``[lo, hi]`` (NaN and infinities are always rejected: NaN passes every comparison).

    With ``lo_open`` the lower bound is exclusive (``value > lo``).
    """
    check_finite(name, value)
    if lo is not None and (value <= lo if lo_open else value < lo):
        op = ">" if lo_open else ">="
        raise ValueError(f"{name} must be {op} {lo}, got {value!r}")
    if hi is not None and value > hi:
        raise ValueError(f"{name} must be <= {hi}, got {value!r}")


def check_finite(name: str, value: object) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is a finite real number (not a
    boolean, not NaN, not an infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def check_finite_fields(obj: object) -> None:
    """Raise ``ValueError`` naming the field when any float of the dataclass ``obj`` (a
    field, or an item of a tuple, list or mapping field) is NaN or infinite. Called by
    every configuration dataclass's ``__post_init__``, so no value escapes the check,
    however the object was built."""
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        _finite_in(f.name, getattr(obj, f.name))


def _finite_in(name: str, value: object) -> None:
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    elif isinstance(value, tuple | list):
        for i, v in enumerate(value):
            _finite_in(f"{name}[{i}]", v)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _finite_in(f"{name}.{k}", v)


def check_choice(name: str, value: object, allowed: typing.Iterable[object]) -> None:
    """Raise ``ValueError`` naming ``name`` when ``value`` is not one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _is_optional(tp: Any) -> tuple[bool, Any]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return True, args[0]
    return False, tp


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any, *, file: str | Path | None, key: str) -> Any:
    optional, inner = _is_optional(tp)
    if value is None:
        if optional or tp is Any:
            return None
        raise ConfigError(f"a value of type {_type_name(tp)} is required", file=file, key=key)
    tp = inner
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"expected a table for {tp.__name__}, got {type(value).__name__}", file=file, key=key
            )
        return from_mapping(tp, value, file=file, prefix=key)
    origin = get_origin(tp)
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"expected an array, got {type(value).__name__}", file=file, key=key)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(
                _convert(v, args[0], file=file, key=f"{key}[{i}]") for i, v in enumerate(value)
            )
        if len(args) != len(value):
            raise ConfigError(f"expected an array of {len(args)} values", file=file, key=key)
        return tuple(
            _convert(v, a, file=file, key=f"{key}[{i}]") for i, (v, a) in enumerate(zip(value, args))
        )
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"expected a table, got {type(value).__name__}", file=file, key=key)
        args = get_args(tp)
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _convert(v, vt, file=file, key=f"{key}.{k}") for k, v in value.items()}
    if origin is typing.Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise ConfigError(f"must be one of {list(allowed)}, got {value!r}", file=file, key=key)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"expected true or false, got {value!r}", file=file, key=key)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"expected an integer, got {value!r}", file=file, key=key)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"expected a number, got {value!r}", file=file, key=key)
        if not math.isfinite(value):
            raise ConfigError(f"must be a finite number, got {value!r}", file=file, key=key)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"expected a string, got {value!r}", file=file, key=key)
        return value
    return value


def from_mapping(
    cls: type[T], data: Mapping[str, Any], *, file: str | Path | None = None, prefix: str = ""
) -> T:
    """Build the frozen dataclass ``cls`` from ``data``, validating keys, types and values.

    Raises :class:`ConfigError` naming ``file`` and the dotted key on any problem: an unknown
    key (listing the valid ones), a missing required key, a wrong type, or a value rejected
    by the dataclass's own ``__post_init__``.
    """
    if not (dataclasses.is_dataclass(cls) and isinstance(cls, type)):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise ConfigError(
            f"unknown key; valid keys here are: {', '.join(sorted(fields))}", file=file, key=key
        )
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        key = f"{prefix}.{name}" if prefix else name
        if name in data:
            kwargs[name] = _convert(data[name], hints[name], file=file, key=key)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError("required key is missing", file=file, key=key)
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        field_name = msg.split(" ", 1)[0]
        key = prefix
        if field_name in fields:
            key = f"{prefix}.{field_name}" if prefix else field_name
        raise ConfigError(msg, file=file, key=key or None) from None


def to_mapping(obj: Any) -> Any:
    """Turn a configuration dataclass back into plain TOML-able values (tuples -> lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_mapping(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_mapping(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_mapping(v) for k, v in obj.items()}
    return obj
