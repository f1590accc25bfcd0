"""The time built-in kinds: ``timestamp`` (to the second, in UTC, ISO 8601 with its offset) and
``date``, drawn between ``start`` and ``end``. The defaults are a fixed range, never "now":
the same seed gives the same data whatever day it is made."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from orch.core.data.kind_options import bounds, only
from orch.core.shared.documents import describe

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(value: Any, key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value)) if isinstance(value, str | date) else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(
            f"{key}: must be an ISO date or time such as 2024-05-01 or "
            f"2024-05-01T12:00:00+00:00; got {describe(value)}"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(value: Any, key: str) -> date:
    return _moment(value, key).date()


class _Span:
    """A time kind: whole units (seconds, days) from ``start`` to ``end``, each shown in ISO."""

    PLUGIN_NAME: ClassVar[str]
    VERSION: ClassVar[str] = "1"

    def column_type(self, options: Mapping[str, Any]) -> str:
        return self.PLUGIN_NAME

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        low, high = self._units(options)
        return high - low + 1

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        low, high = self._units(options)
        shown = self._shown
        return [shown(unit) for unit in rng.choices(range(low, high + 1), k=count)]

    def _units(self, options: Mapping[str, Any]) -> tuple[int, int]:
        raise NotImplementedError

    def _shown(self, unit: int) -> str:
        raise NotImplementedError


class TimestampKind(_Span):
    """Moments from ``start`` to ``end`` (default 2020-01-01 to 2025-12-31, UTC)."""

    PLUGIN_NAME: ClassVar[str] = "timestamp"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "start", "end"), "timestamp")
        start, end = bounds(
            given,
            _moment,
            datetime(2020, 1, 1, tzinfo=UTC),
            datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
        )
        return {"start": start.isoformat(), "end": end.isoformat()}

    def _units(self, options: Mapping[str, Any]) -> tuple[int, int]:
        start, end = (datetime.fromisoformat(options[key]) for key in ("start", "end"))
        return int((start - _EPOCH).total_seconds()), int((end - _EPOCH).total_seconds())

    def _shown(self, unit: int) -> str:
        return (_EPOCH + timedelta(seconds=unit)).isoformat()


class DateKind(_Span):
    """Days from ``start`` to ``end`` (default 2020-01-01 to 2025-12-31)."""

    PLUGIN_NAME: ClassVar[str] = "date"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "start", "end"), "date")
        start, end = bounds(given, _day, date(2020, 1, 1), date(2025, 12, 31))
        return {"start": start.isoformat(), "end": end.isoformat()}

    def _units(self, options: Mapping[str, Any]) -> tuple[int, int]:
        start, end = (date.fromisoformat(options[key]).toordinal() for key in ("start", "end"))
        return start, end

    def _shown(self, unit: int) -> str:
        return date.fromordinal(unit).isoformat()
