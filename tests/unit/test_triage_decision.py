import pytest

from domain.enums import CustomerTier as T
from domain.enums import Priority as P
from domain.rules.priority_rules import PriorityRuleSpec
from domain.rules.triage_decision import Scores, Verdict, decide, event_note

VIP = PriorityRuleSpec(name="vip", customer_tiers=frozenset({T.VIP}), raise_levels=1)


@pytest.mark.parametrize(
    ("scores", "tier", "category", "confidence", "review", "priority"),
    [
        (Scores(7, 0.91, P.LOW, 0.8), T.STANDARD, 7, 0.91, False, P.LOW),
        (Scores(7, 0.69, P.LOW, 0.8), T.STANDARD, 7, 0.69, True, P.LOW),  # below: review
        (Scores(7, 0.70, P.LOW, 0.5), T.STANDARD, 7, 0.70, False, P.MEDIUM),  # unsure priority: baseline
        (Scores(7, 0.95, P.LOW, 0.5), T.VIP, 7, 0.95, False, P.HIGH),  # baseline raised by the rule
        (Scores(None, 0.0, None, 0.0), T.STANDARD, None, 0.0, False, P.MEDIUM),  # nothing trained
        (Scores(None, 0.0, P.URGENT, 0.99), T.STANDARD, None, 0.0, False, P.URGENT),
        # Subcategories: sure of the subcategory, it stands.
        (Scores(7, 0.85, P.LOW, 0.8, family_id=3, family_confidence=0.97), T.STANDARD, 7, 0.85, False, P.LOW),
        # Unsure of the subcategory, sure of its parent: the parent.
        (Scores(7, 0.55, P.LOW, 0.8, family_id=3, family_confidence=0.93), T.STANDARD, 3, 0.93, False, P.LOW),
        # Unsure of both: review, with the subcategory as the best guess.
        (Scores(7, 0.40, P.LOW, 0.8, family_id=3, family_confidence=0.65), T.STANDARD, 7, 0.40, True, P.LOW),
        # The family is the category itself (a top-level category): nothing to fall back to.
        (Scores(3, 0.60, P.LOW, 0.8, family_id=3, family_confidence=0.60), T.STANDARD, 3, 0.60, True, P.LOW),
        # The best label is a parent with examples of its own: its subcategories count for it.
        (Scores(3, 0.60, P.LOW, 0.8, family_id=3, family_confidence=0.93), T.STANDARD, 3, 0.93, False, P.LOW),
        # Exactly at the threshold counts, for the parent as for the category.
        (Scores(7, 0.69, P.LOW, 0.8, family_id=3, family_confidence=0.70), T.STANDARD, 3, 0.70, False, P.LOW),
    ],
)
def test_decide(scores: Scores, tier: T, category: int | None, confidence: float, review: bool, priority: P) -> None:
    verdict = decide(scores, threshold=0.7, tier=tier, text="text", rules=[VIP], model="m")
    assert (verdict.category_id, verdict.confidence, verdict.needs_review, verdict.suggested_priority) == (
        category, confidence, review, priority
    )
    assert Verdict.from_json(verdict.to_json()) == verdict
    assert verdict.rolled_up == (category is not None and category != scores.category_id)


@pytest.mark.parametrize(
    ("verdict", "name", "note"),
    [
        (Verdict(1, 0.912, False, P.LOW, (), "m"), "Bug report", "classified as Bug report, 0.91"),
        (Verdict(1, 0.42, True, P.LOW, (), "m"), "Bug report", "needs review: best guess Bug report, 0.42"),
        (Verdict(None, 0.0, False, P.HIGH, (), "m"), None, "priority suggested: HIGH"),
        (Verdict(3, 0.93, False, P.LOW, (), "m", rolled_up=True), "Billing",
         "classified as Billing (subcategory unsure), 0.93"),
    ],
)
def test_event_note(verdict: Verdict, name: str | None, note: str) -> None:
    assert event_note(verdict, name) == note
