"""Download SDMX data from the ILO, UNICEF and UNSD web services and keep the raw response.

sdmx1's Client builds each query (URL, Accept header) from its source catalogue; we send the
prepared request ourselves and stream the body to disk, so the file on disk is exactly what
the agency sent (the provenance record), a size limit can stop a runaway download, and
parsing is left to ``read_sdmx``, which reads the structure saved beside the data.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import requests

from target87.interop.limits import max_bytes
from target87.interop.sdmx_read import STRUCTURE_SUFFIX

log = logging.getLogger(__name__)
# Our name -> (sdmx1 source id, agency that maintains the dataflow's structures).
SOURCES = {
    "ilo": ("ILO", "ILO"),
    "unicef": ("UNICEF", "UNICEF"),
    "unsd": ("UNSD", "IAEG-SDGs"),  # UNSD serves the IAEG-SDGs global SDG dataflow
}
TIMEOUT = 120  # seconds; SDMX services can be slow to start streaming a large answer


class FetchError(RuntimeError):
    """The agency's service answered with an error, or the answer could not be saved."""


class OfflineError(FetchError):
    """The service could not be reached (no network, DNS failure, refused, timed out)."""


def client_for(source_id: str, base_url: str | None = None):
    """An sdmx1 Client for a built-in source, optionally pointed at another base URL
    (a mirror, or a local test server) while keeping the source's headers and features."""
    import sdmx

    if base_url is None:
        return sdmx.Client(source_id)
    catalogue = json.loads((resources.files("sdmx") / "sources.json").read_text("utf-8"))
    info = dict(next(e for e in catalogue if e["id"] == source_id))
    info.update(id=f"{source_id}_T87_MIRROR", url=base_url.rstrip("/"))
    sdmx.add_source(info, override=True)
    return sdmx.Client(info["id"])


def _safe(text: str) -> str:
    # Keep the key readable (dots, plus) but never a path separator or a leading dot.
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", text).lstrip("-.")[:80] or "all"


def _download(client, prepared, target: Path) -> None:
    """Send an sdmx1-prepared request and stream the answer to ``target``."""
    limit = max_bytes()
    try:
        response = client.session.send(prepared, stream=True, timeout=TIMEOUT)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise OfflineError(f"no network: could not reach {prepared.url} ({exc})") from None
    with response:
        if response.status_code >= 400:
            raise FetchError(f"{prepared.url}: HTTP {response.status_code} {response.reason}")
        part = target.with_name(target.name + ".part")
        written = 0
        try:
            with open(part, "wb") as f:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    written += len(chunk)
                    if written > limit:
                        raise FetchError(
                            f"{prepared.url}: answer over the limit of {limit:,} bytes "
                            "(set TARGET87_MAX_UPLOAD_BYTES to allow more)"
                        )
                    f.write(chunk)
            os.replace(part, target)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise OfflineError(f"no network: download from {prepared.url} broke ({exc})") from None
        finally:
            part.unlink(missing_ok=True)


def fetch(
    agency: str,
    flow: str,
    key: str | None = None,
    out_dir: Path | None = None,
    client_factory: Callable[[str], object] | None = None,
    *,
    base_url: str | None = None,
    params: dict[str, str] | None = None,
) -> Path:
    """Download a dataflow's data (``key`` filters it, SDMX REST syntax) and its structure.

    Saves ``<agency>_<flow>_<key>_<UTC time>.xml`` (the data message, byte for byte) and,
    when the service provides it, ``....structure.xml`` (the dataflow with its DSD and code
    lists) in ``out_dir`` (default: the current folder); returns the data file's path.
    ``client_factory(source_id)`` returns the sdmx1 Client to use (tests pass one for a local
    server); ``base_url`` points the built-in source elsewhere. Raises OfflineError when the
    service cannot be reached and FetchError when it answers with an error.
    """
    name = agency.lower()
    if name not in SOURCES:
        raise ValueError(f"unknown agency {agency!r}; use one of {', '.join(SOURCES)}")
    source_id, structure_agency = SOURCES[name]
    client = client_factory(source_id) if client_factory else client_for(source_id, base_url)
    out = Path(out_dir) if out_dir is not None else Path.cwd()
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = f"{name}_{_safe(flow)}_{_safe(key or 'all')}_{stamp}"
    data_path = out / f"{stem}.xml"

    structure = client.dataflow(
        flow, agency_id=structure_agency, params={"references": "all"}, dry_run=True
    )
    try:
        _download(client, structure, out / f"{stem}{STRUCTURE_SUFFIX}")
    except OfflineError:
        raise
    except FetchError as exc:
        # Not every service answers structure queries; the data are still worth keeping,
        # and read_sdmx copes without the structure (it then checks ids only).
        log.warning("structure not saved: %s", exc)
    data = client.data(flow, key=key, params=dict(params or {}), dry_run=True)
    _download(client, data, data_path)
    return data_path
