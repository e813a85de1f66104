"""What the desk does with the classifier's scores: pure, so the thresholds are table-tested.

Below the confidence threshold the ticket keeps no category and waits for a person (the
triage review queue); the learned priority only counts when it is confident too, and the
priority rules raise it either way.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.enums import CustomerTier, Priority
from domain.rules.priority_rules import PriorityRuleSpec, suggest_priority


@dataclass(frozen=True)
class Scores:
    category_id: int | None  # the classifier's best category; None: no category model yet
    category_confidence: float
    priority: Priority | None  # the best priority learned from examples; None: no model
    priority_confidence: float
    # The best top-level category with subcategories summed into their parents; None: the
    # same as category_id (no subcategories).
    family_id: int | None = None
    family_confidence: float = 0.0


@dataclass(frozen=True)
class Verdict:
    category_id: int | None
    confidence: float
    needs_review: bool
    suggested_priority: Priority
    reasons: tuple[str, ...]
    model: str
    # The category is a top-level one the desk was sure of where it was not sure of the
    # subcategory: a person may still pick the subcategory.
    rolled_up: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "categoryId": self.category_id,
            "confidence": round(self.confidence, 4),
            "needsReview": self.needs_review,
            "suggestedPriority": self.suggested_priority.name,
            "reasons": list(self.reasons),
            "model": self.model,
            "rolledUp": self.rolled_up,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Verdict":
        return cls(
            category_id=data.get("categoryId"),
            confidence=float(data.get("confidence", 0.0)),
            needs_review=bool(data.get("needsReview", False)),
            suggested_priority=Priority[data.get("suggestedPriority", Priority.MEDIUM.name)],
            reasons=tuple(data.get("reasons", ())),
            model=str(data.get("model", "")),
            rolled_up=bool(data.get("rolledUp", False)),
        )


def decide(
    scores: Scores,
    *,
    threshold: float,
    tier: CustomerTier,
    text: str,
    rules: Sequence[PriorityRuleSpec],
    model: str,
) -> Verdict:
    """The category when its confidence reaches the threshold; else its parent (the best
    top-level category, its subcategories summed into it) when that one's does; else the
    best guess, for review. A parent that is itself the best label is as sure as its sum."""
    learned = scores.priority if scores.priority_confidence >= threshold else None
    suggestion = suggest_priority(learned=learned, tier=tier, text=text, rules=rules)
    category_id, confidence, rolled = scores.category_id, scores.category_confidence, False
    if category_id is None:
        confidence = 0.0
    elif scores.family_id == category_id:
        # The best label is a parent with examples of its own: its subcategories count for it.
        confidence = max(confidence, scores.family_confidence)
    elif (confidence < threshold and scores.family_id is not None
          and scores.family_confidence >= threshold):
        category_id, confidence, rolled = scores.family_id, scores.family_confidence, True
    return Verdict(
        category_id=category_id,
        confidence=confidence,
        needs_review=category_id is not None and confidence < threshold,
        suggested_priority=suggestion.priority,
        reasons=suggestion.reasons,
        model=model,
        rolled_up=rolled,
    )


def event_note(verdict: Verdict, category_name: str | None) -> str:
    """The log line: "classified as Bug report, 0.91"."""
    if verdict.category_id is None or category_name is None:
        return f"priority suggested: {verdict.suggested_priority.name}"
    if verdict.needs_review:
        return f"needs review: best guess {category_name}, {verdict.confidence:.2f}"
    if verdict.rolled_up:
        return f"classified as {category_name} (subcategory unsure), {verdict.confidence:.2f}"
    return f"classified as {category_name}, {verdict.confidence:.2f}"
