"""Query and Mutation: the operations of API.md and the admin operations around them."""

from collections.abc import AsyncGenerator

import strawberry

from domain.services import tickets as ticket_service
from resolvers import dashboard as dashboard_resolvers
from resolvers import directory, dispatch, me, presence, queues, sla, subscriptions, tickets, triage
from resolvers import intake as intake_resolvers
from resolvers import knowledge as knowledge_resolvers
from resolvers import kpis as kpi_resolvers
from resolvers import macros as macro_resolvers
from resolvers import satisfaction as satisfaction_resolvers
from resolvers.ids import parse_id, parse_optional_id
from schema.dashboard_types import Dashboard
from schema.dispatch_types import OnCallOverride, OnCallSchedule, Page, RoutingRule
from schema.enums import TicketOrder
from schema.inputs import TicketFilter
from schema.intake_types import ChatChannel, FollowedTicket, ProductRule, SubmittedTicket
from schema.knowledge_types import Article, ArticleConnection, ArticleSuggestion
from schema.kpi_types import KpiReport
from schema.macro_types import Macro, ReplyTemplate
from schema.presence_types import PresenceResult, TicketPresence
from schema.queue_types import Queue
from schema.satisfaction_types import Satisfaction
from schema.sla_types import BusinessCalendar, SlaAttainment, SlaPolicy
from schema.subscription_types import SlaAlert, WorkbenchEvent, to_alert, to_workbench_event
from schema.triage_types import ClassifierAccuracy, PriorityExample, PriorityRule
from schema.types import (
    Agent,
    Category,
    Classification,
    Customer,
    Group,
    Message,
    Product,
    Ticket,
    TicketConnection,
    TicketEvent,
    User,
    Workbench,
)


@strawberry.type
class Query:
    me: User | None = strawberry.field(resolver=me.me)
    ticket: Ticket | None = strawberry.field(resolver=tickets.ticket)
    workbench: Workbench = strawberry.field(resolver=tickets.workbench)
    groups: list[Group] = strawberry.field(resolver=directory.groups)
    agents: list[Agent] = strawberry.field(resolver=directory.agents)
    customers: list[Customer] = strawberry.field(resolver=directory.customers)
    customer: Customer | None = strawberry.field(resolver=directory.customer)
    products: list[Product] = strawberry.field(resolver=directory.products)
    categories: list[Category] = strawberry.field(resolver=directory.categories)
    queues: list[Queue] = strawberry.field(
        resolver=queues.queue_list,
        description="Per group you can see: active tickets by status, unassigned, near breach, "
        "breached, and the soonest due time.",
    )
    online_agents: list[Agent] = strawberry.field(
        resolver=presence.online_agents, description="Staff seen in the last minute."
    )
    sla_policies: list[SlaPolicy] = strawberry.field(resolver=sla.sla_policies)
    business_calendars: list[BusinessCalendar] = strawberry.field(resolver=sla.business_calendars)
    sla_attainment: SlaAttainment = strawberry.field(
        resolver=sla.sla_attainment,
        description="Met and breached targets of the tickets created in [createdFrom, createdTo).",
    )
    kpis: KpiReport = strawberry.field(
        resolver=kpi_resolvers.kpis_report,
        description="Help-desk KPIs for [from, to) in total and per groupBy value (admins, supervisors "
        "and reporters; the whole desk). Each figure's field says which tickets and instants it counts.",
    )
    dashboard: Dashboard = strawberry.field(
        resolver=dashboard_resolvers.dashboard_today,
        description="Today's new, resolved, closed, pending, waiting, unassigned, urgent, overdue and "
        "near-breach tickets and today's SLA attainment, for the whole desk or one group (admins, "
        "supervisors, reporters) or an agent's groups. Each figure's field says what it counts.",
    )
    classify: Classification = strawberry.field(
        resolver=triage.classify, description="A preview: what the classifier says of a text (staff)."
    )
    triage_review: list[Ticket] = strawberry.field(
        resolver=triage.triage_review,
        description="Tickets classified below the confidence threshold, most urgent and oldest first "
        "(supervisors and admins). Setting the category takes a ticket out.",
    )
    classifier_accuracy: ClassifierAccuracy = strawberry.field(
        resolver=triage.classifier_accuracy,
        description="The classifier's accuracy over confirmed tickets created in [createdFrom, createdTo).",
    )
    priority_examples: list[PriorityExample] = strawberry.field(resolver=triage.priority_examples)
    priority_rules: list[PriorityRule] = strawberry.field(resolver=triage.priority_rules)
    routing_rules: list[RoutingRule] = strawberry.field(resolver=dispatch.routing_rules)
    on_call_schedule: OnCallSchedule | None = strawberry.field(resolver=dispatch.on_call_schedule)
    pages: list[Page] = strawberry.field(
        resolver=dispatch.pages, description="On-call pages, newest first (open ones by default)."
    )
    reply_templates: list[ReplyTemplate] = strawberry.field(resolver=macro_resolvers.reply_templates_list)
    render_reply_template: str = strawberry.field(resolver=macro_resolvers.render_reply_template)
    macros: list[Macro] = strawberry.field(resolver=macro_resolvers.macro_list)
    follow_ticket: FollowedTicket | None = strawberry.field(
        resolver=intake_resolvers.follow_ticket, description="Public: a follow link's ticket, or null."
    )
    product_rules: list[ProductRule] = strawberry.field(resolver=intake_resolvers.product_rule_list)
    chat_channels: list[ChatChannel] = strawberry.field(resolver=intake_resolvers.chat_channel_list)
    article: Article | None = strawberry.field(
        resolver=knowledge_resolvers.article,
        description="A knowledge-base article you may read (no token: a published public one, "
        "limited per address); NOT_FOUND otherwise.",
    )
    articles: ArticleConnection = strawberry.field(
        resolver=knowledge_resolvers.articles,
        description="Relay-style cursor pagination over the knowledge-base articles you may read: "
        "staff all, customers and visitors without a token (limited per address) published public ones.",
    )
    suggest_articles: list[ArticleSuggestion] = strawberry.field(
        resolver=knowledge_resolvers.suggest_articles,
        description="Published articles that may answer the text, best first: the help center and "
        "the web form ask this while a visitor types (no token: public ones, limited per address).",
    )

    @strawberry.field(description="Relay-style cursor pagination over the tickets you may see.")
    async def tickets(
        self,
        info: strawberry.Info,
        filter: TicketFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
        order_by: TicketOrder | None = TicketOrder.CREATED_AT_DESC,
    ) -> TicketConnection:
        order = (order_by or TicketOrder.CREATED_AT_DESC).value
        return await tickets.ticket_list(info, filter, 50 if first is None else first, after, order)


@strawberry.type
class Mutation:
    create_ticket: Ticket = strawberry.mutation(resolver=tickets.create_ticket)
    assign_ticket: Ticket = strawberry.mutation(resolver=tickets.assign_ticket)
    unassign_ticket: Ticket = strawberry.mutation(resolver=tickets.unassign_ticket)
    add_reply: Message = strawberry.mutation(
        resolver=tickets.add_reply,
        description="The first public agent reply meets the first-response target.",
    )
    set_waiting: Ticket = strawberry.mutation(resolver=tickets.set_waiting)
    resume: Ticket = strawberry.mutation(resolver=tickets.resume)
    set_priority: Ticket = strawberry.mutation(resolver=tickets.set_priority)
    set_category: Ticket = strawberry.mutation(resolver=tickets.set_category)
    resolve_ticket: Ticket = strawberry.mutation(resolver=tickets.resolve_ticket)
    close_ticket: Ticket = strawberry.mutation(resolver=tickets.close_ticket)
    reopen_ticket: Ticket = strawberry.mutation(resolver=tickets.reopen_ticket)
    submit_ticket: SubmittedTicket = strawberry.mutation(
        resolver=intake_resolvers.submit_ticket, description="Public: the web form, limited per hour."
    )
    rate_ticket: Satisfaction = strawberry.mutation(
        resolver=satisfaction_resolvers.rate_ticket,
        description="Public: the token comes in the survey link sent on close; single use.",
    )

    create_group: Group = strawberry.mutation(resolver=directory.create_group)
    update_group: Group = strawberry.mutation(resolver=directory.update_group)
    add_group_member: Group = strawberry.mutation(resolver=directory.add_group_member)
    remove_group_member: Group = strawberry.mutation(resolver=directory.remove_group_member)
    create_user: Agent = strawberry.mutation(resolver=directory.create_user)
    update_user: Agent = strawberry.mutation(resolver=directory.update_user)
    create_customer: Customer = strawberry.mutation(resolver=directory.create_customer)
    update_customer: Customer = strawberry.mutation(resolver=directory.update_customer)
    create_product: Product = strawberry.mutation(resolver=directory.create_product)
    update_product: Product = strawberry.mutation(resolver=directory.update_product)
    create_category: Category = strawberry.mutation(resolver=directory.create_category)
    update_category: Category = strawberry.mutation(resolver=directory.update_category)
    add_category_examples: Category = strawberry.mutation(resolver=directory.add_category_examples)
    remove_category_example: Category = strawberry.mutation(resolver=directory.remove_category_example)
    add_priority_examples: list[PriorityExample] = strawberry.mutation(
        resolver=triage.add_priority_examples, description="Returns the examples that were new."
    )
    remove_priority_example: bool = strawberry.mutation(resolver=triage.remove_priority_example)
    upsert_priority_rule: PriorityRule = strawberry.mutation(resolver=triage.upsert_priority_rule)
    delete_priority_rule: bool = strawberry.mutation(resolver=triage.delete_priority_rule)
    set_availability: Agent = strawberry.mutation(
        resolver=dispatch.set_availability, description="Your own, or (managers) anyone's."
    )
    update_agent_dispatch: Agent = strawberry.mutation(resolver=dispatch.update_agent_dispatch)
    update_group_dispatch: Group = strawberry.mutation(resolver=dispatch.update_group_dispatch)
    upsert_routing_rule: RoutingRule = strawberry.mutation(resolver=dispatch.upsert_routing_rule)
    delete_routing_rule: bool = strawberry.mutation(resolver=dispatch.delete_routing_rule)
    upsert_on_call_schedule: OnCallSchedule = strawberry.mutation(resolver=dispatch.upsert_on_call_schedule)
    add_on_call_override: OnCallOverride = strawberry.mutation(resolver=dispatch.add_on_call_override)
    remove_on_call_override: bool = strawberry.mutation(resolver=dispatch.remove_on_call_override)
    acknowledge_page: Page = strawberry.mutation(resolver=dispatch.acknowledge_page)
    transfer_ticket: Ticket = strawberry.mutation(
        resolver=dispatch.transfer_ticket, description="To a group and/or agent, with a reason for the log."
    )
    escalate_ticket: Ticket = strawberry.mutation(
        resolver=dispatch.escalate_ticket, description="To the group's next tier (its escalationGroup)."
    )
    set_ticket_presence: PresenceResult = strawberry.mutation(
        resolver=presence.set_ticket_presence,
        description="I am viewing or replying to this ticket (null: I left). Renew every ~15 s.",
    )
    upsert_sla_policy: SlaPolicy = strawberry.mutation(
        resolver=sla.upsert_sla_policy,
        description="Creates or edits a policy; open tickets are recomputed with the new terms.",
    )
    delete_sla_policy: bool = strawberry.mutation(resolver=sla.delete_sla_policy)
    upsert_business_calendar: BusinessCalendar = strawberry.mutation(resolver=sla.upsert_business_calendar)
    issue_api_token: str = strawberry.mutation(
        resolver=directory.issue_api_token,
        description="A new token for the user, shown once. Admins only.",
    )
    issue_customer_token: str = strawberry.mutation(
        resolver=directory.issue_customer_token,
        description="A token for a customer's own login (created if missing). Admins only.",
    )
    revoke_api_tokens: int = strawberry.mutation(
        resolver=directory.revoke_api_tokens, description="Revokes every token of the user."
    )
    upsert_reply_template: ReplyTemplate = strawberry.mutation(resolver=macro_resolvers.upsert_reply_template)
    delete_reply_template: bool = strawberry.mutation(resolver=macro_resolvers.delete_reply_template)
    upsert_macro: Macro = strawberry.mutation(resolver=macro_resolvers.upsert_macro)
    delete_macro: bool = strawberry.mutation(resolver=macro_resolvers.delete_macro)
    upsert_product_rule: ProductRule = strawberry.mutation(resolver=intake_resolvers.upsert_product_rule)
    delete_product_rule: bool = strawberry.mutation(resolver=intake_resolvers.delete_product_rule)
    upsert_chat_channel: ChatChannel = strawberry.mutation(resolver=intake_resolvers.upsert_chat_channel)
    delete_chat_channel: bool = strawberry.mutation(resolver=intake_resolvers.delete_chat_channel)
    apply_macro: Ticket = strawberry.mutation(resolver=macro_resolvers.apply_macro)
    upsert_article: Article = strawberry.mutation(
        resolver=knowledge_resolvers.upsert_article,
        description="Creates or replaces a knowledge-base article (admins and supervisors; agents "
        "drafts only). A stale expectedVersion is a CONFLICT.",
    )
    set_article_status: Article = strawberry.mutation(
        resolver=knowledge_resolvers.set_article_status,
        description="Publishes, archives or returns an article to DRAFT (admins and supervisors).",
    )
    delete_article: bool = strawberry.mutation(
        resolver=knowledge_resolvers.delete_article,
        description="Deletes an article for good (admins and supervisors); a published one is "
        "archived first (CONFLICT otherwise).",
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The caller's work: assignments, changes and SLA alerts of the tickets assigned to them."
    )
    async def workbench_events(
        self, info: strawberry.Info, since: strawberry.ID | None = None
    ) -> AsyncGenerator[WorkbenchEvent, None]:
        selection = subscriptions.workbench_selection(info.context.require_actor())
        async for item in subscriptions.follow(info, since=since, selection=selection):
            yield to_workbench_event(item)

    @strawberry.subscription(description="Near-breach and breach alerts for the groups you can see.")
    async def sla_alerts(
        self,
        info: strawberry.Info,
        group_id: strawberry.ID | None = None,
        since: strawberry.ID | None = None,
    ) -> AsyncGenerator[SlaAlert, None]:
        selection = subscriptions.alert_selection(
            info.context.require_actor(), parse_optional_id(group_id, "groupId")
        )
        async for item in subscriptions.follow(info, since=since, selection=selection):
            yield to_alert(item)

    @strawberry.subscription(
        description="Each queue's figures, then a group's new figures "
        "whenever one of its tickets changes (QueueChanged)."
    )
    async def queue_changes(
        self, info: strawberry.Info, group_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Queue, None]:
        async for queue in queues.follow_queues(info, group_id):
            yield queue

    @strawberry.subscription(description="Who is viewing or replying to the ticket, on every change.")
    async def ticket_presence(
        self, info: strawberry.Info, ticket_id: strawberry.ID
    ) -> AsyncGenerator[list[TicketPresence], None]:
        async for present in presence.follow_ticket_presence(info, ticket_id):
            yield present

    @strawberry.subscription(
        description="You are paged (on call for an urgent ticket): PAGED events naming you, live."
    )
    async def my_pages(
        self, info: strawberry.Info, since: strawberry.ID | None = None
    ) -> AsyncGenerator[TicketEvent, None]:
        selection = subscriptions.page_selection(info.context.require_actor())
        async for item in subscriptions.follow(info, since=since, selection=selection):
            yield TicketEvent.from_model(item.event)

    @strawberry.subscription(description="Every event of one ticket you may see, as it happens.")
    async def ticket_events(
        self, info: strawberry.Info, ticket_id: strawberry.ID, since: strawberry.ID | None = None
    ) -> AsyncGenerator[TicketEvent, None]:
        actor = info.context.require_actor()
        ticket = await ticket_service.get(actor=actor, ticket_id=parse_id(ticket_id, "ticketId"))
        selection = subscriptions.ticket_selection(ticket.id)
        async for item in subscriptions.follow(info, since=since, selection=selection):
            yield TicketEvent.from_model(item.event)
