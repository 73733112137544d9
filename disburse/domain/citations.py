"""The official documents a refusal cites, by number or title, and how a section of one is written.

Users read the documents themselves, never the seeds or the specification: a guard's clause names the
document by its number (文号) where it has one, else by its title in 《》, then the section as the document
numbers it (``五(五)2``). Where only the service's own procedure applies, the clause says so
(:data:`SYSTEM_RULE`). Developers' docstrings and comments keep citing the seeds; this table maps them:

- seed 000 → 柯坪县人民政府 柯政发〔2020〕21号 (the cover report, 报送函; the plan is its 附件)
- seed 001 → 《布尔津县2020年国家级电子商务进农村综合示范500万元（后续资金）实施方案》 (no number)
- seed 002 → 《辽宁省喀喇沁左翼蒙古族自治县国家电子商务进农村综合示范项目实施方案》 (no number)
- seed 003 → 《XX县创建国家级电子商务进农村综合示范县工作实施方案》 (no number)
- seed 004 → 曲靖市人民政府办公室 曲政办发〔2018〕205号

A seed's ``§5(5)2`` is the document's ``五(五)2``: the section in Chinese numerals, the paragraph in
parentheses, the item as the document writes it.
"""

import re

#: Seed 000: the county's report enclosing the plan (its 附件).
KEPING = "柯政发〔2020〕21号"
#: Seed 001.
BURQIN = "《布尔津县2020年国家级电子商务进农村综合示范500万元（后续资金）实施方案》"
#: Seed 002.
KAZUO = "《辽宁省喀喇沁左翼蒙古族自治县国家电子商务进农村综合示范项目实施方案》"
#: Seed 003.
XX_COUNTY = "《XX县创建国家级电子商务进农村综合示范县工作实施方案》"
#: Seed 004.
QUJING = "曲政办发〔2018〕205号"

#: Where no document gives the rule and the service's own procedure applies (four eyes, data checks …).
SYSTEM_RULE = "本系统办理规则（无文件条款）"

#: What a user must never read in a clause: the developers' references (SPEC, seeds, ``§`` sections).
DEVELOPER_FORM = re.compile(r"SPEC|[Ss]eeds?\b|§")


def cite(document: str, section: str = "", quote: str = "") -> str:
    """One citation: ``曲政办发〔2018〕205号 五(五)2``, with the document's words in parentheses if given."""
    text = f"{document} {section}" if section else document
    return f"{text} ({quote})" if quote else text


def cites(*citations: str) -> str:
    """Several citations of one rule, as the workflows write them: joined by ``; ``."""
    return "; ".join(citations)
