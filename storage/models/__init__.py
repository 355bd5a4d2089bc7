"""The programme domain as typed SQLAlchemy 2 tables. Every row belongs to one workspace.

Each module holds the tables of one part of the domain; importing this package registers
them all on `Base.metadata`, which is what Alembic's env and `create_all` see.
"""

from storage.models.base import Base
from storage.models.budgets import SendBudget
from storage.models.health import DeliveryHealth
from storage.models.matching import MatchExclusion, MatchRun
from storage.models.messages import Announcement, Delivery, ProcessedEvent
from storage.models.pairs import Meeting, Pair
from storage.models.people import Person, Workspace
from storage.models.platforms import PlaygroundItem, TeamsChannel, TeamsForm
from storage.models.programmes import Enrolment, Programme, ProgrammeRole
from storage.models.responses import Response
from storage.models.settings import Setting

__all__ = [
    "Announcement",
    "Base",
    "Delivery",
    "DeliveryHealth",
    "Enrolment",
    "MatchExclusion",
    "MatchRun",
    "Meeting",
    "Pair",
    "Person",
    "PlaygroundItem",
    "ProcessedEvent",
    "Programme",
    "ProgrammeRole",
    "Response",
    "SendBudget",
    "Setting",
    "TeamsChannel",
    "TeamsForm",
    "Workspace",
]
