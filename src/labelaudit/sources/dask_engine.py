"""The Dask engine: judgments read and normalised per partition on a cluster.

What runs where (``labelaudit audit --engine dask [--scheduler ADDRESS]``):

* on the cluster, one task per Parquet file (or CSV block): read the partition, apply
  the ``[columns]`` mapping, and run the bundle stage's normalisation
  (:func:`labelaudit.bundle.judgments.normalise_judgment_columns`, handed in by the
  pipeline: the very function the local loader runs) — then ship ids, fields and labels back
  dictionary-encoded (pandas Categorical), which is a fraction of the raw size;
* on the client, after the merge (partitions concatenated in file order, so row
  numbers in messages are the local engine's): validation against the schema,
  duplicates, integer coding and every statistic. That code is shared with the local
  engine, which is why both engines give identical ``findings.json``.

Without ``--scheduler`` a :class:`distributed.LocalCluster` is started for the run
(Dask's default number of worker processes for the machine) and closed after.
Dask is optional (``pip install labelaudit[dask]``); the local engine never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import REQUIRED, has_lists
from labelaudit.sources.files import read_table

JudgmentsReader = Callable[[Path, list[Problem]], pd.DataFrame | None]
#: the per-partition normalisation the bundle stage hands in (the function the local
#: loader runs on the whole table), so both engines normalise with the same code
Normaliser = Callable[[pd.DataFrame], pd.DataFrame]
_CONNECT_TIMEOUT = "10s"


def _require_dask() -> None:
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError(
            [
                Problem(
                    "command line",
                    f"the dask engine needs dask and distributed ({exc.name} is not installed)",
                    setting="engine",
                    fix="pip install 'labelaudit[dask]', or use --engine local",
                )
            ]
        ) from None


@contextmanager
def dask_client(cfg: AuditConfig) -> Iterator[Any]:
    """A connected ``distributed.Client``: to ``cfg.scheduler``, or to a LocalCluster."""
    _require_dask()
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if cfg.scheduler:
            client = Client(cfg.scheduler, timeout=_CONNECT_TIMEOUT)
        else:
            cluster = LocalCluster(
                processes=True,
                dashboard_address=":0",
            )
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        where = cfg.scheduler or "LocalCluster"
        raise InputError(
            [
                Problem(
                    "command line",
                    f"cannot reach the Dask scheduler at {where} "
                    f"({str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__})",
                    setting="scheduler",
                    fix="start it (dask scheduler) or pass its address, e.g. "
                    "--scheduler tcp://10.0.0.5:8786; or use --engine local",
                )
            ]
        ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def normalise_partition(
    df: pd.DataFrame, rename: dict[str, str], normalise: Normaliser
) -> pd.DataFrame:
    """One partition, as the local loader would normalise it, dictionary-encoded.

    Runs on a worker. When a required column is missing the partition comes back
    only renamed, so the client reports the problem exactly as the local engine does.
    """
    df = df.rename(columns=rename)
    if any(c not in df.columns for c in REQUIRED):
        return df
    df = normalise(df)
    for col in ("item_id", "annotator_id", "field"):
        df[col] = df[col].astype("category")
    if not has_lists(df["label"]) and _one_type(df["label"]):
        df["label"] = df["label"].astype("category")
    return df


def _one_type(s: pd.Series) -> bool:
    # a categorical of mixed str/float labels would not round-trip value types
    kinds = {type(v) for v in s.dropna().unique()[:1000]}
    return len(kinds) <= 1


def merge_partitions(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate partitions in order; categoricals become plain object columns again."""
    parts = [_decoded(p) for p in parts]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _decoded(df: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as object columns whose rows share one object per category.

    As the local loader's normalisation builds them (one value per distinct id, indexed
    by row). ``Categorical.to_numpy(dtype=object)`` would make a new ``str`` per row from
    string-dtype categories: about 550 MiB more on the client at 2M judgments.
    """
    df = df.copy(deep=False)
    for col in df.columns:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            cat = df[col].array
            values = np.empty(len(cat.categories) + 1, dtype=object)
            values[:-1] = np.asarray(cat.categories, dtype=object)
            values[-1] = None  # code -1, the local loader's missing value
            df[col] = pd.Series(values[cat.codes], index=df.index, dtype=object)
    return df


def judgments_reader(cfg: AuditConfig, client: Any, normalise: Normaliser) -> JudgmentsReader:
    """A reader for :func:`labelaudit.sources.files.read_files` that runs on ``client``.

    Each partition is renamed by the ``[columns]`` mapping and passed through
    ``normalise`` on the worker that read it.
    """
    import dask
    import dask.dataframe as dd

    rename = {user: canon for canon, user in cfg.columns.items() if user != canon}

    def read(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
        with dask.config.set({"dataframe.convert-string": False}):
            if path.is_dir() or path.suffix == ".parquet":
                source = _parquet_source(path)
                if source is None:
                    return _read_locally(path, problems)
                ddf = dd.read_parquet(source, split_row_groups=False)
                if _inexact_ids(ddf.dtypes.to_dict(), rename, path, problems):
                    return None
            elif path.suffix == ".csv":
                ddf = dd.read_csv(
                    str(path), dtype=str, keep_default_na=False, na_values=[""], blocksize="64MB"
                )
            else:
                return _read_locally(path, problems)
            tasks = [
                dask.delayed(normalise_partition)(p, rename, normalise) for p in ddf.to_delayed()
            ]
            parts = client.gather(client.compute(tasks))
        return merge_partitions(parts)

    def _read_locally(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
        # JSON Lines (no partitioned form) and unreadable inputs: the local reader,
        # which also names the problem
        df = read_table(path, "judgments", problems)
        return (
            None if df is None else merge_partitions([normalise_partition(df, rename, normalise)])
        )

    return read


def _inexact_ids(dtypes: dict, rename: dict[str, str], path: Path, problems: list) -> bool:
    """Float id columns, refused on the cluster (and a problem appended).

    The local reader reads a float column of whole numbers below 2**53 exactly and
    refuses the rest, value by value (:mod:`labelaudit.bundle.ids`); per partition on
    workers that check can't report rows, so the Dask engine takes integer or text
    ids only rather than turning 1.2345678901234568e+18 into one id for many raters.
    """
    for user, dtype in dtypes.items():
        canon = rename.get(str(user), str(user))
        if canon in ("item_id", "annotator_id") and pd.api.types.is_float_dtype(dtype):
            problems.append(
                Problem(str(path), f"{canon} is stored as floating-point numbers, which the "
                        "Dask engine does not read as ids", column=str(user),
                        fix="store ids as text or integers in the export, or read this "
                        "bundle with --engine local (which reads exact whole floats)")
            )  # fmt: skip
            return True
    return False


def _parquet_source(path: Path) -> str | list[str] | None:
    """The files in the local reader's order, or the folder for hive-partitioned data."""
    import pyarrow.dataset as ds

    try:
        files = ds.dataset(str(path), format="parquet", partitioning="hive").files
    except (OSError, ValueError):
        return None
    if not files:
        return None
    base = path if path.is_dir() else path.parent
    if any("=" in str(Path(f).relative_to(base)) for f in files):
        return str(path)  # hive partition columns come from the folder names
    return list(files)
