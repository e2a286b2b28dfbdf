"""National standard code lists for items of a person's registered data that take one of a few values.

A change of data (notice 1.3a) that types them as free text lets "汉", "han" and "汉族 " be three
ethnicities and "本科" and "大学本科" two educations (review-user7 F11): the registry keeps the standard's
value, and every form offers the list.

- ``ETHNICITIES``: GB/T 3304-1991《中国各民族名称的罗马字母拼写法和代码》, the 56 names in code order
  (01 汉族 .. 56 基诺族), then 97 其他 (an unidentified group) and 98 外国血统中国籍人士. The value is the
  name itself, as ``registry.Person.ethnicity`` has always held it (default 汉族).
- ``EDUCATIONS``: GB/T 4658-2006《学历代码》, the major classes (two-digit codes 10 .. 90).
- ``MARITAL_STATUSES``: GB/T 2261.2-2003《个人基本信息分类与代码 第2部分：婚姻状况代码》, its codes
  10 .. 90 with 初婚/再婚/复婚 under 20.

Each is ``{value: Chinese name}`` in the standard's order.
"""

from __future__ import annotations

_NAMES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]

ETHNICITIES: dict[str, str] = {name: name for name in (*_NAMES, "其他", "外国血统中国籍人士")}

EDUCATIONS: dict[str, str] = {
    "10": "研究生教育", "20": "大学本科教育", "30": "大学专科教育", "40": "中等职业教育", "60": "普通高级中学教育",
    "70": "初级中学教育", "80": "小学教育", "90": "其他",
}

MARITAL_STATUSES: dict[str, str] = {
    "10": "未婚", "20": "已婚", "21": "初婚", "22": "再婚", "23": "复婚", "30": "丧偶", "40": "离婚",
    "90": "未说明的婚姻状况",
}
