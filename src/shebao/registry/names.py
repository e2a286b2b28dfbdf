"""Name material for the generator, with each character's pinyin initial computed once."""

from __future__ import annotations

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽涵浩宇轩博文天一子晨辰阳鑫鹏飞")
EMPLOYER_PREFIX = ["北京", "北京市", "中关村", "京城", "首都"]
EMPLOYER_CORE = list("华信达通宏泰恒安盛科联创远景新源和瑞祥丰兴隆鼎晟嘉德诚明")
EMPLOYER_KIND = ["科技有限公司", "贸易有限公司", "餐饮管理有限公司", "建筑工程有限公司", "医院", "物业管理有限公司",
                 "文化传媒有限公司", "信息技术有限公司", "物流有限公司", "商贸中心", "咨询有限公司", "制造有限公司"]
ETHNICITIES = ["汉族"] * 95 + ["回族", "满族", "蒙古族", "朝鲜族", "土家族"]


def initials_table(chars: list[str]) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [(lazy_pinyin(c, style=Style.FIRST_LETTER) or ["x"])[0][:1].lower() for c in chars]
