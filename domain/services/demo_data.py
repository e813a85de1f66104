"""The texts and people of the demo desk: Larkline, a fictional SaaS for booking, scheduling
and invoicing used by small service businesses (clinics, studios, schools, agencies).

Everything here is invented. Addresses use the reserved `.example` domain and phone numbers
the ranges set aside for fiction, so nothing in the demo can reach a real person.

Ticket texts are templates filled by `demo.py` with `str.format_map`; the slots they may use
are listed in `SLOTS` (a unit test formats every template with them).
"""

from dataclasses import dataclass

from domain.enums import CustomerTier, Priority, Role
from domain.rules.knowledge import ArticleStatus, ArticleVisibility

COMPANY = "Larkline"
STAFF_DOMAIN = "larkline.example"

# The keys every ticket template may use; demo.py fills all of them for every ticket.
SLOTS = (
    "first",  # the customer's first name
    "fullname",  # the customer's full name
    "org",  # the customer's organisation, or "our business"
    "agent",  # the first name of the agent handling the ticket at that moment
    "product",  # the product's name
    "amount",  # a money amount such as "$148.00"
    "invoice",  # an invoice number such as "INV-2026-04817"
    "ref",  # a third party's case reference
    "eng",  # an engineering ticket such as "ENG-2291"
    "n",  # a row or record number
    "count",  # a small count of clients or bookings
    "device",  # a phone or tablet model
    "browser",  # a browser name and version
    "day",  # a weekday name
    "plan",  # a subscription plan name
    "party",  # the third party a ticket waits on
)


# --- directory -------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSeed:
    name: str
    description: str
    email: str


@dataclass(frozen=True)
class StaffSeed:
    email: str
    name: str
    role: Role
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerSeed:
    name: str
    email: str
    organisation: str | None
    tier: CustomerTier
    external_id: str | None = None
    phone: str | None = None
    customer_since_days: int = 365  # backdates the row: the desk did not start today

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class ProductSeed:
    key: str  # the short name scenarios refer to
    name: str
    product_line: str
    description: str


@dataclass(frozen=True)
class CategorySeed:
    name: str
    description: str
    default_group: str
    examples: tuple[str, ...]


CARE = "Customer Care"
BILLING = "Billing & Payments"
TECH = "Technical Support"
DEVS = "Developer Success"

GROUPS = (
    GroupSeed(CARE, "First line: accounts, sign-in, how-to and feature questions.",
              f"care@{STAFF_DOMAIN}"),
    GroupSeed(BILLING, "Subscriptions, invoices, card payments, refunds and payouts.",
              f"billing@{STAFF_DOMAIN}"),
    GroupSeed(TECH, "Bugs, the mobile apps, imports and exports; liaises with engineering.",
              f"techsupport@{STAFF_DOMAIN}"),
    GroupSeed(DEVS, "The Connect API, webhooks and calendar and accounting integrations.",
              f"developers@{STAFF_DOMAIN}"),
)

ADMIN = StaffSeed(f"ruth.calloway@{STAFF_DOMAIN}", "Ruth Calloway", Role.ADMIN)

STAFF = (
    StaffSeed(f"marcus.oyelaran@{STAFF_DOMAIN}", "Marcus Oyelaran", Role.SUPERVISOR,
              (CARE, BILLING)),
    StaffSeed(f"ingrid.holm@{STAFF_DOMAIN}", "Ingrid Holm", Role.SUPERVISOR, (TECH, DEVS)),
    StaffSeed(f"priya.natarajan@{STAFF_DOMAIN}", "Priya Natarajan", Role.AGENT, (CARE, BILLING)),
    StaffSeed(f"tomas.herrera@{STAFF_DOMAIN}", "Tomás Herrera", Role.AGENT, (CARE,)),
    StaffSeed(f"jade.whitaker@{STAFF_DOMAIN}", "Jade Whitaker", Role.AGENT, (CARE,)),
    StaffSeed(f"samuel.adeyemi@{STAFF_DOMAIN}", "Samuel Adeyemi", Role.AGENT, (BILLING,)),
    StaffSeed(f"hannah.kowalski@{STAFF_DOMAIN}", "Hannah Kowalski", Role.AGENT, (BILLING, CARE)),
    StaffSeed(f"leon.fischer@{STAFF_DOMAIN}", "Leon Fischer", Role.AGENT, (TECH,)),
    StaffSeed(f"aiko.tanaka@{STAFF_DOMAIN}", "Aiko Tanaka", Role.AGENT, (TECH,)),
    StaffSeed(f"ben.castillo@{STAFF_DOMAIN}", "Ben Castillo", Role.AGENT, (TECH, DEVS)),
    StaffSeed(f"nadia.rahman@{STAFF_DOMAIN}", "Nadia Rahman", Role.AGENT, (DEVS,)),
    StaffSeed(f"oliver.grant@{STAFF_DOMAIN}", "Oliver Grant", Role.AGENT, (TECH,)),
    StaffSeed(f"bi-reports@{STAFF_DOMAIN}", "BI Reporting Service", Role.REPORTER),
)

# Who triages each group's new tickets.
SUPERVISOR_OF = {
    CARE: f"marcus.oyelaran@{STAFF_DOMAIN}",
    BILLING: f"marcus.oyelaran@{STAFF_DOMAIN}",
    TECH: f"ingrid.holm@{STAFF_DOMAIN}",
    DEVS: f"ingrid.holm@{STAFF_DOMAIN}",
}

DEMO_CUSTOMER_EMAIL = "sofia@harbourline.example"
DEMO_AGENT_EMAIL = f"priya.natarajan@{STAFF_DOMAIN}"

_V, _P, _S = CustomerTier.VIP, CustomerTier.PREMIUM, CustomerTier.STANDARD

CUSTOMERS = (
    CustomerSeed("Sofia Marchetti", DEMO_CUSTOMER_EMAIL, "Harbourline Dental", _P, "CRM-10482",
                 "+44 20 7946 0321", 610),
    CustomerSeed("Daniel Reyes", "daniel.reyes@harbourline.example", "Harbourline Dental", _P,
                 "CRM-10483", None, 540),
    CustomerSeed("Aisha Bello", "aisha@northgatephysio.example", "Northgate Physiotherapy", _S,
                 None, "+44 161 496 0178", 220),
    CustomerSeed("Megan O'Rourke", "megan@copperleafyoga.example", "Copperleaf Yoga", _S,
                 None, None, 95),
    CustomerSeed("Charlotte Finch", "charlotte.finch@kestrelfinch.example",
                 "Kestrel & Finch Architects", _V, "CRM-10017", "+1 202 555 0143", 980),
    CustomerSeed("Rupert Kestrel", "rupert.kestrel@kestrelfinch.example",
                 "Kestrel & Finch Architects", _V, "CRM-10018", None, 980),
    CustomerSeed("Ama Owusu", "ama.owusu@kestrelfinch.example", "Kestrel & Finch Architects",
                 _V, "CRM-10233", None, 400),
    CustomerSeed("Ewan MacLeod", "ewan.macleod@bramblevets.example", "Bramble Veterinary Group",
                 _V, "CRM-10051", "+44 131 496 0620", 870),
    CustomerSeed("Fatima Zahra", "fatima.zahra@bramblevets.example", "Bramble Veterinary Group",
                 _V, "CRM-10052", None, 870),
    CustomerSeed("Jonas Lindqvist", "jonas.lindqvist@bramblevets.example",
                 "Bramble Veterinary Group", _V, "CRM-10390", None, 300),
    CustomerSeed("Grace Liu", "grace@saltmarsh-tutoring.example", "Saltmarsh Tutoring", _S,
                 None, None, 150),
    CustomerSeed("Victor Stanek", "v.stanek@redwoodlegal.example", "Redwood Legal LLP", _P,
                 "CRM-10144", "+1 202 555 0187", 720),
    CustomerSeed("Helen Park", "h.park@redwoodlegal.example", "Redwood Legal LLP", _P,
                 "CRM-10145", None, 700),
    CustomerSeed("Chloe Dubois", "chloe@lumenhair.example", "Lumen Hair Collective", _S,
                 None, "+44 117 496 0555", 330),
    CustomerSeed("Marco Bianchi", "marco@lumenhair.example", "Lumen Hair Collective", _S,
                 None, None, 330),
    CustomerSeed("Priscilla Nwosu", "p.nwosu@oakridgeclinic.example", "Oakridge Community Clinic",
                 _P, "CRM-10201", "+1 202 555 0110", 640),
    CustomerSeed("Sam Ortega", "s.ortega@oakridgeclinic.example", "Oakridge Community Clinic",
                 _P, "CRM-10202", None, 640),
    CustomerSeed("Tyler Brooks", "tyler@blueheronfit.example", "Blue Heron Fitness", _S,
                 None, None, 75),
    CustomerSeed("Laura Vance", "laura.vance@meridiantherapy.example",
                 "Meridian Therapy Partners", _V, "CRM-10009", "+1 202 555 0164", 1100),
    CustomerSeed("Imran Qureshi", "imran.qureshi@meridiantherapy.example",
                 "Meridian Therapy Partners", _V, "CRM-10010", None, 1100),
    CustomerSeed("Kevin Doyle", "kevin@pinecrestdriving.example", "Pinecrest Driving School",
                 _S, None, "+353 1 555 0190", 260),
    CustomerSeed("Natalie Cho", "natalie@atlasrentals.example", "Atlas Event Rentals", _P,
                 "CRM-10310", None, 480),
    CustomerSeed("Peter Haas", "peter@atlasrentals.example", "Atlas Event Rentals", _P,
                 "CRM-10311", None, 480),
    CustomerSeed("Rosa Alvarez", "rosa@willowstone.example", "Willow & Stone Interiors", _S,
                 None, None, 180),
    CustomerSeed("Liam Murphy", "liam@greenwaygrooming.example", "Greenway Pet Grooming", _S,
                 "SHOP-88412", None, 120),
    CustomerSeed("Deborah Klein", "deborah.klein@summitaccounting.example",
                 "Summit Accounting Co.", _P, "CRM-10275", "+1 202 555 0129", 520),
    CustomerSeed("Arjun Mehta", "arjun.mehta@summitaccounting.example", "Summit Accounting Co.",
                 _P, "CRM-10276", None, 500),
    CustomerSeed("Beatriz Santos", "beatriz@sunnysidepreschool.example", "Sunny Side Preschool",
                 _S, None, None, 60),
    CustomerSeed("Hugo Laurent", "hugo@ironbridgecowork.example", "Ironbridge Coworking", _P,
                 "CRM-10352", "+44 20 7946 0998", 410),
    CustomerSeed("Mei Chen", "mei@ironbridgecowork.example", "Ironbridge Coworking", _P,
                 "CRM-10353", None, 410),
    CustomerSeed("Eva Novak", "eva.novak.photo@mailbox.example", None, _S, None, None, 200),
    CustomerSeed("Jamal Wright", "jamal@jwtraining.example", None, _S, "SHOP-90117",
                 "+1 202 555 0152", 140),
    CustomerSeed("Lucy Brennan", "lucy.brennan@mailbox.example", None, _S, None, None, 45),
    CustomerSeed("Owen Price", "owen.walks@mailbox.example", None, _S, None, None, 30),
)

PRODUCTS = (
    ProductSeed("Scheduler", "Larkline Scheduler", "Core platform",
                "Online booking pages, shared calendars, staff rotas and reminders."),
    ProductSeed("Invoicing", "Larkline Invoicing", "Payments",
                "Invoices, card payments, deposits, refunds and payouts."),
    ProductSeed("Mobile", "Larkline Mobile", "Mobile",
                "The iOS and Android apps staff use on the go."),
    ProductSeed("Connect", "Larkline Connect API", "Developer platform",
                "REST API, webhooks and the calendar and accounting integrations."),
    ProductSeed("Insights", "Larkline Insights", "Core platform",
                "Reports and dashboards: bookings, no-shows, revenue."),
)

ACCOUNT = "Account & access"
SUBSCRIPTION = "Billing & subscription"
PAYMENTS = "Payments & payouts"
BUG = "Bug report"
FEATURE = "Feature question"
DATA = "Data import & export"
INTEGRATIONS = "Integrations & API"
MOBILE = "Mobile app"

CATEGORIES = (
    CategorySeed(ACCOUNT, "Signing in, passwords, two-factor, users and permissions.", CARE, (
        "I can't sign in, it says my password is wrong even though I just reset it.",
        "The password reset email never reaches my inbox.",
        "Please give our new office manager admin rights on our account.",
        "How do I change the email address I use to log in?",
        "Our account was locked after too many login attempts.",
        "The six-digit codes from my authenticator app are rejected.",
        "A staff member left last week, please remove her access immediately.",
        "We want to hand the account over to my business partner.",
    )),
    CategorySeed(SUBSCRIPTION, "Plans, subscription invoices, VAT, upgrades and cancellations.",
                 BILLING, (
        "We were charged twice for our monthly subscription.",
        "Our invoice needs our VAT number and the registered company name.",
        "How do we switch from monthly to annual billing?",
        "I'd like to downgrade to the cheaper plan from next month.",
        "Why is this month's invoice higher than usual?",
        "Please cancel our subscription at the end of the current term.",
        "Can I get copies of all invoices from last year for our accountant?",
    )),
    CategorySeed(PAYMENTS, "Card payments from clients, deposits, refunds, chargebacks, payouts.",
                 BILLING, (
        "The payout for last week hasn't reached our bank account yet.",
        "A client's card was declined but the money still left her account.",
        "How do I refund a client who paid twice for the same appointment?",
        "We want clients to pay a deposit when they book online.",
        "We received a chargeback notice, what do we need to send?",
        "Payment links show dollars but we charge in euros.",
        "We changed banks, how do we update the payout account?",
    )),
    CategorySeed(BUG, "Something in the web app does not work as it should.", TECH, (
        "All appointments moved by one hour after the clock change.",
        "The booking page says there is no availability on any day.",
        "Clients received the reminder text message twice.",
        "The printed rota is cut off on the right-hand side.",
        "Searching for a client by phone number finds nothing.",
        "The invoice total is one cent off from the sum of the lines.",
        "The booking page is blank in Safari.",
        "Everything is very slow today, pages take half a minute to load.",
    )),
    CategorySeed(FEATURE, "How to do something, and whether the product can do it at all.",
                 CARE, (
        "Can clients book a weekly repeating appointment themselves?",
        "Is it possible to set different opening hours for each location?",
        "Can we change the wording of the reminder emails?",
        "Is there a waiting list when a time slot is full?",
        "Can we limit staff so they only see their own appointments?",
        "Do you support classes with a maximum number of participants?",
        "Is there a way to block out lunch breaks for everyone at once?",
    )),
    CategorySeed(DATA, "Importing clients and appointments, exports, migrations.", TECH, (
        "Our client spreadsheet import stops with an error halfway through.",
        "We need a full export of our data for our accountant.",
        "After the import all appointments are under the wrong staff member.",
        "The CSV import created duplicate clients.",
        "Can you move our data over from our old booking system?",
        "Names with accents look garbled in the exported file.",
    )),
    CategorySeed(INTEGRATIONS, "The Connect API, webhooks, calendar and accounting sync.", DEVS, (
        "Our webhook endpoint keeps getting timeouts from your side.",
        "The API answers 429 Too Many Requests during our nightly sync.",
        "Google Calendar stopped showing new bookings.",
        "How do we refresh the OAuth access token after it expires?",
        "The accounting integration creates every invoice twice.",
        "Paging through clients with the cursor skips some records.",
        "Can we get a sandbox account to test our integration?",
    )),
    CategorySeed(MOBILE, "The iOS and Android apps.", TECH, (
        "The Android app crashes as soon as I open the calendar.",
        "Push notifications stopped arriving on my iPhone.",
        "I can't sign in to the app with our company single sign-on.",
        "Changes I made offline disappeared when I got signal again.",
        "The app doesn't show the new location we added yesterday.",
        "On the tablet the client notes are cut off.",
    )),
)


# --- ticket scenarios ------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One kind of problem, told in the customer's and the agent's words."""

    category: str
    product: str | None  # a ProductSeed.key
    priority: Priority  # the usual priority; demo.py varies it a little
    subject: str
    description: str  # the customer's opening message
    ask: str  # the agent's question back
    answer: str  # the customer's answer to it
    fix: str  # the agent's reply that solves it
    note: str  # an internal note while working on it
    party: str = "our engineering team"  # who the ticket may end up waiting on


H, M, L, U = Priority.HIGH, Priority.MEDIUM, Priority.LOW, Priority.URGENT

SCENARIOS: tuple[Scenario, ...] = (
    # --- account & access ---
    Scenario(
        ACCOUNT, "Scheduler", H,
        "Password reset email never arrives",
        "Hi, I have asked for a password reset three times since 8am and nothing arrives, not "
        "even in spam. Our first clients are due at 9:30 and I can't see today's calendar. "
        "Can you help?",
        "Sorry about that, {first}. Could you tell me which address you enter on the reset "
        "page, and whether your company's mail filter quarantines external messages? Reset "
        "emails often end up there.",
        "Our office manager checked the quarantine folder: all three emails were in there. "
        "Is there an address we should allow?",
        "Thanks for checking, {first}. Please ask whoever runs your mail to allow "
        "no-reply@larkline.example. I've sent you a fresh reset link, valid for one hour.",
        "Mail logs show all three resets accepted by the recipient's server (250 OK). "
        "Quarantine on their side, not a delivery problem on ours.",
        "the customer's email provider",
    ),
    Scenario(
        ACCOUNT, "Scheduler", H,
        "Locked out after too many login attempts",
        "One of our receptionists tried her old password a few times and now the whole front "
        "desk login is locked. We share that login at reception. How long until it unlocks?",
        "The lock lasts 30 minutes, {first}, but I can lift it now. Can you confirm you are an "
        "admin on the {org} account? I can only unlock on an admin's request.",
        "Yes, I'm the owner of the account. Please unlock it, we have a queue at the desk.",
        "Done, the login is unlocked. A tip for the future: give each receptionist their own "
        "user (it's free on your plan), then one wrong password doesn't lock everyone out.",
        "Verified the requester is an account admin before unlocking. Suggested named users "
        "instead of the shared reception login.",
    ),
    Scenario(
        ACCOUNT, None, M,
        "Add our new practice manager as an admin",
        "We have a new practice manager starting on {day}. Could you set her up with admin "
        "rights? She should be able to change opening hours and manage staff.",
        "Happy to help, {first}. What is her name and work email address? Admins on your "
        "account can also do this themselves under Settings > Team, if that's quicker.",
        "Her name is Joanna Reid, joanna.reid@ our usual domain. I couldn't find the Team page, "
        "so please go ahead.",
        "Joanna now has an invitation in her inbox with the Admin role. Settings > Team is only "
        "shown to owners, which is why you couldn't see it; I've made you an owner too.",
        "Their owner had admin but not owner rights, so Settings > Team was hidden. Upgraded "
        "after checking the account's billing contact matches.",
    ),
    Scenario(
        ACCOUNT, None, L,
        "Change the email address I sign in with",
        "We are moving to a new domain next month. How do I change the email address I use to "
        "sign in without losing my settings?",
        "Good question, {first}. Will the old mailbox keep receiving mail for a while after "
        "the switch? We send a confirmation to both addresses.",
        "Yes, both addresses will work for about two months.",
        "Then it's straightforward: Profile > Sign-in email, enter the new address and confirm "
        "from both inboxes. Your settings, calendars and history stay exactly as they are.",
        "Standard email change; no need for a manual change on our side.",
    ),
    Scenario(
        ACCOUNT, "Mobile", H,
        "Two-factor codes rejected on my new phone",
        "I moved my authenticator app to a new phone and now every six-digit code is rejected. "
        "I'm completely locked out of {product}.",
        "I'm sorry, {first}. For security I need to verify it's you before resetting "
        "two-factor: could you reply with the last four digits of the card on the account and "
        "the month you signed up?",
        "Card ends in 4417 and we signed up in spring two years ago, I think April.",
        "Thanks, that matches. I've reset two-factor on your user: at your next sign-in you'll "
        "be asked to scan a new QR code. Please keep the backup codes somewhere safe.",
        "Identity check passed (card last four and signup month). 2FA reset, logged in the "
        "security log.",
    ),
    Scenario(
        ACCOUNT, None, H,
        "Remove access for a staff member who left",
        "A team member left us on bad terms yesterday. Please make sure she can no longer "
        "sign in or see any client data. Her user is under her personal Gmail address.",
        "We'll lock it straight away, {first}. To be sure we remove the right person, could "
        "you tell me her name as it appears in your staff list?",
        "It's Kim Ashworth, listed as 'Kim A.' in the rota.",
        "Kim's user is deactivated and all her sessions, including the mobile app, are signed "
        "out. Her past appointments stay in your history for your records.",
        "Deactivated the user and revoked her tokens. No exports by this user in the last "
        "30 days according to the audit log.",
    ),
    Scenario(
        ACCOUNT, None, M,
        "Transfer account ownership to my business partner",
        "I'm stepping back from the business and my partner is taking over. How do we transfer "
        "ownership of the Larkline account to him, including billing?",
        "Thanks for letting us know, {first}. Ownership transfers need a short written "
        "confirmation from both of you. Could your partner reply to this ticket from his own "
        "address to confirm?",
        "He has just replied from his address, see below. He's happy to take over billing too.",
        "All set: your partner is now the account owner and the billing contact. You keep an "
        "admin user until you remove yourself under Settings > Team.",
        "Both parties confirmed in writing. Ownership moved, billing contact updated.",
    ),
    # --- billing & subscription ---
    Scenario(
        SUBSCRIPTION, None, H,
        "Charged twice for this month's subscription",
        "Our bank statement shows two charges of {amount} from Larkline on the same day. We "
        "only have one account. Please refund the duplicate.",
        "Sorry for the trouble, {first}. Could you send me the last four digits of the card "
        "and the dates of both charges? One may be a pending authorisation that drops off.",
        "Card ending 0921, both dated the 3rd, both already settled, not pending.",
        "You're right, the renewal was charged twice after a retry. I've refunded {amount}; "
        "it shows on your statement within 5-10 business days. Sorry again.",
        "Payment log: renewal retried after a gateway timeout, first attempt had in fact "
        "succeeded. Refunded the second charge. Known retry issue, see {eng}.",
        "our payment processor",
    ),
    Scenario(
        SUBSCRIPTION, None, M,
        "Our VAT number is missing from invoices",
        "Our accountant says the Larkline invoices must show our VAT number and registered "
        "company name, otherwise we can't reclaim the VAT. Can you fix the last few invoices?",
        "Of course, {first}. Could you send me the VAT number and the registered name and "
        "address exactly as they should appear?",
        "The registered name is the same as our trading name, the address is 14 Quay Street, "
        "and the VAT number is in the letter I've attached.",
        "I've added the VAT details to your billing profile and re-issued the last three "
        "invoices, including {invoice}. You'll find them under Settings > Billing.",
        "VAT number validated against the registry before updating. Re-issued 3 invoices.",
        "the VAT registry",
    ),
    Scenario(
        SUBSCRIPTION, None, L,
        "Downgrade to the {plan} plan from next month",
        "We've gone down to two staff over the winter, so we don't need the bigger plan any "
        "more. Can we move to {plan} from next month?",
        "Sure, {first}. One thing to check first: {plan} includes up to 2 calendars and you "
        "currently have 4. Which two should stay active?",
        "Keep mine and Sam's, archive the other two. We may need them again in spring.",
        "Done: from your next renewal you're on {plan}, and the two other calendars will be "
        "archived (not deleted) that day. You can bring them back any time.",
        "Scheduled downgrade at renewal; archiving the two extra calendars at the same time.",
    ),
    Scenario(
        SUBSCRIPTION, None, M,
        "Invoice {invoice} shows our old address",
        "We moved offices in the summer but {invoice} still has the old address on it. Our "
        "finance team won't book it like that.",
        "Sorry about that, {first}. Which address should appear, and should I also update it "
        "for future invoices?",
        "The new address is Unit 4, Mill Yard. Yes please, for all future invoices too.",
        "Updated your billing address and re-issued {invoice} with Unit 4, Mill Yard. Future "
        "invoices will use it automatically.",
        "Billing profile address had never been updated; only the company profile was.",
    ),
    Scenario(
        SUBSCRIPTION, None, M,
        "Why did our bill go up this month?",
        "This month's invoice is {amount}, about a third more than usual. Nothing changed on "
        "our side as far as I know. Can you explain?",
        "Let me check, {first}. Did anyone on your team add staff calendars or turn on text "
        "reminders recently? Both are billed per use.",
        "Ah, our manager turned on SMS reminders at the start of the month. Is that it?",
        "That's it: SMS reminders were {count} hundred messages this month. You can cap them "
        "under Settings > Reminders, or switch to email-only reminders, which are free.",
        "Usage report: SMS add-on enabled on the 1st, accounts for the whole difference.",
    ),
    Scenario(
        SUBSCRIPTION, None, M,
        "Please cancel our subscription at the end of the term",
        "We're closing our second location and consolidating onto another system. Please "
        "cancel our Larkline subscription at the end of the current term.",
        "Sorry to see you go, {first}. Before I cancel: would it help to keep one location on "
        "the {plan} plan? I can also offer two months at half price while you decide.",
        "Thanks, but the decision has been made. Please just make sure we can export "
        "everything first.",
        "Understood. Your subscription ends at the end of this term and won't renew. You can "
        "export all clients, appointments and invoices under Settings > Export until then.",
        "Retention offer declined. Cancellation scheduled at term end; reminded them to "
        "export.",
    ),
    Scenario(
        SUBSCRIPTION, None, L,
        "Is there a discount for paying annually?",
        "We're happy with Larkline and would like to pay yearly instead of monthly if it saves "
        "us something. How does that work?",
        "Annual billing saves two months, {first}. Would you like the switch from your next "
        "renewal, or right away with the unused part of this month credited?",
        "Right away with the credit, please.",
        "Done: you're on annual billing from today, with this month's unused part credited. "
        "The new invoice {invoice} is under Settings > Billing.",
        "Switched to annual with pro-rata credit.",
    ),
    # --- payments & payouts ---
    Scenario(
        PAYMENTS, "Invoicing", H,
        "Last week's payout hasn't arrived",
        "The payout for last week's card payments, around {amount}, was due on {day} and still "
        "isn't in our bank account. We need it for payroll.",
        "I understand the urgency, {first}. Could you confirm the last four digits of the bank "
        "account you expect it in? I'd like to rule out an old account on file.",
        "It ends in 7730, the same one as always.",
        "The payout was held for a routine check by our payment processor and was released "
        "this morning. It should be in your account by tomorrow. Sorry for the worry.",
        "Payout held in compliance review at the processor; no issue with the account itself.",
        "our payment processor",
    ),
    Scenario(
        PAYMENTS, "Invoicing", H,
        "Client's card declined but she was charged",
        "A client tried to pay online, got 'card declined', paid again with another card, and "
        "now her bank shows both charges. She's not happy with us.",
        "Sorry, {first}. Could you send me the client's name or the booking date and time? "
        "Then I can find both attempts.",
        "Booking on {day} at 2pm, client name is Rachel Moore.",
        "The first attempt was only an authorisation that was never captured; her bank will "
        "release it within a few days. Only one payment of {amount} actually went through.",
        "Authorisation without capture after a 3-D Secure timeout. Nothing to refund.",
        "the card issuer",
    ),
    Scenario(
        PAYMENTS, "Invoicing", M,
        "Refund a client who paid twice",
        "A client paid twice for the same appointment, once online and once at the desk by "
        "card. How do I refund the online payment?",
        "You can do it from the payment itself, {first}: is it the online payment on the "
        "booking page, or the one from the card reader you'd like to refund?",
        "The online one, please. Amount is {amount}.",
        "Open the booking, click the online payment, then 'Refund'. I've done this one for you "
        "already; the client sees the money within 5-10 business days.",
        "Refunded on their behalf; sent the how-to for next time.",
    ),
    Scenario(
        PAYMENTS, "Invoicing", L,
        "Take a deposit when clients book online",
        "We lose a lot of money on no-shows. Can clients be asked for a deposit when they book "
        "online, and can it be different per service?",
        "Yes, {first}. Do you want the deposit as a fixed amount or a percentage of the price? "
        "Both work per service.",
        "Fixed, about $20 for the long treatments only.",
        "Under Services, open each long treatment and set 'Deposit' to $20. Clients then pay it "
        "when booking, and it's deducted from the final invoice automatically.",
        "How-to; customer has had {count} no-shows this month according to Insights.",
    ),
    Scenario(
        PAYMENTS, "Invoicing", H,
        "Chargeback notice: what do we need to send?",
        "We got an email about a chargeback of {amount} from a client who says she never "
        "visited us. She did, we have her signature. What do we do?",
        "We'll help you respond, {first}. Could you attach the booking confirmation and the "
        "signed form? The deadline for evidence is 7 days.",
        "Attached both. She came in on {day} of the week before.",
        "I've submitted your evidence to the card network. Decisions take 30-75 days; we'll "
        "update this ticket when it's decided. The amount is on hold until then.",
        "Dispute evidence submitted: booking confirmation, signed consent form, reminder logs.",
        "the card network",
    ),
    Scenario(
        PAYMENTS, "Invoicing", M,
        "Payment links show the wrong currency",
        "We're based in Ireland but the payment links we send to clients show prices in "
        "dollars. Where do I change that?",
        "Good catch, {first}. Is the currency wrong on all payment links, or only on ones sent "
        "from the mobile app?",
        "Only from the app, the website ones are in euros.",
        "The app used your device's region instead of the account's currency. I've fixed it on "
        "your account; links from the app now show euros.",
        "App falls back to device locale when account currency isn't cached. {eng} filed.",
    ),
    Scenario(
        PAYMENTS, "Invoicing", M,
        "We changed banks: update the payout account",
        "We've moved our business account to a new bank. How do we change where payouts go, "
        "and will anything be delayed?",
        "For your protection, {first}, bank changes need the account owner to confirm by "
        "email. Are you the owner of the {org} account?",
        "Yes, I'm the owner. Please go ahead.",
        "I've sent you a secure link to enter the new bank details. After that, the next payout "
        "goes to the new account; there's a one-time 2-day delay while it's verified.",
        "Owner confirmed. Secure bank-change link sent rather than taking details by email.",
    ),
    # --- bug reports ---
    Scenario(
        BUG, "Scheduler", H,
        "Appointments shifted by one hour after the clock change",
        "Since the weekend every appointment in our calendar shows one hour early. Clients are "
        "turning up at what our calendar says is the wrong time.",
        "That sounds like a time zone issue, {first}. Which time zone is set under Settings > "
        "Locations for your main location?",
        "It says UTC. I never touched it.",
        "Your location was set to UTC instead of your local zone, so the clock change didn't "
        "apply. I've set it to Europe/London; appointments show at the right times again.",
        "Location time zone defaulted to UTC when the location was created via the API. "
        "Asked engineering to default to the account zone instead ({eng}).",
    ),
    Scenario(
        BUG, "Scheduler", U,
        "Booking page says no availability on every day",
        "Our online booking page has shown 'No availability' for every single day since this "
        "morning. We normally get {count} online bookings a day. Please help urgently!",
        "On it, {first}. Did anyone change opening hours or staff rotas today? And does it "
        "happen for every service or only some?",
        "Nobody changed anything. Every service, every staff member.",
        "Found it: a holiday entry covered the whole year instead of one day. I've corrected "
        "it and the booking page shows availability again. Sorry for the lost bookings.",
        "Holiday range end date was 31 Dec instead of the same day. The date picker allowed "
        "it silently; filed {eng} to warn on ranges over 30 days.",
    ),
    Scenario(
        BUG, "Scheduler", M,
        "Clients receive reminder texts twice",
        "Several clients complained they get every reminder text twice, a few seconds apart. "
        "It's been going on for about a week.",
        "Thanks for reporting it, {first}. Do you have both the 'SMS reminder' setting and an "
        "SMS step in an automation turned on? That would send two.",
        "I don't think we have any automations. Just the normal setting.",
        "Our SMS provider was retrying messages it had already delivered. They've fixed it on "
        "their side, and we'll credit the duplicate messages on your next invoice.",
        "Not a config issue. Provider-side duplicate retries, confirmed with their status "
        "page.",
        "our SMS provider",
    ),
    Scenario(
        BUG, "Scheduler", L,
        "Printed rota cut off on the right",
        "When I print the weekly rota, the Sunday column is cut off. I print it every Friday "
        "for the staff room.",
        "Sorry about that, {first}. Which browser do you print from, and is the paper size set "
        "to A4 or Letter?",
        "{browser}, and it's A4.",
        "It's a layout bug with A4 in landscape. Until the fix ships, choose 'Fit to page' in "
        "the print dialog and all seven days fit.",
        "Reproduced with A4 landscape; Letter is fine. Filed {eng}.",
    ),
    Scenario(
        BUG, "Scheduler", M,
        "Searching clients by phone number finds nothing",
        "If I type a client's mobile number into the search box, nothing comes up, even "
        "though the number is on their profile. Searching by name works.",
        "Thanks, {first}. Are the numbers stored with a country code (+44...) and do you type "
        "them with spaces or without?",
        "Stored with +44, I type them like 07700 900123.",
        "Search now matches numbers with or without the country code and spaces; that fix "
        "went out this morning. Could you try again?",
        "Search compared raw strings; fixed by normalising to E.164 on both sides ({eng}).",
    ),
    Scenario(
        BUG, "Invoicing", M,
        "Invoice total is one cent off",
        "On invoice {invoice} the lines add up to one cent more than the total. Our "
        "accountant noticed. Is the tax calculated wrongly?",
        "Good eye, {first}. Do your prices include tax, and are there several lines with the "
        "same tax rate?",
        "Prices include tax, and yes, five lines at 20%.",
        "Tax was rounded per line instead of on the total. We've switched your account to "
        "rounding on the total, which is what your accountant expects.",
        "Per-line rounding is a per-account setting; changed it. Suggest making it default "
        "for tax-inclusive prices.",
    ),
    Scenario(
        BUG, "Scheduler", H,
        "Booking page blank in Safari",
        "Clients with iPhones tell us our booking page is just white. On my laptop in Chrome "
        "it works fine.",
        "Thanks, {first}. Could you ask one of them which iOS version they have, or check on "
        "an iPhone yourself? A screenshot would help too.",
        "My own iPhone shows the same, iOS is up to date. Screenshot attached.",
        "A script on the booking page used a feature older Safari versions don't handle. "
        "We've shipped a fix; the page loads again on all iPhones we tested.",
        "Regression from last deploy; hotfix released. Affects all accounts using Safari.",
    ),
    Scenario(
        BUG, None, U,
        "Everything extremely slow this morning",
        "Every page takes 20-30 seconds to load and the calendar times out. We have a full "
        "waiting room and can't check anyone in.",
        "We're seeing this too, {first}, and engineering is on it. Does it affect the mobile "
        "app as well, or only the web app?",
        "Both, the app is just spinning.",
        "The slowdown was caused by a database maintenance job that ran at the wrong time. "
        "It's stopped and everything is back to normal. We're sorry for the disruption.",
        "Incident: maintenance job overlapped with peak hours. Linked to the incident report; "
        "{count} accounts reported it.",
        "the hosting provider",
    ),
    # --- feature questions ---
    Scenario(
        FEATURE, "Scheduler", L,
        "Can clients book repeating appointments themselves?",
        "Many of our clients come every week at the same time. Can they book a repeating "
        "appointment online instead of booking each one?",
        "They can, {first}. Should it be allowed for all services, or only some (for example, "
        "only the regular sessions)?",
        "Only for the regular 50-minute sessions.",
        "Open the 50-minute service, tick 'Allow repeating bookings', and choose how many weeks "
        "ahead. Clients then see a 'Repeat weekly' option when booking.",
        "How-to. Customer might like the waiting list too; mentioned it.",
    ),
    Scenario(
        FEATURE, "Scheduler", M,
        "Different opening hours per location",
        "We're opening a second location that closes earlier on Fridays. Can each location "
        "have its own opening hours?",
        "Yes, {first}. Is the second location already set up under Settings > Locations, or "
        "should I walk you through creating it?",
        "It's set up, but I only see one set of hours.",
        "Hours live on each location: Settings > Locations > (your new location) > Opening "
        "hours. The top-level hours are only the default for new locations.",
        "Common confusion between default hours and location hours. Docs could be clearer.",
    ),
    Scenario(
        FEATURE, "Scheduler", L,
        "Can we change the wording of reminder emails?",
        "Our reminder emails sound very formal. Can we write our own text, and add our "
        "cancellation policy?",
        "You can, {first}. Would you like one text for all services, or different texts per "
        "service?",
        "One for all is fine.",
        "Settings > Reminders > Edit template. You can use placeholders like {{client_name}} "
        "and add your cancellation policy at the bottom; there's a preview button.",
        "How-to.",
    ),
    Scenario(
        FEATURE, "Scheduler", L,
        "Waiting list when a slot is fully booked?",
        "Our Saturday slots are always full. Is there a waiting list, so clients get notified "
        "when someone cancels?",
        "There is, {first}. Are you on the {plan} plan? The waiting list is included from "
        "Professional upwards.",
        "We're on Professional, yes.",
        "Then turn on Settings > Booking page > Waiting list. Clients on the list get a text "
        "when a slot opens, first come first served.",
        "Feature exists; customer didn't know. Tagging for the onboarding team.",
    ),
    Scenario(
        FEATURE, "Scheduler", M,
        "Can staff only see their own appointments?",
        "For privacy we'd like our therapists to see only their own clients and appointments, "
        "not everyone's. Is that possible?",
        "It is, {first}. Should they still be able to see when colleagues are busy (without "
        "client names), for example to book a shared room?",
        "Yes, busy/free would be ideal.",
        "Give them the 'Practitioner' role under Settings > Team: they see their own "
        "appointments in full and colleagues' only as busy blocks.",
        "Role-based visibility; they were all on 'Staff'.",
    ),
    Scenario(
        FEATURE, "Scheduler", L,
        "Group classes with a capacity limit",
        "We want to start small group classes with at most 8 people. Can Larkline handle "
        "classes with a maximum number of participants?",
        "Yes, {first}. Will the classes be on fixed days each week, or scheduled ad hoc?",
        "Tuesdays and Thursdays at 6pm.",
        "Create a service of type 'Class', set capacity to 8, then add it to the rota on "
        "Tuesdays and Thursdays. The booking page shows the places left.",
        "How-to; recommended the class template.",
    ),
    # --- data import & export ---
    Scenario(
        DATA, "Scheduler", M,
        "Client import fails at row {n}",
        "I'm importing our client list from a spreadsheet and it stops at row {n} with "
        "'Invalid value'. I can't see anything wrong with that row.",
        "Sorry for the hassle, {first}. Could you attach the file, or at least that row? "
        "Dates of birth in an unexpected format are the usual cause.",
        "Attached the file. Row {n} has a birth date written as 3rd May.",
        "That's it: the importer needs dates like 1985-05-03. I've converted the dates in your "
        "file and re-run the import; all clients are in.",
        "Importer only accepts ISO dates; the error message doesn't say which column. {eng}.",
    ),
    Scenario(
        DATA, "Insights", M,
        "Need a full export for our accountant",
        "Our accountant wants a full export of this year's appointments and invoices. Where "
        "can I get that in one file?",
        "Sure, {first}. Does your accountant need it as a spreadsheet, or in a format for "
        "specific accounting software?",
        "A spreadsheet is fine.",
        "Settings > Export > 'Appointments and invoices', choose this year, and you'll get a "
        "download link by email within a few minutes.",
        "How-to.",
    ),
    Scenario(
        DATA, "Scheduler", H,
        "Imported appointments under the wrong staff member",
        "We imported next month's appointments from our old system and now they're all on "
        "Sam's calendar, even the ones for the other four therapists.",
        "Sorry, {first}. In the file, is the therapist in a column called 'Staff' or something "
        "else? The importer matches on that column.",
        "It's called 'Practitioner'.",
        "I've re-mapped 'Practitioner' to staff and moved the {count} appointments to the right "
        "calendars. Clients were not notified of the move.",
        "Ran the re-assignment with notifications off. Double-checked against the file.",
    ),
    Scenario(
        DATA, "Scheduler", M,
        "Duplicate clients after CSV import",
        "After importing our client list, many clients appear twice. Can you remove the "
        "duplicates, or do I have to do it by hand?",
        "We can merge them, {first}. Should clients with the same email be merged, or also "
        "those with the same name and phone but different emails?",
        "Same email only, please. Some families share a phone.",
        "Merged {count} duplicate pairs with the same email, keeping the history of both. "
        "Clients with different emails were left alone.",
        "Bulk merge by email; export kept as a backup before merging.",
    ),
    Scenario(
        DATA, None, M,
        "Migrating from our old booking system",
        "We're switching to Larkline from our old booking software. Can you migrate our "
        "clients and future appointments, or do we do it ourselves?",
        "We can do it for you, {first}. Could you send an export from the old system and tell "
        "us which date you want to go live?",
        "Export attached. We'd like to go live on the 1st.",
        "Migration is done: clients and all future appointments are in, and I've sent you a "
        "short report of the records we couldn't import (three with no contact details).",
        "Migration of a mid-size account; worth a review before running in production.",
        "our migrations team",
    ),
    Scenario(
        DATA, "Insights", L,
        "Names with accents garbled in the export",
        "In the client export, names like Zoë or José come out as strange symbols when I open "
        "the file in my spreadsheet program.",
        "Thanks, {first}. Which spreadsheet program do you open it in, and do you open it by "
        "double-clicking the file or via File > Import?",
        "Double-click, in Excel.",
        "Excel assumes an old encoding on double-click. Under Settings > Export you can now "
        "choose 'Excel-compatible', which keeps the accents intact.",
        "Known Excel/UTF-8 issue; we added the BOM option last release.",
    ),
    # --- integrations & API ---
    Scenario(
        INTEGRATIONS, "Connect", H,
        "Webhook deliveries failing with timeouts",
        "Since yesterday our endpoint receives about half of your webhooks; the webhook log "
        "says 'timeout after 10s'. Our endpoint answers in under a second.",
        "Thanks, {first}. Could you send me the endpoint URL and a delivery id from the log? "
        "I'd like to trace one from our side.",
        "Delivery id whk_{n}, endpoint is our usual /larkline/hooks.",
        "Our delivery workers in one region had a network problem reaching your host; that's "
        "fixed and failed deliveries have been replayed. Your log should be all green now.",
        "Traced: TCP connect timeouts from one egress region only. Network team fixed the "
        "route; replayed {count} failed deliveries.",
        "our cloud network provider",
    ),
    Scenario(
        INTEGRATIONS, "Connect", M,
        "API returns 429 during our nightly sync",
        "Our nightly sync of clients and appointments gets '429 Too Many Requests' after a few "
        "minutes. What's the limit and how should we handle it?",
        "The limit is 600 requests per minute per token, {first}. Roughly how many records "
        "does your sync fetch, and do you page with first=200?",
        "About 40,000 records, and we use the default page size.",
        "With first=200 you'd need a fifth of the requests. Also honour the Retry-After header "
        "on 429 responses; then the sync finishes without errors.",
        "Their client ignored Retry-After and used the smallest page size.",
    ),
    Scenario(
        INTEGRATIONS, "Connect", H,
        "Google Calendar sync stopped updating",
        "Bookings made since {day} don't show up in our staff's Google Calendars any more. "
        "The connection page still says 'Connected'.",
        "Sorry, {first}. Did anyone change their Google password or security settings around "
        "then? That can invalidate the connection without us noticing.",
        "Not that I know of. It's affecting all {count} staff, not just one.",
        "The calendar provider had changed a permission requirement. We've updated our "
        "integration; please press 'Reconnect' once on the connection page and it syncs again.",
        "Provider changed required scopes; our token refresh failed silently. Fix released.",
        "the calendar provider",
    ),
    Scenario(
        INTEGRATIONS, "Connect", M,
        "OAuth token expires after an hour",
        "Our integration works for an hour and then every call fails with 401. How do we keep "
        "the access token valid?",
        "Access tokens live one hour, {first}. Did you request the offline_access scope when "
        "connecting? Without it there is no refresh token.",
        "We didn't, we only asked for read and write.",
        "Add offline_access to the scopes and reconnect once; you then get a refresh token to "
        "exchange for a new access token before the hour is up.",
        "Docs explain this but only in the reference, not in the quick start.",
    ),
    Scenario(
        INTEGRATIONS, "Connect", H,
        "Accounting integration creates every invoice twice",
        "Every invoice we create in Larkline now appears twice in our accounting software. "
        "Our bookkeeper is spending hours deleting duplicates.",
        "Sorry about that, {first}. Is it possible the integration was connected twice, for "
        "example once by you and once by your bookkeeper?",
        "Yes! Both of us connected it last month.",
        "That explains it: two connections, two copies. I've removed the older connection; new "
        "invoices will arrive once. I've also listed the duplicates for your bookkeeper.",
        "Two active connections to the same ledger. We should refuse a second one ({eng}).",
        "the accounting software vendor",
    ),
    Scenario(
        INTEGRATIONS, "Connect", M,
        "Pagination cursor skips records",
        "When we list clients with the cursor, some clients never show up. If we sort by name "
        "they appear. Is there a bug in pagination?",
        "Interesting, {first}. Are clients being created or edited while you page through? "
        "Which sort order do you use?",
        "Yes, our front desk works while we sync. We sort by updatedAt.",
        "Sorting by updatedAt while records change moves them between pages. Sort by id (the "
        "default) for a full sync, and use updatedSince for incremental runs.",
        "Not a bug: unstable sort key under concurrent updates. Suggested a docs note.",
    ),
    Scenario(
        INTEGRATIONS, "Connect", L,
        "Sandbox account for testing our integration",
        "We're building an integration for our clinic software. Is there a sandbox account so "
        "we don't test against real client data?",
        "Yes, {first}. Which email should own the sandbox, and do you need test card payments "
        "as well?",
        "dev@ our domain, and yes, test payments would be great.",
        "Your sandbox is ready; the invitation went to the address you gave. Test cards are "
        "listed in the developer docs under 'Testing payments'.",
        "Sandbox created with test payment mode.",
    ),
    # --- mobile app ---
    Scenario(
        MOBILE, "Mobile", H,
        "Android app crashes when opening the calendar",
        "Since the last update the app closes as soon as I tap Calendar. I'm on a {device}. "
        "Reinstalling didn't help.",
        "Sorry, {first}. Could you tell me which Android version you're on and whether you "
        "use a large font size in the phone's settings?",
        "Android 14, and yes, I use the largest font.",
        "That was the trigger: the new calendar crashed with the largest font size. Version "
        "5.12.1 fixes it and is rolling out in the store now.",
        "Crash reproduced with font scale 2.0 on Android 14. Fix in 5.12.1.",
        "the app store review",
    ),
    Scenario(
        MOBILE, "Mobile", M,
        "Push notifications stopped on iPhone",
        "I no longer get notifications for new bookings on my iPhone. They worked until about "
        "a week ago.",
        "Thanks, {first}. In the iPhone's Settings > Notifications > Larkline, are "
        "notifications allowed, and is a Focus mode on during work hours?",
        "Notifications are allowed, but yes, I set up a Work focus last week.",
        "The Work focus was silencing Larkline. Add Larkline to the allowed apps of that focus "
        "and notifications come through again.",
        "Device setting, not our push service.",
    ),
    Scenario(
        MOBILE, "Mobile", M,
        "Can't sign in to the app with single sign-on",
        "Our team signs in with our company account on the web, but in the app the SSO button "
        "just reloads the page.",
        "Sorry, {first}. Which identity provider does your company use, and does it require "
        "a managed device?",
        "We use our own IT provider's login, and yes, devices must be enrolled.",
        "Your provider blocked the app's sign-in from unenrolled devices. Your IT team can "
        "allow the Larkline app in their device policy; I've sent them the app's identifier.",
        "Conditional access policy at the IdP; sent bundle id and redirect URI.",
        "the customer's identity provider",
    ),
    Scenario(
        MOBILE, "Mobile", H,
        "Changes made offline disappeared",
        "I moved three appointments in the app while I had no signal. When I got signal back "
        "the changes were gone and the clients got no notification.",
        "That's not good, {first}. Which app version do you have (Settings > About), and did "
        "you close the app before signal returned?",
        "Version 5.11.0. I might have swiped it closed, yes.",
        "Closing the app dropped changes still waiting to sync. 5.12 keeps them until they're "
        "sent. I've re-applied your three moves from the app's logs.",
        "Offline queue not persisted before 5.12; recovered changes from the device log upload.",
    ),
    Scenario(
        MOBILE, "Mobile", M,
        "App doesn't show our new location",
        "We added a new location yesterday on the website, but it doesn't appear in the app, "
        "so staff there can't see their appointments.",
        "Thanks, {first}. Have the staff at the new location been added to it under Settings > "
        "Team? The app only shows locations a user belongs to.",
        "Ah, no, they're still only on the main location.",
        "Add them to the new location and the app shows it after a pull-to-refresh.",
        "How-to; location membership.",
    ),
    Scenario(
        MOBILE, "Mobile", L,
        "Client notes cut off on the tablet",
        "On our {device}, long client notes are cut off after three lines and I can't scroll. "
        "On the phone it works.",
        "Thanks, {first}. Is the tablet in landscape or portrait when it happens?",
        "Landscape, it's on a stand at reception.",
        "The notes panel didn't grow in landscape on tablets. Fixed in 5.12.1; tapping the "
        "note opens it full screen until then.",
        "Tablet landscape layout bug; {eng}.",
    ),
)


# --- the rest of the conversation ------------------------------------------------------

# The agent's first answer when they need time (investigating, or before a hand-off).
ACKNOWLEDGEMENTS = (
    "Hi {first}, thanks for the details. I'm looking into this now and will get back to you "
    "as soon as I know more.",
    "Thanks for reaching out, {first}. I've reproduced what you describe and I'm digging into "
    "the cause. I'll update you here.",
    "Hi {first}, sorry for the trouble. I'm checking this with the team and will come back to "
    "you today.",
    "Thanks, {first}. I can see the problem on your account and I'm working on it.",
)

# A public reply when handing over to a third party, and the internal note beside it.
THIRD_PARTY_REPLY = (
    "Hi {first}, I've raised this with {party} (reference {ref}). They usually respond within "
    "one or two business days, and I'll update you as soon as I hear back."
)
THIRD_PARTY_NOTES = (
    "Opened case {ref} with {party}. Nothing more we can do until they answer.",
    "Escalated to {party}, case {ref}. Asked for an ETA.",
    "Sent logs and timestamps to {party} ({ref}). Following up daily.",
)
THIRD_PARTY_BACK = (
    "{party} came back on {ref}: fixed on their side. Checked the customer's account, looks "
    "right now.",
    "Update on {ref}: {party} confirmed the cause and has fixed it.",
)

# Waiting for review: an agent asks for a second look; a supervisor answers.
REVIEW_REQUESTS = (
    "The customer asks for a goodwill credit of {amount}, which is above my limit. Could a "
    "supervisor review before I reply?",
    "My answer promises a fix date for {eng}. Please review before it goes out.",
    "This needs a manual data correction on the live account. Requesting review before I run "
    "it.",
    "The customer is unhappy with how long this has taken. Would like a second pair of eyes "
    "on my reply before sending.",
)
REVIEW_APPROVALS = (
    "Reviewed: approved, go ahead.",
    "Fine to send. I'd soften the second paragraph a little.",
    "OK to run the correction. Take an export first, please.",
    "Approved the credit. Mention it on the next invoice.",
)

# Customer messages not tied to one scenario.
ADDENDA = (
    "Just to add: this is affecting {count} of our clients today, so a quick answer would be "
    "really appreciated.",
    "One more detail: I'm out of the office tomorrow, my colleague will follow up on this "
    "ticket.",
    "Forgot to mention, we're on the {plan} plan in case that matters.",
)
CHASERS = (
    "Any news on this? It's still affecting us.",
    "Hello, just checking in. Is there an update?",
    "Sorry to chase, but our team keeps asking me about this. Any idea when it'll be sorted?",
)
THANKS = (
    "That did it, thank you {agent}!",
    "Perfect, all sorted now. Thanks for the quick help.",
    "Works again. Really appreciate it.",
    "Thanks, that's exactly what I needed.",
    "Great, thank you. You can close this.",
)
RELAPSES = (
    "Sorry to come back to this, but it happened again this morning.",
    "Unfortunately it's back. Same problem as before, since yesterday afternoon.",
    "I thought it was fixed, but two of my colleagues still see the old behaviour.",
)
RELAPSE_FIXES = (
    "Sorry it came back, {first}. A second setting was overriding the first fix; I've "
    "corrected that too. Please let me know if you see it again.",
    "Thanks for telling us, {first}. The first fix only applied to new records; I've now "
    "applied it to the existing ones as well.",
)
CONFIRM_REQUESTS = (
    "Could you confirm that it works on your side now, {first}? I'll keep the ticket open until "
    "I hear from you.",
    "I've applied the fix, {first}. Can you check and let me know whether everything looks "
    "right?",
)
ESCALATION_NOTES = (
    "Customer says {count} clients are affected. Raising the priority.",
    "Wider impact than it first looked ({count} clients): bumping priority.",
)
HANDOVER_NOTES = (
    "Looks like a bug rather than a how-to. Passing to {group}.",
    "Needs someone from {group}, handing over.",
)
TRIAGE_NOTES = (
    "Picking this up.",
    "Familiar one, I'll take it.",
    "Taking this; similar to a ticket last week.",
)

PLANS = ("Starter", "Professional", "Business")
DEVICES = ("Pixel 8", "Galaxy S23", "Galaxy Tab S9", "Moto G54", "iPad Air", "iPhone 15")
BROWSERS = ("Chrome", "Firefox", "Edge", "Safari")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


# How urgent tickets read: the classifier learns its priority suggestion from these.
PRIORITY_EXAMPLES: dict[Priority, tuple[str, ...]] = {
    Priority.URGENT: (
        "Nobody in our company can log in, the whole team is blocked right now",
        "All payouts failed this morning and our sellers are not getting paid",
        "Checkout is returning errors for every customer, we are losing sales",
        "The API has been down for twenty minutes, production is stopped",
        "We think someone got into our admin account and changed the bank details",
        "Customers are being charged over and over for the same order",
    ),
    Priority.HIGH: (
        "Card payments fail for some of our customers since this afternoon",
        "The webhook stopped delivering events, our orders are not syncing",
        "I am locked out of my account and have a client demo in an hour",
        "The invoice run charged the wrong amount to several subscribers",
        "Reports page crashes for our finance team at month end",
        "Two factor codes are not arriving so I cannot sign in today",
    ),
    Priority.MEDIUM: (
        "The export to CSV has the wrong date format",
        "Please change the billing address on our next invoice",
        "The dashboard chart loads slowly in the afternoon",
        "One of my team members did not receive the invitation email",
        "The mobile app logs me out every few days",
        "A refund from last week has not shown up on my statement yet",
    ),
    Priority.LOW: (
        "Is there a way to change the colour of the email templates?",
        "Just a suggestion: it would be nice to have a dark mode",
        "Where can I find your documentation for the reporting API?",
        "Could you send me a copy of last year's invoices when you have time?",
        "Small typo on the pricing page, thought you would like to know",
        "Do you plan to support more languages in the customer portal?",
    ),
}


# --- knowledge base ----------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleSeed:
    """A help-center article (PUBLIC) or a team note (INTERNAL) as Larkline would have it."""

    title: str
    body: str  # Markdown
    category: str
    product: str | None  # a ProductSeed.key
    tags: tuple[str, ...]
    visibility: ArticleVisibility = ArticleVisibility.PUBLIC
    status: ArticleStatus = ArticleStatus.PUBLISHED
    age_days: int = 90  # when it was written, backdated like the rest of the desk


ARTICLES = (
    ArticleSeed(
        "Resetting your password",
        "If you forgot your password or it no longer works:\n\n"
        "1. Open the sign-in page and choose **Forgot password?**\n"
        "2. Enter the email address you sign in with.\n"
        "3. Open the reset mail within 30 minutes and choose a new password.\n\n"
        "**The reset mail does not arrive?** Look in your spam or junk folder, and ask your IT "
        "team to allow mail from `larkline.example`. Company mail filters often hold it back for "
        "a few minutes. Each new request makes the previous link invalid, so use the newest mail.",
        ACCOUNT, "Scheduler", ("password", "sign-in"), age_days=400,
    ),
    ArticleSeed(
        "Setting up two-factor authentication",
        "Two-factor authentication asks for a six-digit code from an authenticator app after "
        "your password.\n\n"
        "* Go to **Profile > Security** and choose **Turn on two-factor**.\n"
        "* Scan the QR code with Google Authenticator, 1Password or a similar app.\n"
        "* Keep the recovery codes somewhere safe.\n\n"
        "**Codes are rejected?** The codes depend on your phone's clock: turn on automatic date "
        "and time in the phone's settings and try again.",
        ACCOUNT, "Scheduler", ("two-factor", "security", "sign-in"), age_days=300,
    ),
    ArticleSeed(
        "Adding your VAT number and company name to invoices",
        "Subscription invoices show the billing details of your account.\n\n"
        "1. Go to **Settings > Billing > Company details**.\n"
        "2. Enter the registered company name, address and VAT number.\n"
        "3. Save: the next invoice carries them.\n\n"
        "Need an earlier invoice reissued with the new details? Reply to any invoice mail and our "
        "billing team reissues it within two working days.",
        SUBSCRIPTION, "Invoicing", ("invoice", "vat", "billing"), age_days=250,
    ),
    ArticleSeed(
        "When will my payout arrive?",
        "Card payments your clients make are paid out to your bank account every weekday.\n\n"
        "* Payments are held for **2 working days**, then sent.\n"
        "* Most banks show the payout the next working day; some take up to 3 days.\n"
        "* Bank holidays move the schedule by a day.\n\n"
        "You can follow every payout under **Payments > Payouts**. A payout marked *failed* "
        "usually means the bank details changed: check them under **Settings > Payouts**.",
        PAYMENTS, "Invoicing", ("payout", "bank", "payments"), age_days=200,
    ),
    ArticleSeed(
        "Connecting Google Calendar",
        "Larkline can put every booking into your Google Calendar and block times you are busy.\n\n"
        "1. Go to **Integrations > Google Calendar** and choose **Connect**.\n"
        "2. Sign in with Google and allow access to your calendars.\n"
        "3. Pick the calendar bookings are written to.\n\n"
        "**New bookings stopped showing?** Google ends the connection when your Google password "
        "changes. Disconnect and connect again; bookings made meanwhile are synced within minutes.",
        INTEGRATIONS, "Connect", ("calendar", "google", "sync"), age_days=150,
    ),
    ArticleSeed(
        "Handling 429 Too Many Requests from the Connect API",
        "The Connect API allows **600 requests per minute** per API key. Above it, it answers "
        "`429 Too Many Requests` with a `Retry-After` header.\n\n"
        "```python\n"
        "response = client.get(url)\n"
        "if response.status_code == 429:\n"
        "    time.sleep(int(response.headers[\"Retry-After\"]))\n"
        "```\n\n"
        "For nightly syncs, page with `updated_since` instead of reading everything, and spread "
        "the work over the night.",
        INTEGRATIONS, "Connect", ("api", "rate limit", "sync"), age_days=120,
    ),
    ArticleSeed(
        "Known issue: appointments moved by one hour after the clock change",
        "Calendars synced before the daylight-saving change may show bookings one hour off.\n\n"
        "Workaround until ENG-2291 ships: in **Settings > Locations** save the location's time "
        "zone again (no change needed), then ask the customer to reconnect their calendar. Do not "
        "move the bookings by hand: the fix would move them again.",
        BUG, "Scheduler", ("known issue", "time zone", "calendar"), ArticleVisibility.INTERNAL,
        age_days=20,
    ),
    ArticleSeed(
        "Refunding a duplicate subscription charge",
        "When a customer was charged twice for the same period:\n\n"
        "1. Check both charges in the billing console (same amount, same period).\n"
        "2. Refund the second one in full; never the first, which the invoice points to.\n"
        "3. Tell the customer refunds take 5-10 working days to show on their statement.\n\n"
        "Tag the ticket `money` so the monthly reconciliation finds it.",
        SUBSCRIPTION, "Invoicing", ("refund", "duplicate charge"), ArticleVisibility.INTERNAL,
        age_days=60,
    ),
    ArticleSeed(
        "Importing clients from a spreadsheet",
        "Save the spreadsheet as CSV (UTF-8) with one client per row and the columns *name*, "
        "*email* and *phone*, then use **Clients > Import**. Rows with an email already in "
        "Larkline update that client instead of adding a second one.",
        DATA, "Scheduler", ("import", "csv"), status=ArticleStatus.DRAFT, age_days=5,
    ),
    ArticleSeed(
        "Using the classic booking widget",
        "The classic booking widget was replaced by booking pages in 2024. Existing widgets keep "
        "working, but new features come to booking pages only.",
        FEATURE, "Scheduler", ("booking page", "widget"), status=ArticleStatus.ARCHIVED, age_days=700,
    ),
)
