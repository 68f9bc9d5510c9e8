"""Analysts' corrections: a JSON Lines file under data/ that every build applies.

Each line corrects one fact (by its stable `fact_id`): new values for some of
value, geo, year, period_start, period_end, indicator, or a rejection, with
who, when and why. The file is the record; the warehouse only applies it, so
corrections survive any rebuild, and one whose fact no longer exists is
reported as orphaned rather than dropped.
"""
from __future__ import annotations

import fcntl
import json
import os
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from etl.files import atomic_write_bytes
from etl.indicators import catalog
from etl.places import all_places

CORRECTABLE_FIELDS = ("value", "geo", "year", "period_start", "period_end", "indicator")
ACTIONS = ("update", "reject")


class CorrectionError(ValueError):
    """A correction that cannot be accepted; the message says which field and why."""


def validate(changes: dict) -> dict:
    """Changes checked and normalized, or CorrectionError."""
    clean = {}
    for field, raw in changes.items():
        if field not in CORRECTABLE_FIELDS:
            raise CorrectionError(f"{field!r} cannot be corrected; correctable: {', '.join(CORRECTABLE_FIELDS)}")
        if raw is None or raw == "":
            if field in ("period_start", "period_end"):
                clean[field] = None
                continue
            raise CorrectionError(f"{field} needs a value")
        if field == "value":
            try:
                clean[field] = float(raw)
            except (TypeError, ValueError):
                raise CorrectionError(f"value {raw!r} is not a number") from None
        elif field == "year":
            try:
                year = int(raw)
            except (TypeError, ValueError):
                raise CorrectionError(f"year {raw!r} is not a whole number") from None
            if not 1978 <= year <= 2100:
                raise CorrectionError(f"year {year} is out of range")
            clean[field] = year
        elif field == "geo":
            geos = {p.name for p in all_places() if p.level != "area"}
            if raw not in geos:
                raise CorrectionError(f"geo {raw!r} is not China, Shanghai or one of its districts")
            clean[field] = raw
        elif field == "indicator":
            if raw not in catalog():
                raise CorrectionError(f"indicator {raw!r} is not in the catalog")
            clean[field] = raw
        else:
            try:
                clean[field] = date.fromisoformat(str(raw)).isoformat()
            except ValueError:
                raise CorrectionError(f"{field} {raw!r} is not a YYYY-MM-DD date") from None
    return clean


def make(fact_id: str, action: str, reason: str, author: str, changes: dict | None = None,
         now: datetime | None = None) -> dict:
    """A correction record, validated."""
    if action not in ACTIONS:
        raise CorrectionError(f"action must be one of {', '.join(ACTIONS)}")
    if not fact_id:
        raise CorrectionError("a correction needs the fact_id it corrects")
    if not (reason or "").strip():
        raise CorrectionError("give a reason for the correction")
    if not (author or "").strip():
        raise CorrectionError("give your name, so the correction can be traced")
    clean = validate(changes or {}) if action == "update" else {}
    if action == "update" and not clean:
        raise CorrectionError("an update must change at least one field")
    return {
        "correction_id": uuid.uuid4().hex[:12], "fact_id": fact_id, "action": action,
        "changes": clean, "reason": reason.strip()[:1000], "author": author.strip()[:200],
        "created_at": (now or datetime.now(timezone.utc)).replace(tzinfo=None).isoformat(timespec="seconds"),
    }


def load(path: str | Path) -> tuple[list[dict], list[str]]:
    """(corrections, problems): every valid line, and one message per bad line naming file and line.

    A line that is not valid UTF-8 or JSON, or not a valid correction, is
    reported and skipped; the other lines still apply. A file that cannot be
    read at all raises OSError: a build must not go on without its corrections.
    """
    path = Path(path)
    if not path.exists():
        return [], []
    records, problems = [], []
    for number, raw_line in enumerate(path.read_bytes().splitlines(), 1):
        if not raw_line.strip():
            continue
        try:
            raw = json.loads(raw_line.decode("utf-8"))
            if not isinstance(raw, dict):
                raise TypeError(f"expected a JSON object, got {type(raw).__name__}")
            record = make(raw["fact_id"], raw["action"], raw.get("reason", ""), raw.get("author", ""),
                          raw.get("changes"), datetime.fromisoformat(raw["created_at"]))
            record["correction_id"] = raw.get("correction_id") or record["correction_id"]
            records.append(record)
        except UnicodeDecodeError:
            problems.append(f"{path}:{number}: correction ignored: not UTF-8 text")
        except KeyError as e:
            problems.append(f"{path}:{number}: correction ignored: missing field {e}")
        except (json.JSONDecodeError, TypeError, ValueError) as e:
            problems.append(f"{path}:{number}: correction ignored: {e}")
    return records, problems


@contextmanager
def _locked(path: Path):
    """Serialize writers of one corrections file (two analysts saving at once would
    otherwise each rewrite the file without the other's line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append(path: str | Path, correction: dict) -> None:
    """Add one correction to the file, atomically: the file is whole before and after,
    and a crash at any moment leaves either the old file or the new one."""
    path = Path(path)
    line = json.dumps(correction, ensure_ascii=False) + "\n"
    with _locked(path):
        existing = path.read_bytes() if path.exists() else b""
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        atomic_write_bytes(path, existing + line.encode("utf-8"))
