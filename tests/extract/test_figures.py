"""Figures in running text: value, unit, range, qualifier, year, conversion, subject — and what is not a figure."""

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract import figures as fig
from extract.figures import find_figures, is_core_unit


def figures(text, **kw):
    return find_figures(text, **kw)


def one(text, **kw):
    found = figures(text, **kw)
    assert len(found) == 1, [f.phrase for f in found]
    return found[0]


@pytest.mark.parametrize("sentence, value, unit", [
    ("Spending on research will rise by 7% this year.", 7, "percent"),
    ("Spending on research will rise by 7 per cent this year.", 7, "percent"),
    ("Spending on research will rise by seven percent this year.", 7, "percent"),
    ("The share rose by 1.5 percentage points last year.", 1.5, "percentage_points"),
    ("The fund has 10 trillion yuan to invest in chips.", 1e13, "CNY"),
    ("The fund has RMB 300 billion to invest in chips.", 3e11, "CNY"),
    ("The fund has ¥300bn to invest in chips, officials said.", 3e11, "CNY"),
    ("The company will invest US$2.5 billion in the new plant.", 2.5e9, "USD"),
    ("The company will invest $40m in the new plant next year.", 4e7, "USD"),
    ("The company will invest €1.2 billion in the new plant.", 1.2e9, "EUR"),
    ("The government will spend HK$10 billion on the new fund.", 1e10, "HKD"),
    ("The state will inject A$61.8 billion into the lenders.", 6.18e10, "AUD"),
    ("Installed solar capacity reached 887 GW by the end of the year.", 887, "GW"),
    ("Installed solar capacity reached 180 gigawatts by the end of the year.", 180, "GW"),
    ("The country generated 9,400 TWh of electricity last year.", 9400, "TWh"),
    ("The well was drilled to a depth of 10,910 meters in Xinjiang.", 10910, "m"),
    ("Foundries there can make chips at the 14-nanometre node today.", 14, "nm"),
    ("Grain output is expected to reach 700 million tons this year.", 7e8, "tonnes"),
    ("The reactor held the plasma for 1,066 seconds in January.", 1066, "s"),
    ("More than 6,200 AI enterprises are now operating in the country.", 6200, "count"),
    ("The plan promises 12 million new urban jobs this year.", 1.2e7, "count"),
    ("Officials estimate the list could benefit as many as seven million people.", 7e6, "count"),
    ("The plan calls for more than 1.5 million charging points on highways by the end of 2027.", 1.5e6, "count"),
    ("Round-trip delays between the hubs must stay under 20 milliseconds, the plan says.", 20, "ms"),
])
def test_english_units_and_scales(sentence, value, unit):
    f = one(sentence)
    assert (f.value, f.unit) == (pytest.approx(value), unit)


@pytest.mark.parametrize("sentence, value, unit", [
    ("到2030年人工智能核心产业规模超过1万亿元。", 1e12, "CNY"),
    ("人形机器人产业规模预计达到三十六亿元。", 3.6e9, "CNY"),
    ("机器人产业规模预计达到一点一亿元左右。", 1.1e8, "CNY"),
    ("香港特區政府宣布投入100億港元支持研發。", 1e10, "HKD"),
    ("半導體產業銷售額增至1.6萬億元。", 1.6e12, "CNY"),
    ("研发经费投入年均增长百分之十五。", 15, "percent"),
    ("新能源发电量占比累计提升12个百分点。", 12, "percentage_points"),
    ("發電量佔比累計提升12個百分點。", 12, "percentage_points"),
    ("全国光伏新增装机315吉瓦，创历史新高。", 315, "GW"),
    ("我国氢气产能已超过5000万吨/年，规模全球第一。", 5e7, "tonnes_per_year"),
    ("装置在1亿摄氏度下持续运行了很长时间。", 1e8, "degC"),
    ("各地规划中的制氢项目累计超过600个。", 600, "count"),
    ("新能源装机规模达到2020年底的3.4倍。", 3.4, "times"),
    ("規劃提出，人工智慧核心產業規模將達1.2兆元人民幣。", 1.2e12, "CNY"),
    ("海上风电新增装机500兆瓦，同比增长明显。", 500, "MW"),
    ("到2030年全国智能算力规模要达到500EFLOPS以上。", 500, "EFLOPS"),
    ("大基金三期註冊資本約合新台幣1.5兆元，規模空前。", 1.5e12, "TWD"),
    ("进入人形机器人产业链的企业已有2000多家。", 2000, "count"),
    ("高端人才通行證計劃累計獲批申請12萬宗。", 1.2e5, "count"),
    ("2025年广东工业机器人产量达到24万套。", 2.4e5, "count"),
    ("东西部枢纽间网络时延控制在20毫秒以内。", 20, "ms"),
    ("祖沖之三號的超導處理器擁有105個量子比特，性能領先。", 105, "qubits"),
    ("新田科技城规划创科用地约300公顷，分期开发。", 300, "ha"),
    ("大陆晶圆月产能已达到300萬片，仍在扩张。", 3e6, "count"),
    ("设备采购约占半导体资本开支的六成左右。", 60, "percent"),
    ("Origin Quantum says its 72-qubit machine has run for users in many places.", 72, "qubits"),
])
def test_chinese_units_and_scales(sentence, value, unit):
    f = one(sentence)
    assert (f.value, f.unit) == (pytest.approx(value), unit)


def test_robot_density_is_per_10000_workers_and_the_10000_is_no_figure():
    f = one("Analysts expect the plan to push density above 700 robots per 10,000 workers by 2030.")
    assert (f.value, f.unit, f.qualifier, f.year) == (700, "count_per_10k_people", "more_than", 2030)
    found = figures("到2030年，制造业机器人密度达到每万名工人500台以上；具身智能机器人整机年交付量突破5万套。")
    assert [(f.value, f.unit) for f in found] == [(500, "count_per_10k_people"), (5e4, "count")]


def test_british_pc_tenfold_and_one_in_five():
    assert (one("Growth will slow to 4.5pc this year, he said.").value, "percent") == (4.5, "percent")
    f = one("Drone delivery routes are to grow tenfold by 2030 under the plan.")
    assert (f.value, f.unit) == (10, "times")
    assert figures("Only 1 in 5 small manufacturers uses industrial software in a meaningful way.") == []


def test_an_idiom_with_cheng_is_no_figure():
    assert figures("这一格局并非一成不变，企业需要持续投入研发。") == []


def test_points_are_counted_only_as_things():
    assert one("The plan calls for 1.5 million charging points by 2027.").unit == "count"
    assert figures("The index rose 50 points, and the bank cut rates by 25 basis points.") == []


@pytest.mark.parametrize("sentence, low, high, unit", [
    ("China set its growth target at 4.5% to 5% for the year.", 4.5, 5, "percent"),
    ("China set its growth target at 4.5-5% for the year.", 4.5, 5, "percent"),
    ("China set its growth target at 4.5-5 percent for the year.", 4.5, 5, "percent"),
    ("Beijing wants the economy to expand at a pace of 4.5 per cent-5 per cent.", 4.5, 5, "percent"),
    ("Output should reach between 100,000 and 200,000 tonnes by 2027.", 1e5, 2e5, "tonnes"),
    ("The fund will raise 200 billion yuan to 250 billion yuan this year.", 2e11, 2.5e11, "CNY"),
    ("The fund will raise 1-2 billion yuan this year, its managers said.", 1e9, 2e9, "CNY"),
    ("At Yangshan Lake, yields grew 5 to 7 times after the change.", 5, 7, "times"),
    ("未来平均每年需新增光伏装机500—700吉瓦。", 500, 700, "GW"),
])
def test_ranges(sentence, low, high, unit):
    f = one(sentence)
    assert (f.value, f.low, f.high, f.unit) == (pytest.approx(low), pytest.approx(low), pytest.approx(high), unit)


def test_from_x_to_y_is_two_figures_not_a_range():
    found = figures("Patents climbed from 7.5 to 14 for every 10,000 people over the period.")
    assert [(f.value, f.unit, f.high) for f in found] == [
        (7.5, "count_per_10k_people", None), (14, "count_per_10k_people", None)]


def test_up_from_a_bare_number_takes_the_unit_of_the_figure_before():
    found = figures("The maker plans to deliver about 150 jets a year by 2030, up from 15 in 2025.")
    assert [(f.value, f.unit) for f in found] == [(150, "count"), (15, "count")]
    found = figures("Beijing aims to have 10,000 humanoid robots at work in factories by 2027, from fewer than 2,000 now.")
    assert [(f.value, f.unit, f.qualifier) for f in found] == [(10000, "count", None), (2000, "count", "up_to")]


def test_per_10000_people_or_workers():
    assert one("工业机器人密度达到每万名工人470台，居世界前列。").unit == "count_per_10k_people"
    assert one("到2025年每万人口拥有高价值发明专利12件。").unit == "count_per_10k_people"


@pytest.mark.parametrize("sentence, qualifier", [
    ("The plan set a goal of expanding investment by at least 7% a year.", "at_least"),
    ("Spending will grow by no less than 7% a year, officials said.", "at_least"),
    ("Spending will grow by more than 7% a year, officials said.", "more_than"),
    ("The industry is expected to exceed 10 trillion yuan in value.", "more_than"),
    ("Spending will grow by over 7% a year, officials said.", "more_than"),
    ("Spending will grow by nearly 7% a year, officials said.", "about"),
    ("Spending will grow by around 7% a year, officials said.", "about"),
    ("Spending will grow by up to 7% a year, officials said.", "up_to"),
    ("全社会研发经费投入保持年均7%以上的增长。", "at_least"),
    ("产业规模突破3000亿元，增速较快。", "more_than"),
    ("浙江人工智能创新中心数量不少于10个。", "at_least"),
    ("中国能源自给率达到80%左右，保持稳定。", "about"),
    ("全国氢气产能同比增长约1.6%，保持稳定。", "about"),
    ("地方层面，超50个省市已把低空经济写入报告。", "more_than"),
    ("Spending will grow by 7%, with some regions seeing a rise of 10% or more.", None),
])
def test_qualifiers(sentence, qualifier):
    assert figures(sentence)[0].qualifier == qualifier


def test_or_more_after_the_number():
    assert figures("Regions will see a rise of 10% or more this year.")[0].qualifier == "at_least"


def test_conversion_in_parentheses_belongs_to_the_figure():
    f = one("The initiatives aim to expand the AI-related industry to more than 10 trillion yuan "
            "($1.45 trillion) in value by the end of 2030, officials said.")
    assert (f.value, f.unit, f.qualifier, f.year) == (1e13, "CNY", "more_than", 2030)
    assert (f.alt.value, f.alt.unit) == (1.45e12, "USD")
    assert f.subject == "AI-related industry"


def test_conversion_with_about_and_chinese_brackets():
    assert one("The company spent 100 billion yuan (approximately $14.5 billion) on research.").alt.unit == "USD"
    f = one("香港特區政府亦宣布投入100億港元（約12.8億美元）支持微電子研發中心。")
    assert (f.unit, f.alt.value, f.alt.unit) == ("HKD", 1.28e9, "USD")


@pytest.mark.parametrize("sentence, year", [
    ("The share should rise to 25 percent by 2030, officials said.", 2030),
    ("The share should rise to 25 percent by the end of 2030, officials said.", 2030),
    ("到2030年，全国算力总规模力争超过600 EFLOPS。", 2030),
    ("2027年前，新建智算中心不少于50个。", 2027),
    ("The share rose to 25 percent, officials said on Monday.", None),
])
def test_target_year(sentence, year):
    assert figures(sentence)[0].year == year


def test_in_year_is_a_target_only_when_not_past():
    text = "The core AI industry is projected to reach 1.2 trillion yuan in 2026, up sharply."
    assert figures(text, published=dt.date(2026, 3, 1))[0].year == 2026
    assert figures(text, published=dt.date(2027, 3, 1))[0].year is None


@pytest.mark.parametrize("sentence", [
    "The plan covers the years 2026 to 2030 and was approved in March 2026.",
    "China's 15th Five-Year Plan runs through the next five years, from 2026-2030.",
    "The Chang'e-6 mission and the Tianwen-1 probe were launched on schedule, officials said.",
    "Carriers are testing equipment built to the IMT-2030 framework and upgrading 5G networks.",
    "Shares of SMIC (0981.HK) and 688981.SH were suspended during the session on Monday.",
    "For details call the press office on +86 10 6512 3456 or fax 010-6512-3457 this week.",
    "The Planning Commission was set up on 15 March 1950, with the Prime Minister as its chair.",
    "Huawei, whose Mate 70 phones use its own Kirin 9020 chips, sold well over the holiday season.",
    "The three indicators it set have all been reached, and the past two years were hard.",
    "中国环流三号装置和第四代高温气冷堆等一批工程陆续投运，成果显著。",
    "国家将制定实施基础研究十年行动方案，在过去五年里取得了重大进展。",
    "See page 12 of the report and section 3 of chapter 4 for more on the plan and its aims.",
])
def test_not_figures(sentence):
    assert figures(sentence) == []


def test_menu_and_ticker_lines_are_not_running_text():
    text = "Top News\nMarkets 24/7\nSSE Composite 3,345.20 +0.8%\nRead more: 5 things to know about 6G\nJobs board: 12 new listings"
    assert figures(text) == []


@pytest.mark.parametrize("sentence, unit", [
    ("The term artificial intelligence was mentioned in the plan more than 50 times, a record.", "count"),
    ("The document refers to AI more than 50 times and sets a goal for the industry.", "count"),
    ("Yields grew 3 times after the farms brought in new machines.", "times"),
])
def test_times_is_a_count_of_mentions_or_a_multiplier(sentence, unit):
    assert figures(sentence)[0].unit == unit


def test_a_figure_stated_twice_is_reported_once():
    text = "Growth is targeted at 4.5-5 percent this year. Setting the goal at 4.5-5 percent is pragmatic, they said."
    assert len(figures(text)) == 1


def test_subjects():
    assert figures("Beijing has committed to a 10% increase in annual budget for science and technology – "
                   "in line with the past.")[0].subject == "annual budget for science and technology"
    assert figures("The plan also set a goal of expanding annual research and development investment by "
                   "at least 7%.")[0].subject == "annual research and development investment"
    assert figures("The goals include a surveyed urban unemployment rate of around 5.5 percent.")[0].subject \
        == "surveyed urban unemployment rate"
    assert figures("Chinese firms have launched over 300 humanoid robot models this year.")[0].subject \
        == "humanoid robot models"


def test_technologies_of_the_figure_come_from_its_sentence():
    text = "Chip output rose 20%. Robot sales rose 30%."
    found = find_figures(text, tech_of=lambda s0, s1: ("semiconductors",) if "Chip" in text[s0:s1] else ("robotics",))
    assert [f.technologies for f in found] == [("semiconductors",), ("robotics",)]


def test_core_units():
    assert all(is_core_unit(u) for u in ("percent", "percentage_points", "count", "CNY", "USD", "HKD"))
    assert not any(is_core_unit(u) for u in ("GW", "times", "nm", "tonnes_per_year", "count_per_10k_people"))


# _DIGITS leaves out tokens _read would drop at once (a year before a date mark, digits right after a digit):
# the items read must be those read from every digit run.
_EVERY_DIGIT_RUN = re.compile(r"(?:0|1|2|3|4|5|6|7|8|9)\d*(?:,\d{3})*(?:\.\d+)?")
_TOKENS = ["2030", "2026", "1899", "2100", "1,234", "12", "7.5", "年", "月", " ", ".", ",", "-", "–", "/", ":", "%",
           " GW", " million", " people", "x", "_", "US$", "by ", "\n"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=14))
def test_the_year_filter_in_the_digit_scan_changes_no_item(tokens):
    text = "".join(tokens)
    fast = fig._items(text, 0, len(text), fig._scanners(None))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fig, "_DIGITS", _EVERY_DIGIT_RUN)
        plain = fig._items(text, 0, len(text), fig._scanners(None))
    assert fast == plain


@pytest.mark.parametrize("sentence, value, unit, qualifier", [
    ("Starting a business now takes 3 working days in most of the big cities.", 3, "days", None),
    ("The robot can work for 24 hours without a break thanks to battery swapping.", 24, "hours", None),
    ("PM2.5 concentration in cities fell to 27 micrograms per cubic meter last year.", 27, "ug_m3", None),
    ("PM2.5 concentration in cities fell to 27 μg/m3 last year, the ministry said.", 27, "ug_m3", None),
    ("The clusters will provide more than 300 quintillion floating-point operations per second of computing power.",
     300, "EFLOPS", "more_than"),
    ("地级及以上城市细颗粒物浓度下降到27微克/立方米。", 27, "ug_m3", None),
    ("人均预期寿命提高到80岁左右，居民健康水平持续提升。", 80, "years", "about"),
    ("增值电信业务经营许可审批时限压缩至10个工作日，比以往缩短一半。", 10, "days", None),
    ("新型储能连续放电时长不低于2小时，年调用小时数明显增加。", 2, "hours", "at_least"),
    ("意见从关键技术、产品供给等4方面提出支持措施，覆盖研发到应用。", 4, "count", None),
    ("新型储能技术路线涵盖锂离子电池、压缩空气、液流电池等11种。", 11, "count", None),
    ("园区已发布人形机器人整机产品20多种，覆盖多个应用场景。", 20, "count", "more_than"),
    ("亦庄人形机器人产业集群已聚集上下游企业百余家，形成完整链条。", 100, "count", "more_than"),
    ("训练中心有近百名数据采集员每天采集动作数据，规模全国领先。", 100, "count", "about"),
    # the counted thing before the number
    ("Base stations per 10,000 people will reach 50 by 2030, the ministry said.", 50, "count_per_10k_people", None),
    ("The number of 5G base stations per 10,000 people reached 31 at the end of 2025.", 31, "count_per_10k_people",
     None),
    ("Gigabit broadband subscribers are expected to hit 320 million by then, officials said.", 3.2e8, "count", None),
    ("Private enterprises numbered more than 58 million at the end of the year.", 5.8e7, "count", "more_than"),
])
def test_units_beyond_the_core_approximate_chinese_counts_and_things_counted_before(sentence, value, unit, qualifier):
    f = one(sentence)
    assert (f.value, f.unit, f.qualifier) == (value, unit, qualifier)


@pytest.mark.parametrize("sentence", [
    "这些指标关系千家万户，要让发展成果更多惠及全体人民群众。",
    "政策不能一成不变，要根据形势变化及时调整完善相关措施。",
    "训练中心有一名数据采集员负责每天采集动作数据并整理入库。",
])
def test_idioms_and_single_chinese_counts_are_not_figures(sentence):
    assert figures(sentence) == []


def test_one_value_about_two_things_is_two_figures_and_a_restatement_one():
    text = ("Fixed-asset investment grew 5.2% in the first quarter. The urban unemployment rate averaged 5.2% "
            "over the year. Investment in the quarter grew 5.2%, the bureau said.")
    found = figures(text)
    assert [(f.value, f.unit) for f in found] == [(5.2, "percent"), (5.2, "percent")]
    assert "unemployment" in found[1].subject


@pytest.mark.parametrize("sentence", [
    "Exports reached 3.5 trillion in the first half of the year, the customs agency said.",
    "Growth in the quarter reached 4.5 to 5 percent, beating forecasts by a wide margin.",
])
def test_a_bare_amount_or_a_range_after_a_verb_is_not_a_count(sentence):
    assert all(f.unit != "count" for f in figures(sentence))


@pytest.mark.parametrize("sentence, unit, base, value, high", [
    ("到2030年风电光伏装机达到1.1亿千瓦。", "kW", "GW", 110, None),
    ("独立储能项目规模不低于100兆瓦。", "MW", "GW", 0.1, None),
    ("Each campus will draw 300 to 500 MW from the grid.", "MW", "GW", 0.3, 0.5),
    ("Data centres used 1500亿千瓦时 of power last year.", "kWh", "TWh", 150, None),
    ("The rocket can lift 5,000 kg into orbit.", "kg", "tonnes", 5, None),
    ("The line will be 10,910 meters long when finished.", "m", "km", 10.91, None),
    ("The new centres add 200 PFLOPS of computing power.", "PFLOPS", "EFLOPS", 0.2, None),
])
def test_a_unit_is_also_given_in_its_dimensions_base_unit(sentence, unit, base, value, high):
    f = one(sentence)
    assert (f.unit, f.normalised.unit) == (unit, base)
    assert f.normalised.value == pytest.approx(value) and f.normalised.high == (high and pytest.approx(high))
    assert f.as_json()["normalised"]["unit"] == base


@pytest.mark.parametrize("sentence, unit, dimension", [
    ("Installed solar capacity reached 887 GW by the end of the year.", "GW", "power"),
    ("Chips made on the 7 nm process will ship next year.", "nm", "length"),  # a process node does not convert
    ("Spending on research will rise by 7% this year.", "percent", "percent"),
    ("The fund has 10 trillion yuan to invest in chips.", "CNY", "currency"),
])
def test_a_base_unit_or_a_unit_without_a_factor_is_not_converted(sentence, unit, dimension):
    f = one(sentence)
    assert (f.unit, f.dimension, f.normalised) == (unit, dimension, None)


@pytest.mark.parametrize("sentence, years", [
    ("The satellite programme, due to finish by 2030, received 3 billion yuan in 2025.", [None]),
    ("Coal output, which peaked in 2024, fell 18 percent last year.", [None]),
    ("到2027年，新型储能装机达到1.8亿千瓦以上，2025年底为1亿千瓦。", [2027, None]),
    ("The penetration rate is to exceed 70 percent by 2027 and 90 percent by 2030.", [2027, 2030]),
    ("By 2030, the digital economy will reach 12 percent of GDP, and R&D intensity 3.2 percent.", [2030, 2030]),
    ("中国大陆成熟制程产能占比将由2023年的31%升至2027年的39%。", [None, 2027]),
    ("到2030年研发经费支出占比达到3.8%左右，比2025年提高0.5个百分点。", [2030, 2030]),
    ("Non-fossil fuels should make up 25 percent by 2030, up from just under 22 percent last year.", [2030, None]),
    ("到2030年海上风电装机达到2000万千瓦。", [2030]),  # '2000万' is a number, not a year
])
def test_a_year_of_a_neighbouring_clause_or_a_past_year_is_not_the_figures(sentence, years):
    assert [f.year for f in figures(sentence, published=dt.date(2026, 3, 12))] == years


@pytest.mark.parametrize("sentence, qualifier, phrase", [
    ("Growth will be at least 4.5 to 5 percent a year over the period.", "at_least", "at least 4.5 to 5 percent"),
    ("目标是年均增长不低于4.5%至5%。", "at_least", "不低于4.5%至5%"),
    ("The target is about 4.5-5 percent, officials said.", "about", "about 4.5-5 percent"),
])
def test_a_qualifier_before_a_range_is_the_ranges(sentence, qualifier, phrase):
    f = one(sentence)
    assert (f.low, f.high, f.qualifier, f.phrase) == (4.5, 5, qualifier, phrase)


@pytest.mark.parametrize("sentence, value, unit, qualifier", [
    ("劳动年龄人口平均受教育年限提高到11.7年。", 11.7, "years", None),
    ("量子计算云平台访问量达到百万级。", 1e6, "count", "about"),
    ("产业规模迈向千亿级。", 1e11, "CNY", "about"),
])
def test_decimal_years_and_orders_of_magnitude(sentence, value, unit, qualifier):
    f = one(sentence)
    assert (f.value, f.unit, f.qualifier) == (value, unit, qualifier)


@pytest.mark.parametrize("sentence", ["未来5年投入将持续增加。", "有效期5年，2030年前完成。", "两年前启动的项目。"])
def test_a_span_of_whole_years_is_no_figure(sentence):
    assert figures(sentence) == []


TABLE = """四川省“十五五”时期主要指标如下。
| 类别 | 指标 | 2025年 | 2030年 | 年均增长 | 属性 |
|---|---|---|---|---|---|
| 经济发展 | 地区生产总值增长（%） | 5.7 | — | 5左右 | 预期性 |
|  | 每万人口高价值发明专利拥有量（件） | 9.1 | 16 | — | 预期性 |
| 安全保障 | 粮食综合生产能力（万吨） | 3600 | 3650以上 | — | 约束性 |
|  | 备注 | 12 | 15 | — | — |
"""


def test_an_indicator_table_cell_takes_its_rows_unit_and_its_columns_year():
    found = [(f.value, f.unit, f.qualifier, f.year, f.subject) for f in figures(TABLE, published=dt.date(2026, 2, 3))]
    assert found == [
        (5.7, "percent", None, None, "地区生产总值增长"), (5, "percent", "about", None, "地区生产总值增长"),
        (9.1, "count_per_10k_people", None, None, "每万人口高价值发明专利拥有量"),
        (16, "count_per_10k_people", None, 2030, "每万人口高价值发明专利拥有量"),
        (3.6e7, "tonnes", None, None, "粮食综合生产能力"), (3.65e7, "tonnes", "at_least", 2030, "粮食综合生产能力"),
    ]  # the 备注 row names no unit: its numbers are not counted things


@pytest.mark.parametrize("sentence, value", [
    ("Registered drones in the country numbered 2.6 million at the end of 2025.", 2.6e6),
    ("The number of satellites in orbit operated by Chinese entities topped 1,300.", 1300),
    ("The number of standard racks in use reached 9.5 million by the end of 2025.", 9.5e6),
])
def test_the_counted_thing_before_the_number(sentence, value):
    assert (one(sentence).value, one(sentence).unit) == (value, "count")


def test_a_lone_scale_character_is_no_number_but_an_approximate_one_is():
    assert figures("粮食综合生产能力（万吨）稳定。") == []
    assert (one("相关企业近万家。").value, one("相关企业近万家。").qualifier) == (1e4, "about")


def test_milliseconds_are_also_given_in_seconds():
    f = one("国家枢纽节点间网络时延控制在20毫秒以内。")
    assert (f.value, f.unit, f.normalised.unit, f.normalised.value, f.qualifier) == (20, "ms", "s", 0.02, "up_to")
