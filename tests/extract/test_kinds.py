"""extract.kinds: the kind, year and concept of each figure, changes and revisions within a sentence."""

import datetime as dt

import pytest

from extract.detect import detect
from extract.kinds import _plan

PLAN = "China's 15th Five-Year Plan sets the course. "
SPRING = dt.date(2026, 6, 1)


def figures(text: str, published: dt.date = SPRING):
    return detect(PLAN + text, published=published).figures


def by_value(found):
    return {f.value: f for f in found}


def test_each_figure_takes_the_year_of_its_own_clause():
    found = by_value(figures("The guideline calls for the penetration of AI agents to exceed 70 per cent by 2027 "
                             "and 90 per cent by 2030."))
    assert (found[70].year, found[90].year) == (2027, 2030)
    found = by_value(figures("工业和信息化部提出到2027年，新能源汽车新车销量占比超过60%，到2030年达到70%左右。"))
    assert (found[60].year, found[70].year) == (2027, 2030)


def test_a_change_is_one_figure_with_its_start_value_and_no_revision():
    found = figures("China's annual output of industrial robots rose from 237,000 units in 2020 to 773,000 units "
                    "last year.")
    assert [(f.value, f.kind, f.previous) for f in found] == [(773000, "change", 237000)]
    found = figures("工业机器人产量从2020年的23.7万套增至2025年的77.3万套。")
    assert [(f.value, f.kind, f.previous) for f in found] == [(773000, "change", 237000)]


def test_a_revision_names_the_old_value_also_when_the_new_one_comes_first():
    found = by_value(figures("China has raised its 2027 target for installed new-type energy storage capacity "
                             "to 240 gigawatts from 180 GW."))
    assert found[240].previous == 180 and found[240].kind == found[180].kind == "target"
    found = by_value(figures("中國下修5G基地台目標 2030年每萬人45座 工業和信息化部表示，將2030年每萬人擁有5G基地台數目標"
                             "由50座下修為45座。"))
    assert found[45].previous == 50


def test_a_goal_of_raising_something_is_not_a_revision():
    found = by_value(figures("It also sets the goal of raising the density of industrial robots in manufacturing to "
                             "more than 500 units per 10,000 workers, up from 470 units at the end of the previous "
                             "plan period."))
    assert found[500].previous is None and found[500].kind == "target"
    assert found[470].kind == "outcome" and found[470].unit == found[500].unit == "count_per_10k_people"


def test_statements_of_past_periods_are_outcomes():
    found = figures("截至2025年底，全国新型储能装机规模达到1.1亿千瓦。")
    assert [(f.kind, f.year) for f in found] == [("outcome", None)]
    found = figures("“十四五”时期我国经济年均增长5.5%。")
    assert found[0].kind == "outcome"
    found = figures("Combined wind and solar capacity had reached 2,050 GW, up 21 percent year-on-year, "
                    "as the rollout outpaced earlier expectations.")
    assert {f.kind for f in found} == {"outcome"}


def test_percent_of_something_is_about_that_something():
    en = figures("The industry ministry wants new energy vehicles to make up more than 60 per cent of new car "
                 "sales by 2027.")
    zh = figures("提出到2027年，新能源汽车新车销量占比超过60%。")
    assert en[0].concept == zh[0].concept == "sales_share"
    assert figures("The density of industrial robots reached 470 units per 10,000 workers last year.")[0].concept \
        == "robot_density"


@pytest.mark.parametrize("sentence, plan", [
    ("Under the FOURTEENTH Five-Year Plan, output doubled.", "14th"), ("the 14th plan's goal", "14th"),
    ("the Fifteenth five-year plan aims at 7%", "15th"), ("“十五五”时期目标", "15th"), ("第十四个五年规划纲要", "14th"),
    ("the 14th and 15th plans", "15th"), ("from the 14th plan to the 15th plan", ""), ("in 2014 the 14 plants", ""),
])
def test_a_sentence_ties_its_figures_to_the_plan_it_names(sentence, plan):
    assert _plan(sentence) == plan
