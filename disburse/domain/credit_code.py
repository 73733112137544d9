"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O,
Z, S, V); the 18th is a check character computed from the first 17 with the
weights 3^i mod 31. Seed 003 §5(2)1 asks for independent legal persons, which
this code identifies.
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(first17: str) -> str:
    """The check character for the first 17 characters."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """What is wrong with a code, in words an official understands; None when it is valid."""
    if len(code) != 18:
        return f"a unified social credit code has 18 characters, not {len(code)} (统一社会信用代码应为18位)"
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        return f"characters not allowed in a unified social credit code: {''.join(bad)} (含非法字符)"
    if not code[2:8].isdigit():
        return "characters 3–8 must be the registering authority's 6-digit region code (第3-8位应为行政区划码)"
    expected = check_char(code[:17])
    if code[17] != expected:
        return (f"the check digit is wrong: the 18th character should be {expected}, not {code[17]} "
                f"(校验码错误)")
    return None
