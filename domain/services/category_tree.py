"""Where a category sits: subcategories and their top-level parents. Read by everything that
lets a parent hold for its subcategories (routing, skills, SLA conditions, the classifier's
roll-up, KPIs, accuracy), so they all read it the same way."""

from typing import cast

from domain.models import Category


async def parents() -> dict[int, int]:
    """Each subcategory's parent (the categories table is small: read whole)."""
    rows = await Category.filter(parent_id__isnull=False).values_list("id", "parent_id")
    return dict(cast(list[tuple[int, int]], rows))


async def with_parent(category_id: int | None) -> tuple[Category | None, Category | None]:
    """The category and, for a subcategory, its parent."""
    category = await Category.get_or_none(id=category_id) if category_id is not None else None
    if category is None or category.parent_id is None:
        return category, None
    return category, await Category.get_or_none(id=category.parent_id)


def default_group(category: Category | None, parent: Category | None) -> tuple[int, Category] | None:
    """The default group that takes the category's tickets, and whose it is: the category's
    own, else (a subcategory) its parent's."""
    for source in (category, parent):
        if source is not None and source.default_group_id is not None:
            return source.default_group_id, source
    return None
