"""Tags a county's budget line by its words, where the rule set's keyword map is sure (issue 18).

A county's own table has no 资金用途 column: seed 000 §7 heads its columns 大类 | 建设内容 | 金额（万元）.
Its categories still say what the money is for (完善电子商务公共服务中心, 支持农村电子商务培训, …), so the
rule file maps words to tags (``keywords:``, each word cited to the seed that uses it). A line is tagged
only when the words point at exactly one tag; otherwise it stays untagged for the official to choose
(a draft may be untagged; ``file`` is refused until every line is tagged).
"""

import json
from collections.abc import Callable, Mapping
from functools import cache

from disburse.adapters import rulesets


@cache
def keyword_map(rule_set: str) -> dict[str, tuple[str, ...]]:
    """The rule file's ``keywords``: tag → the words that name it; empty for an unknown rule set."""
    try:
        doc = json.loads(rulesets.current(rule_set).content)
    except LookupError:
        return {}
    keywords: Mapping[str, list[str]] = doc.get("keywords") or {}
    return {tag: tuple(words) for tag, words in keywords.items()}


def _named(text: str | None, keywords: Mapping[str, tuple[str, ...]]) -> set[str]:
    if not text:
        return set()
    return {tag for tag, words in keywords.items() if any(word in text for word in words)}


def infer_tag(category: str | None, item: str | None, keywords: Mapping[str, tuple[str, ...]],
              prohibited: frozenset[str] = frozenset()) -> str | None:
    """The one tag the category and item name, or None when the words are silent or point two ways.

    The category decides when it names one tag (seed 000 §7 groups its lines by purpose); else the item
    does, when it names one tag that the category does not contradict. An item that names a prohibited
    use (网络交易平台, 楼堂馆所 …, seed 004 §5(1)) is never tagged by its category: it is tagged with that
    use when nothing else is named, and left for the official otherwise.
    """
    by_category, by_item = _named(category, keywords), _named(item, keywords)
    if (by_item & prohibited) - by_category:
        return next(iter(by_item)) if len(by_item) == 1 and not by_category else None
    if len(by_category) == 1:
        return next(iter(by_category))
    if len(by_item) == 1 and (not by_category or by_item <= by_category):
        return next(iter(by_item))
    return None


def inferrer(rule_set: str | None) -> Callable[[str | None, str | None], str | None]:
    """:func:`infer_tag` with the rule set's keyword map (its tags only) and prohibited uses; without a
    known rule set, never a tag."""
    try:
        rules = rulesets.load(rule_set) if rule_set else None
    except LookupError:
        rules = None
    if rules is None:
        return lambda category, item: None
    vocabulary = rules.vocabulary()
    keywords = {tag: words for tag, words in keyword_map(rules.id).items() if tag in vocabulary}
    prohibited = frozenset(p.tag for p in rules.prohibited)
    return lambda category, item: infer_tag(category, item, keywords, prohibited)
