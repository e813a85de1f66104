"""The help desk's vocabulary, shared by rules, models and the GraphQL schema."""

from enum import Enum, IntEnum


class Role(str, Enum):
    ADMIN = "ADMIN"
    SUPERVISOR = "SUPERVISOR"
    AGENT = "AGENT"
    REPORTER = "REPORTER"
    CUSTOMER = "CUSTOMER"


STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


class Priority(IntEnum):
    """Stored as its rank so that ordering by priority is ordering by urgency."""

    URGENT = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4


class TicketStatus(str, Enum):
    NEW = "NEW"
    OPEN = "OPEN"
    WAITING = "WAITING"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class WaitReason(str, Enum):
    CUSTOMER = "CUSTOMER"
    THIRD_PARTY = "THIRD_PARTY"
    REVIEW = "REVIEW"


class TicketSource(str, Enum):
    EMAIL = "EMAIL"
    FORM = "FORM"
    CHAT = "CHAT"
    API = "API"
    PHONE = "PHONE"


class CustomerTier(str, Enum):
    STANDARD = "STANDARD"
    PREMIUM = "PREMIUM"
    VIP = "VIP"


class AuthorKind(str, Enum):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"
    SYSTEM = "SYSTEM"


class EventKind(str, Enum):
    CREATED = "CREATED"
    ASSIGNED = "ASSIGNED"
    STATUS_CHANGED = "STATUS_CHANGED"
    PRIORITY_CHANGED = "PRIORITY_CHANGED"
    CATEGORY_CHANGED = "CATEGORY_CHANGED"
    REPLIED = "REPLIED"
    NOTE_ADDED = "NOTE_ADDED"
    FIRST_RESPONSE = "FIRST_RESPONSE"
    SLA_NEAR_BREACH = "SLA_NEAR_BREACH"
    SLA_BREACHED = "SLA_BREACHED"
    CLASSIFIED = "CLASSIFIED"
    TRANSFERRED = "TRANSFERRED"
    ESCALATED = "ESCALATED"
    PAGED = "PAGED"
    PAGE_ACKNOWLEDGED = "PAGE_ACKNOWLEDGED"
    PAGE_EXHAUSTED = "PAGE_EXHAUSTED"
    MACRO_APPLIED = "MACRO_APPLIED"
    RATED = "RATED"


class IntakeOutcome(str, Enum):
    """What an item that came in from outside became (an IntakeReceipt's outcome)."""

    TICKET = "TICKET"
    MESSAGE = "MESSAGE"
    IGNORED = "IGNORED"  # an auto-reply, a bounce, a sender we cannot answer


class PriorityOrigin(str, Enum):
    """Who set a ticket's priority: the classifier may only fill in a DEFAULT one."""

    DEFAULT = "DEFAULT"
    CREATOR = "CREATOR"
    CLASSIFIER = "CLASSIFIER"
    AGENT = "AGENT"


class TriageState(str, Enum):
    PENDING = "PENDING"  # waiting for the classification job
    DONE = "DONE"
    SKIPPED = "SKIPPED"  # nothing to learn from yet (no categories or priorities with examples)


class ExampleSource(str, Enum):
    SEED = "SEED"  # written by an admin
    CORRECTION = "CORRECTION"  # a ticket's text, learned when an agent corrected its category


class Availability(str, Enum):
    """An agent's availability for new work: nobody OFFLINE gets tickets."""

    ONLINE = "ONLINE"
    AWAY = "AWAY"
    OFFLINE = "OFFLINE"


class AssignmentStrategy(str, Enum):
    LEAST_LOADED = "LEAST_LOADED"
    ROUND_ROBIN = "ROUND_ROBIN"
    SKILLS = "SKILLS"
    MANUAL = "MANUAL"  # the group's queue is worked by hand
