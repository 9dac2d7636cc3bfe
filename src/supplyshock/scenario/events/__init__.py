"""Event types: one module each (model, checks, compilation, description), one registry.

To add an event type, write its module (a subclass of
:class:`~supplyshock.scenario.events.base.EventModel` with a ``type`` literal, ``summary``,
``check``, ``compile`` and ``describe``) and add its class to :data:`EVENT_CLASSES`.
``tests/unit/test_event_registry.py`` then checks that it is documented, compiled and
described.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union, get_args

from pydantic import Field

from supplyshock.scenario.events.agreement import Agreement, AgreementChange, Commitment, TariffChange
from supplyshock.scenario.events.base import CheckContext, EventDescription, EventModel
from supplyshock.scenario.events.capacity_change import CapacityChange
from supplyshock.scenario.events.controls import ExportControl
from supplyshock.scenario.events.export_ban import ExportBan
from supplyshock.scenario.events.licence import ApprovalStep, LicenceRegime, Whitelist
from supplyshock.scenario.events.quota import Quota
from supplyshock.scenario.events.stockpile_release import StockpileRelease
from supplyshock.scenario.events.substitution import Substitution
from supplyshock.scenario.events.tariff import Tariff

__all__ = [
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "Agreement",
    "AgreementChange",
    "ApprovalStep",
    "CapacityChange",
    "CheckContext",
    "Commitment",
    "Event",
    "EventDescription",
    "EventModel",
    "ExportBan",
    "ExportControl",
    "LicenceRegime",
    "Quota",
    "StockpileRelease",
    "Substitution",
    "Tariff",
    "TariffChange",
    "Whitelist",
]

#: The registry: every event type, in documentation order.
EVENT_CLASSES: tuple[type[EventModel], ...] = (
    ExportBan,
    LicenceRegime,
    Quota,
    Tariff,
    Agreement,
    StockpileRelease,
    CapacityChange,
    Substitution,
)


def _type_name(cls: type[EventModel]) -> str:
    return str(get_args(cls.model_fields["type"].annotation)[0])


#: ``type`` value -> class.
EVENT_TYPES: dict[str, type[EventModel]] = {_type_name(c): c for c in EVENT_CLASSES}

#: A scenario event: any registered type, chosen by its ``type`` key (for type checkers:
#: the common base class, since the union is built from the registry at run time).
if TYPE_CHECKING:
    Event = EventModel
else:
    Event = Annotated[Union[tuple(EVENT_CLASSES)], Field(discriminator="type")]  # noqa: UP007
