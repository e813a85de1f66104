"""Every Redis key prefix of the product, in one place."""

RATE_LIMIT_PREFIX = "helpdesk:ratelimit:"


# Desks that share one Redis are told apart by their deployment name (HELPDESK_QUEUE_NAME):
# pub/sub channels ignore the database index, and keys would mix counts and presence.


def tickets_channel(deployment: str) -> str:
    """The broadcast channel of every ticket activity of one desk."""
    return f"helpdesk:{deployment}:tickets"


def rate_limit_key(identity: str, window_index: int, deployment: str = "") -> str:
    return f"{RATE_LIMIT_PREFIX}{deployment}:{identity}:{window_index}"


SLA_CHECK_JOB = "sla_check"
SLA_JOB_PREFIX = "sla:"


# arq keeps job ids in one keyspace for all queues: ids carry the queue's name, so desks that
# share a Redis (each with its own HELPDESK_QUEUE_NAME) never mistake each other's jobs for
# their own and skip them.


def sla_job_id(ticket_id: int, at_epoch_ms: int, queue: str) -> str:
    """One job per ticket and moment: re-enqueuing the same moment is a no-op in arq, and a
    moved moment gets a new job while the old one finds nothing to do."""
    return f"{queue}:{SLA_JOB_PREFIX}{ticket_id}:{at_epoch_ms}"


def cron_job_name(queue: str, job: str) -> str:
    """Cron jobs' ids are their name and moment: the queue's name keeps desks apart."""
    return f"cron:{queue}:{job}"

PRESENCE_PREFIX = "helpdesk:presence:"


def online_key(deployment: str = "") -> str:
    return f"{PRESENCE_PREFIX}{deployment}:online"


def ticket_presence_key(ticket_id: int, deployment: str = "") -> str:
    return f"{PRESENCE_PREFIX}{deployment}:ticket:{ticket_id}"


CLASSIFY_JOB = "classify_ticket"
CLASSIFY_JOB_PREFIX = "classify:"


def classify_job_id(ticket_id: int, queue: str) -> str:
    """One queued classification per ticket: the sweep re-queueing a ticket whose job is
    still waiting is a no-op."""
    return f"{queue}:{CLASSIFY_JOB_PREFIX}{ticket_id}"
