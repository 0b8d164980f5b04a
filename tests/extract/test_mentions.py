"""Plan mentions (whose plan, which plan) and technology mentions."""

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.detect import detect
from extract.mentions import _plan_of_years
from extract.taxonomy import default_taxonomy


def plans(text, title="", published=None):
    return detect(text, title=title, published=published).plans


def techs(text):
    return detect(text).technologies


@pytest.mark.parametrize("text, expected", [
    ("China's 15th Five-Year Plan puts AI at the core of its strategy.", ["15th"]),
    ("The fifteenth five-year plan was approved by the National People's Congress.", ["15th"]),
    ("Growth was strong during the 14th Five-Year Plan (2021-2025) period in China.", ["14th"]),
    ("China's 15th Five-Year Plan doubles the 11 mentions of AI in the 14th Five-Year Plan.", ["14th", "15th"]),
    ("The legislature will endorse a five-year plan that lays out China's priorities through 2030.", ["15th"]),
    ("Beijing's five-year plan (2021-25) sets out growth goals for the country.", ["14th"]),
    ("“十五五”时期将加快建设全国一体化算力网络。", ["15th"]),
    ("回顧「十四五」時期，中國能源自給率提高到84%以上。", ["14th"]),
    ("国民经济和社会发展第十五个五年规划纲要提出了新的目标。", ["15th"]),
    ("「十五五」開局起步，「十四五」時期成績亮眼。", ["14th", "15th"]),
    ("Innovation was central to the 14th Five-Year Plan, as it was in the 13th Five-Year Plan in China.", ["14th"]),
    ("China's national development plan for 2026-2030 makes computing power a pillar of growth.", ["15th"]),
    ("Beijing's 2021-2025 economic and social development plan set no growth target.", ["14th"]),
    ("China's 15th Five-Year Plan builds on the 14th plan's target of 26 base stations.", ["14th", "15th"]),
    ("China's 15th Five-Year Plan keeps the R&D goal; the previous plan asked for 7 percent.", ["14th", "15th"]),
    ("“十五五”规划延续了上一个五年的做法。", ["14th", "15th"]),
])
def test_plan_attribution(text, expected):
    assert sorted(plans(text)) == expected


def test_a_plan_placed_by_nothing_is_placed_by_the_article_date():
    text = "China's National People's Congress has rolled out its Five-Year Plan, setting goals for growth."
    assert plans(text) == ["unspecified"]
    assert plans(text, published=dt.date(2026, 3, 5)) == ["15th"]
    assert plans(text, published=dt.date(2022, 5, 26)) == ["14th"]


def test_a_headline_line_does_not_make_the_first_word_of_the_story_a_proper_noun():
    text = ("China's chip drive: mainland foundries race to add capacity\nMainland China's largest foundry will add "
            "capacity this year, as Beijing pushes for self-sufficiency under its 15th five-year plan.")
    assert plans(text) == ["15th"]


def test_next_plan_late_in_a_period_is_the_following_plan():
    text = "Beijing officials are drafting China's next five-year plan, due next spring."
    assert plans(text, published=dt.date(2025, 10, 20)) == ["15th"]


@pytest.mark.parametrize("title, text", [
    ("What India's new five-year plan means", "India's Five-Year Plans channelled resources into heavy industry, "
     "and the Five-Year Plans were meant to lift growth; China fought India in 1962."),
    ("", "Xiaomi is pressing ahead with its five-year plan to build chips and AI, part of a push for "
     "self-reliance in China's technology industry."),
    ("BYD sets out five-year plan", "BYD, China's largest electric-vehicle maker, laid out a five-year plan to double "
     "overseas sales by 2030, as Beijing officials warn of overcapacity."),
    ("", "The investment is the centrepiece of a five-year plan that the company's chairman presented to staff in China."),
    ("", "China cut the five-year loan prime rate to 3.5%, and yields on five-year government bonds fell."),
    ("", "The drug raised the five-year survival rate of patients in Beijing to 31.2%."),
    ("", "理想汽车日前发布公司五年规划，提出到2030年实现年销量500万辆。"),
    ("", "The five-year plan of the Soviet model shaped many economies, and the Soviet five-year plans were copied."),
    ("", "Vietnam's new five-year plan aims higher; the previous plan set a 6.5% growth target."),
    ("", "The ministry's 2026-2030 action plan for robots in China sets a goal of 500,000 robots in factories."),
    ("", "Xiaomi's 2026-2030 plan puts 200 billion yuan into chips and AI, the Beijing company said."),
    ("", "印度曾长期实行五年计划制度，直至第十二个五年计划（2012—2017年）结束。第十二个五年计划曾设定年均经济增长8%的目标。"),
    ("Vietnam targets double-digit growth in 2026-2030 five-year plan",
     "HANOI -- Vietnam aims for growth of at least 10% a year under the five-year socio-economic development plan "
     "for 2026-2030 adopted by the Communist Party congress. The previous five-year plan set a 6.5% target."),
])
def test_not_chinas_plan(title, text):
    result = detect(text, title=title, published=dt.date(2026, 3, 1))
    assert result.plans == []
    assert result.figures == []


def test_figures_only_when_chinas_plan_is_mentioned():
    with_plan = detect("Under China's 15th Five-Year Plan, chip output will rise 20% a year.")
    without = detect("China's chip output will rise 20% a year, analysts said on Monday.")
    assert [f.value for f in with_plan.figures] == [20]
    assert without.figures == [] and without.technologies == ["semiconductors"]


def test_plan_mentions_are_recorded_with_their_terms():
    result = detect("China's 15th Five-Year Plan and “十五五” targets were published.")
    assert {(m.kind, m.key, m.term) for m in result.mentions if m.kind == "plan"} == {
        ("plan", "15th", "15th Five-Year Plan"), ("plan", "15th", "十五五")}


@pytest.mark.parametrize("text, expected", [
    ("Beijing is betting on artificial intelligence and AI-powered robots.", ["ai", "robotics"]),
    ("Quantum computing and hyperscale computing clusters are priorities.", ["quantum", "computing"]),
    ("Advanced chips and the semiconductor supply chain remain a bottleneck.", ["semiconductors"]),
    ("Commercial space, satellites and the low-altitude economy will get support.", ["aerospace"]),
    ("Brain-computer interfaces and biomedicine are future industries; so is 6G.", ["biomedicine", "6g", "bci"]),
    ("Hydrogen energy and nuclear fusion are named, alongside new energy vehicles.", ["new_energy"]),
    ("人工智能、具身智能和人形机器人产业加快发展。", ["ai", "robotics"]),
    ("集成電路、半導體與晶片產業；量子信息；腦機接口。", ["quantum", "semiconductors", "bci"]),
    ("算力网络与智算中心建设提速，商业航天与低空经济起飞。", ["aerospace", "computing"]),
    ("生物医药、生物制造、氢能和核聚变被列为未来产业。", ["biomedicine", "new_energy"]),
    # Traditional Chinese as Taiwan and Hong Kong write it
    ("發展人工智慧、具身智慧與量子計算，擴大半導體產能。", ["ai", "robotics", "quantum", "semiconductors"]),
    ("再生能源與太陽光電、生技產業、航太產業及超級電腦獲得補助。", ["aerospace", "biomedicine", "new_energy", "computing"]),
])
def test_technologies(text, expected):
    assert techs(text) == expected


@pytest.mark.parametrize("text", [
    "She ordered a burrito at Chipotle and said the blue-chip index was flat.",
    "The Lunar New Year holiday and the satellite town of Yanjiao were busy.",
    "Said Aidan, a waiter: the maid and the air were fine; Ai Weiwei spoke.",
    "Cloud computing and health care are growth areas for the bank.",
])
def test_no_technology_inside_other_words_or_senses(text):
    assert techs(text) == []


# _YEARS is written with literal-led branches for speed; it must place plans as the plain alternation did.
_PLAIN_YEARS = re.compile(r"(?:19|20)(\d\d)\s*(?:-|–|—|－|~|～|to|through|until|至|到)\s*((?:19|20)?\d\d)(?!\d)"
                          r"|(?:through|until|till|to|by|up to|by the end of)\s+((?:19|20)\d\d)(?!\d)")


def plain_plan_of_years(sentence, tax):
    for m in _PLAIN_YEARS.finditer(sentence):
        if m.start() and sentence[m.start() - 1].isalnum():
            continue
        if m.group(3):
            key = next((p.key for p in tax.plans if p.last_year == int(m.group(3))), None)
        else:
            first, last = int(m.group()[:4]), m.group(2)
            last = int(last) if len(last) == 4 else first // 100 * 100 + int(last)
            key = next((p.key for p in tax.plans if p.first_year == first and p.last_year == last), None)
        if key:
            return key
    return None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["2021", "2026", "2025", "2030", "25", "30", "-", "–", " to ", " through ", "until ",
                                 "by the end of ", "by ", "up to ", "至", "x", " ", "a"]), max_size=10))
def test_years_place_plans_as_the_plain_alternation(parts):
    tax = default_taxonomy()
    sentence = "".join(parts)
    assert _plan_of_years(sentence, tax) == plain_plan_of_years(sentence, tax)
