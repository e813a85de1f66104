"""Example texts the triage tests teach their categories with."""

BILLING = [
    "I was charged twice for my subscription this month",
    "Please send me a copy of my latest invoice",
    "My credit card payment was declined when renewing",
    "How do I update the billing address on my invoices",
    "The amount on my invoice is wrong",
    "I want a refund for last month's charge",
]
ACCESS = [
    "I cannot log in to my account",
    "The password reset email never arrives",
    "My account is locked after too many sign-in attempts",
    "The two-factor code is not accepted when I sign in",
    "I forgot my username and cannot get in",
    "The login page keeps saying my password is wrong",
]
BUGS = [
    "The export button crashes the app",
    "Charts do not load on the dashboard",
    "Error 500 when I save a report",
    "The mobile app freezes on startup",
    "Search returns no results even for exact names",
    "The page layout is broken in Firefox",
]
