"""Names: the pinyin initials a clerk searches by (张三 → zs), the words of a Latin-script name,
and the generator's name material.

A surname is read as a surname. pypinyin (0.55) reads each character by its most common reading
and has no surname mode (its issues #120 and #297), so 单伟 would be `dw` and 曾敏 `cm`, while
every clerk types `sw` and `zm`. `SURNAME_READINGS` lists the surnames, single and compound, whose
reading as a surname differs from (or is one of several of) the character's readings; the table is
the common readings of 《百家姓》 surnames as given in 《现代汉语词典》 (第7版), checked against
each character's readings in pypinyin's own data (tests/registry/test_names.py).

Characters that pypinyin has no reading for (王𠮷's 𠮷, U+20BB7, CJK Extension B) are kept as they
are, lower-cased, so nothing of a name is dropped. A Latin-script name (a foreigner's, notice 1.4)
contributes the first letter of each word to the initials and each word to `name_words`, so a clerk
finds "John SMITH" by `js`, `john` or `smith`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽涵浩宇轩博文天一子晨辰阳鑫鹏飞")
EMPLOYER_PREFIX = ["北京", "北京市", "中关村", "京城", "首都"]
EMPLOYER_CORE = list("华信达通宏泰恒安盛科联创远景新源和瑞祥丰兴隆鼎晟嘉德诚明")
EMPLOYER_KIND = ["科技有限公司", "贸易有限公司", "餐饮管理有限公司", "建筑工程有限公司", "医院", "物业管理有限公司",
                 "文化传媒有限公司", "信息技术有限公司", "物流有限公司", "商贸中心", "咨询有限公司", "制造有限公司"]
# The industry (GB/T 4754-2017 division) each kind of generated employer is in: a generated
# 建筑工程有限公司 is a builder (E47), never a restaurant (review U15: demo employer 001, a construction
# company, was registered as H62 catering).
EMPLOYER_KIND_INDUSTRY = {
    "科技有限公司": "I65", "贸易有限公司": "F51", "餐饮管理有限公司": "H62", "建筑工程有限公司": "E47", "医院": "Q84",
    "物业管理有限公司": "K70", "文化传媒有限公司": "R87", "信息技术有限公司": "I65", "物流有限公司": "G59",
    "商贸中心": "F52", "咨询有限公司": "L72", "制造有限公司": "C34",
}


def industry_for_name(name: str) -> str | None:
    """The GB/T 4754-2017 division of a generated employer, read from its name's kind
    (``北京华信建筑工程有限公司`` → ``E47``), or None for a name of no known kind."""
    for kind, code in EMPLOYER_KIND_INDUSTRY.items():
        if name.endswith(kind):
            return code
    return None


ETHNICITIES = ["汉族"] * 95 + ["回族", "满族", "蒙古族", "朝鲜族", "土家族"]


# Surname (single or compound) -> its reading as a surname, syllables separated by spaces.
SURNAME_READINGS: dict[str, str] = {
    # compound surnames
    "万俟": "mo qi", "尉迟": "yu chi", "单于": "chan yu", "长孙": "zhang sun", "澹台": "tan tai",
    "乐正": "yue zheng", "子车": "zi ju", "令狐": "ling hu", "欧阳": "ou yang", "上官": "shang guan",
    "司马": "si ma", "诸葛": "zhu ge", "东方": "dong fang", "皇甫": "huang fu", "夏侯": "xia hou",
    "公孙": "gong sun", "慕容": "mu rong", "宇文": "yu wen", "尉缭": "yu liao", "仉督": "zhang du",
    "钟离": "zhong li", "闾丘": "lv qiu", "亓官": "qi guan", "濮阳": "pu yang", "淳于": "chun yu",
    # single surnames read otherwise than the character's most common reading
    "单": "shan", "曾": "zeng", "解": "xie", "查": "zha", "仇": "qiu", "区": "ou", "朴": "piao",
    "繁": "po", "翟": "zhai", "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "瞿": "qu",
    "种": "chong", "重": "chong", "秘": "bi", "冼": "xian", "华": "hua", "过": "guo", "纪": "ji",
    "燕": "yan", "折": "she", "那": "na", "难": "nan", "粘": "nian", "藏": "zang", "扎": "za",
    "都": "du", "六": "lu", "薄": "bo", "贾": "jia", "居": "ju", "盛": "sheng", "塔": "ta",
    "和": "he", "柏": "bai", "牟": "mou", "殷": "yin", "陆": "lu", "乜": "nie", "阚": "kan",
    "叶": "ye", "强": "qiang", "汤": "tang", "万": "wan", "车": "che", "沈": "shen", "宿": "su",
    "南": "nan", "卜": "bu", "召": "shao", "员": "yun", "句": "gou", "莘": "shen", "谌": "chen",
    "石": "shi", "能": "nai", "祭": "zhai", "厍": "she", "隗": "wei", "郇": "huan", "褚": "chu",
    "祢": "mi", "俞": "yu", "於": "yu", "蔚": "yu", "尉": "wei", "曲": "qu", "朝": "chao",
    "长": "chang",
}
_COMPOUND = sorted((s for s in SURNAME_READINGS if len(s) > 1), key=len, reverse=True)
_LATIN_WORD_RE = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*")


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "IDEOGRAPHIC NUMBER"))


def split_surname(name: str) -> tuple[str, str]:
    """The surname and the rest of a Chinese name: a compound surname of the table, else the first
    character. ``split_surname("欧阳修") == ("欧阳", "修")``."""
    for compound in _COMPOUND:
        if name.startswith(compound):
            return compound, name[len(compound):]
    return name[:1], name[1:]


def _han_initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars), strict=False)
    return "".join(p[:1] for p in out if p and not p.isspace()).lower()


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """Pinyin initials for the clerk's search, the surname read as a surname; at most 40 characters.

    >>> name_initials("单伟"), name_initials("曾敏"), name_initials("张三")
    ('sw', 'zm', 'zs')
    >>> name_initials("王𠮷"), name_initials("John SMITH")
    ('w𠮷', 'js')
    """
    from shebao.core.normalize import normalize_text

    name = normalize_text(name)
    if not name:
        return ""
    if not _is_han(name[0]):
        # A Latin-script (or other) name: the first letter of each word, then any Han characters.
        words = _LATIN_WORD_RE.findall(name)
        return "".join(w[:1] for w in words if not _is_han(w[0])).lower()[:40] + _han_initials(
            "".join(c for c in name if _is_han(c)))[:40]
    surname, rest = split_surname(name)
    reading = SURNAME_READINGS.get(surname)
    head = "".join(s[0] for s in reading.split()) if reading else _han_initials(surname)
    return (head + _han_initials(rest))[:40]


@lru_cache(maxsize=65536)
def text_initials(text: str) -> str:
    """Pinyin initials of any text that is not a person's name (an employer's): each character by its
    common reading, no surname rule; digits and punctuation skipped, Han characters without pinyin
    kept. ``text_initials("北京华信科技有限公司（003）") == "bjhxkjyxgs"``."""
    from shebao.core.normalize import normalize_text

    out = []
    for run in re.findall(r"[^\W\d_]+", normalize_text(text)):
        if _is_han(run[0]):
            out.append(_han_initials(run))
        else:
            out.append(run[0].lower())
    return "".join(out)


def name_words(name: str) -> list[str]:
    """The lower-cased words of a Latin-script name, each searchable on its own (notice 1.4).

    >>> name_words("John  O'Neil-SMITH")
    ['john', "o'neil-smith", 'o', 'neil', 'smith']
    """
    from shebao.core.normalize import normalize_text

    words: list[str] = []
    for word in _LATIN_WORD_RE.findall(normalize_text(name).lower()):
        if _is_han(word[0]):
            continue
        for part in [word, *re.split(r"['’.-]", word)] if re.search(r"['’.-]", word) else [word]:
            if part and part not in words:
                words.append(part[:100])
    return words


def initials_table(chars: list[str], *, surnames: bool = False) -> list[str]:
    """The initial of each character (the generator's names); `surnames` reads them as surnames."""
    if surnames:
        return [name_initials(c)[:1] or "x" for c in chars]
    return [(_han_initials(c) or "x")[:1] for c in chars]
