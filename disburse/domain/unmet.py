"""Why something may not happen yet.

SPEC §5: a guard never just says no — it returns the unmet conditions, each with
a code, a message in Chinese and in English, and the clause of the rule set or
seed it enforces. A check on the event's data may name the ``field`` it is about: the event is then
refused as invalid data (422, the message under that field) rather than as a conflict (409).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Unmet:
    """One condition that does not hold."""

    code: str
    zh: str
    en: str
    clause: str = ""
    field: str | None = None

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def as_dict(self, lang: str = "zh") -> dict[str, str]:
        return {
            "code": self.code,
            "message": self.message(lang),
            "message_zh": self.zh,
            "message_en": self.en,
            "clause": self.clause,
        }
