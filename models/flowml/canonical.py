"""RFC 8785 (JCS) canonical JSON for the documents this package hashes.

Restricted to what our documents contain: objects with ASCII keys, arrays, strings, booleans, null,
integers and finite floats whose shortest repr has no exponent. Under those restrictions the output is
byte-identical to RFC 8785: keys sorted (ASCII == UTF-16 code-unit order), no whitespace, strings
escaped as ECMAScript JSON.stringify does (ensure_ascii=False: only '"', '\\' and U+0000..U+001F are
escaped), numbers in ECMAScript form (integral floats lose their '.0'). Anything else is rejected
rather than silently hashed differently from the gateway.
"""

from __future__ import annotations

import hashlib
import json
import math


def _number(value: int | float) -> str:
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError(f"integer {value} is not exactly representable in JSON numbers")
        return str(value)
    if not math.isfinite(value):
        raise ValueError("NaN/Infinity cannot be canonicalized")
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        raise ValueError(f"float {text} needs exponent notation; not supported by this canonicalizer")
    return text


def canonical_json(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or not key.isascii():
                raise ValueError(f"object keys must be ASCII strings: {key!r}")
        items = sorted(value.items())
        return "{" + ",".join(json.dumps(k) + ":" + canonical_json(v) for k, v in items) + "}"
    raise TypeError(f"cannot canonicalize {type(value).__name__}")


def canonical_sha256(value: object) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
