#!/usr/bin/env python3
"""tests/bench/gen_queries.py Q: Q random queries over the vocabulary of
../shared/tools/zebra-setup.sh's synthetic records, one per line:
CQL for Zebra <TAB> the same question for Wenyuan <TAB> from-year <TAB> to-year.
Deterministic (fixed seed)."""
import random, sys
random.seed(20261122)
T = "红楼梦|三国志通俗演义|水浒传|西游记|资治通鉴|史记|汉书|后汉书|文心雕龙|说文解字|四书章句集注|孟子注疏|楚辞章句|文选|世说新语|梦溪笔谈|天工开物|本草纲目|农政全书|徐霞客游记|聊斋志异|儒林外史|牡丹亭还魂记|长生殿|杜工部集|李太白文集|东坡全集|朱子语类|四库全书总目|永乐大典|苏州府志|杭州府志|扬州府志|绍兴府志|宁波府志|广州府志".split("|")
TT = "紅樓夢|三國志通俗演義|水滸傳|西遊記|資治通鑑|史記|漢書|後漢書|文心雕龍|說文解字|四書章句集注|孟子注疏|楚辭章句|文選|世說新語|夢溪筆談|天工開物|本草綱目|農政全書|徐霞客遊記|聊齋誌異|儒林外史|牡丹亭還魂記|長生殿|杜工部集|李太白文集|東坡全集|朱子語類|四庫全書總目|永樂大典|蘇州府志|杭州府志|揚州府志|紹興府志|寧波府志|廣州府志".split("|")
PY = "Hong lou meng|San guo zhi tong su yan yi|Shui hu zhuan|Xi you ji|Zi zhi tong jian|Shi ji|Han shu|Hou Han shu|Wen xin diao long|Shuo wen jie zi|Si shu zhang ju ji zhu|Mengzi zhu shu|Chu ci zhang ju|Wen xuan|Shi shuo xin yu|Meng xi bi tan|Tian gong kai wu|Ben cao gang mu|Nong zheng quan shu|Xu Xiake you ji|Liao zhai zhi yi|Ru lin wai shi|Mu dan ting huan hun ji|Chang sheng dian|Du Gongbu ji|Li Taibai wen ji|Dongpo quan ji|Zhuzi yu lei|Si ku quan shu zong mu|Yong le da dian|Suzhou fu zhi|Hangzhou fu zhi|Yangzhou fu zhi|Shaoxing fu zhi|Ningbo fu zhi|Guangzhou fu zhi".split("|")
A = "曹雪芹|罗贯中|施耐庵|吴承恩|司马光|司马迁|班固|范晔|刘勰|许慎|朱熹|赵岐|王逸|萧统|刘义庆|沈括|宋应星|李时珍|徐光启|徐弘祖|蒲松龄|吴敬梓|汤显祖|洪昇|杜甫|李白|苏轼|黎靖德|纪昀|解缙|冯桂芬|李卫|阿克当阿|李亨特|曹秉仁|戴肇辰".split("|")
D = "清|明|明|明|宋|汉|汉|南朝宋|南朝梁|汉|宋|汉|汉|南朝梁|南朝宋|宋|明|明|明|明|清|清|明|清|唐|唐|宋|宋|清|明|清|清|清|清|清|清".split("|")
S = sorted(set("章回小说|编年史|纪传体|文学理论|文字学|儒家经典|楚辞|诗文总集|笔记小说|笔记|工艺|本草|农学|游记|志怪小说|讽刺小说|传奇|诗集|诗文集|理学|目录学|类书|方志".split("|")))
E = sorted(set("刻本|抄本|稿本|木活字印本|铜活字印本|石印本|铅印本|套印本|影印本".split("|")))
P = "萃文书屋|武英殿|汲古阁|扫叶山房|商务印书馆|同文书局|金陵书局|崇文书局|浙江书局|广雅书局".split("|")
PL = sorted(set("北京|苏州|常熟|上海|南京|武昌|杭州|广州".split("|")))
L = "国家图书馆|上海图书馆|南京图书馆|浙江图书馆|湖北省图书馆|广东省立中山图书馆|天津图书馆|辽宁省图书馆|四川省图书馆|首都图书馆".split("|")
NOTE = "有朱笔批校|清翁同龢跋|佚名圈点|钤国立北平图书馆藏书印|清黄丕烈题跋|有墨笔校改".split("|")
def frag(s):
    if len(s) <= 2: return s
    k = random.randint(2, min(3, len(s)))
    i = random.randint(0, len(s) - k)
    return s[i:i + k]
def years():
    a = random.randint(1550, 1940); return a, a + random.choice([0, 5, 10, 30, 60])
def gen():
    t = random.randrange(len(T)); k = random.randrange(16)
    if k == 0: return f'title="{T[t]}"', f'title:{T[t]}', None
    if k == 1: return f'title="{TT[t]}"', f'title:{TT[t]}', None
    if k == 2: w = frag(random.choice([T, TT])[t]); return f'"{w}"', w, None
    if k == 3: return f'author="{A[t]}"', f'creator:{A[t]}', None
    if k == 4: return f'author="{A[t]}" and dynasty="{D[t]}"', f'creator:{A[t]} dynasty:{D[t]}', None
    if k == 5: l = random.choice(L); return f'library="{l}"', f'library:{l}', None
    if k == 6: l = random.choice(L); return f'title="{T[t]}" and library="{l}"', f'title:{T[t]} library:{l}', None
    if k == 7: a, b = years(); return f'date>={a} and date<={b}', '', (a, b)
    if k == 8: s = random.choice(S); return f'subject="{s}"', f'subject:{s}', None
    if k == 9: e = random.choice(E); return f'"{e}"', e, None
    if k == 10: p = random.choice(P); return f'publisher="{p}"', f'publisher:{p}', None
    if k == 11: p = random.choice(PL); return f'place="{p}"', f'place:{p}', None
    if k == 12: n = frag(random.choice(NOTE)); return f'note="{n}"', f'note:{n}', None
    if k == 13: return f'title="{PY[t].lower()}"', f'title:"{PY[t].lower()}"', None
    if k == 14: s = random.choice(S); e = random.choice(E); return f'subject="{s}" not edtype="{e}"', f'subject:{s} NOT {e}', None
    a, b = years(); return f'title="{T[t]}" and date>={a} and date<={b}', f'title:{T[t]}', (a, b)
for _ in range(int(sys.argv[1])):
    cql, wy, yr = gen()
    print("\t".join([cql, wy, str(yr[0]) if yr else "", str(yr[1]) if yr else ""]))
