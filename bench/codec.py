"""Codec speed: our single-object encode/decode against bare fastavro on the same events.

The baseline is measured in the same run (machines here are shared and noisy),
so the ratio is the figure to watch: the target is our codec within 1.5x of
bare ``schemaless_writer``/``schemaless_reader``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from fastavro import schemaless_reader, schemaless_writer

from auditlog.domain.plain import to_plain
from auditlog.producers.scenario import build
from auditlog.schemas import registry
from auditlog.schemas.codec import HEADER_LEN, decode, encode
from bench.report import report


def _rate(fn: Callable[[], None], count: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    events = list(build().events)
    schema = registry.current().parsed
    records = [to_plain(e) for e in events]
    encoded = [encode(e) for e in events]
    bodies = [b[HEADER_LEN:] for b in encoded]

    def bare_encode() -> None:
        for r in records:
            buffer = io.BytesIO()
            schemaless_writer(buffer, schema, r)

    def bare_decode() -> None:
        for b in bodies:
            schemaless_reader(io.BytesIO(b), schema, schema)

    def our_encode() -> None:
        for e in events:
            encode(e)

    def our_decode() -> None:
        for b in encoded:
            decode(b)

    n = len(events)
    bare_enc, bare_dec = _rate(bare_encode, n), _rate(bare_decode, n)
    enc, dec = _rate(our_encode, n), _rate(our_decode, n)
    report("codec", {
        "events": n,
        "bare_fastavro_encode_per_s": round(bare_enc),
        "auditlog_encode_per_s": round(enc),
        "encode_slowdown_vs_bare": round(bare_enc / enc, 2),
        "bare_fastavro_decode_per_s": round(bare_dec),
        "auditlog_decode_per_s": round(dec),
        "decode_slowdown_vs_bare": round(bare_dec / dec, 2),
    })


if __name__ == "__main__":
    main()
