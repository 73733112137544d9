"""Why something may not happen yet.

SPEC §5: a guard never just says no — it returns the unmet conditions, each with
a code, a message in Chinese and in English, and the clause of the rule set or
seed it enforces.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Unmet:
    """One condition that does not hold."""

    code: str
    zh: str
    en: str
    clause: str = ""

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
