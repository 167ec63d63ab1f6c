"""Routing (第十一条): every unit of the seed table, reasons, manual queue, admin-edited table."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from fastapi.testclient import TestClient

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.services.routing import DEFAULT_ROUTING_FILE, RouteRule, RoutingTable, RoutingTableStore, route

from .conftest import TOKEN

# The units of the monthly report's table (商政服函〔2025〕3 号 附件), in its order.
REPORT_COUNTY_UNITS = ["商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县", "商洛高新（商丹园区）"]
REPORT_CITY_UNITS = [
    "市发改委", "市教育局", "市公安局", "市财政局", "市城管局", "市交通局", "市水利局", "市农业农村局", "市商务局",
    "市退役军人局", "市应急局", "市审计局", "市市场监管局", "市体育局", "市事务局", "市公安局交警支队", "市疾控中心",
    "市房管局", "市不动产登记中心", "市交投公司", "市自来水公司", "国网商洛供电公司", "市邮政管理局", "省联社商洛审计中心",
    "市保险行业协会", "市电信公司", "市医保局", "市天然气公司", "市人社局", "市住建局", "市广电网络公司", "市移动公司",
    "市卫健委", "市联通公司", "市金融办", "市司法局", "市文旅局",
]
COUNTY_DISTRICTS = {
    "商州区": "商州区", "洛南县": "洛南县", "丹凤县": "丹凤县", "商南县": "商南县", "山阳县": "山阳县",
    "镇安县": "镇安县", "柞水县": "柞水县", "商洛高新（商丹园区）": "商洛高新区（商丹园区）",
}
# One realistic matter per city-level unit.
CITY_SAMPLES = {
    "市发改委": "最近本地油价调整后加油站没有执行新价格",
    "市教育局": "孩子今年秋季入学，想了解招生划片的政策",
    "市公安局": "我想把户口从外地迁过来落户需要什么材料",
    "市财政局": "单位申请的财政补贴一直没有拨付",
    "市城管局": "街道两边占道经营很严重，人都走不过去",
    "市交通局": "出租车司机拒载还绕路多收钱",
    "市水利局": "村口河道被人乱挖砂石，河堤都快塌了",
    "市农业农村局": "买到的化肥是假的，庄稼都不长了",
    "市商务局": "健身房办的预付卡老板跑路了",
    "市退役军人局": "我是退役军人，想咨询优抚金怎么申请",
    "市应急局": "附近有个小作坊存放大量烟花爆竹，很危险",
    "市审计局": "想反映某单位的账目问题，希望审计一下",
    "市市场监管局": "超市卖过期食品，还缺斤短两",
    "市体育局": "小区的健身器材坏了很久没人修",
    "市事务局": "看到有人公车私用，周末开公务用车去钓鱼",
    "市公安局交警支队": "路口的红绿灯坏了，早晚高峰很乱",
    "市疾控中心": "孩子打疫苗预约不上接种门诊",
    "市房管局": "物业乱收费，业委会也不管",
    "市不动产登记中心": "买的房子交房三年了还办不了房产证",
    "市交投公司": "高速公路收费站ETC扣费不对",
    "市自来水公司": "我们小区停水两天了还没来水",
    "国网商洛供电公司": "家里突然停电了，一整晚都没来电",
    "市邮政管理局": "快递包裹丢了，快递员不承认",
    "省联社商洛审计中心": "农商银行的工作人员办业务态度很差",
    "市保险行业协会": "车险理赔拖了三个月还没到账",
    "市电信公司": "家里宽带经常断网，报修没人来",
    "市医保局": "异地就医报销手续太麻烦，想咨询一下",
    "市天然气公司": "天然气费突然涨了好多，怀疑燃气表有问题",
    "市人社局": "老板拖欠我们三个月工资不给",
    "市住建局": "旁边建筑工地晚上施工噪音太大睡不着",
    "市广电网络公司": "有线电视没有信号，机顶盒换了也不行",
    "市移动公司": "中国移动乱扣话费，套餐也被改了",
    "市卫健委": "在医院看病医生态度很差",
    "市联通公司": "联通手机卡莫名其妙被停机",
    "市金融办": "有人在小区搞非法集资，老人被骗了",
    "市司法局": "想申请法律援助，不知道去哪里办",
    "市文旅局": "景区门票涨价没有公示，导游还强制购物",
}


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return RoutingTableStore().current()


def test_seed_table_has_the_units_of_the_report(table):
    assert [u.name for u in table.county_units] == REPORT_COUNTY_UNITS
    assert sorted(u.name for u in table.city_units) == sorted(REPORT_CITY_UNITS)
    assert len(table.county_units) == 8 and len(table.city_units) == 37
    assert set(CITY_SAMPLES) == set(REPORT_CITY_UNITS)


@pytest.mark.parametrize("unit", REPORT_COUNTY_UNITS)
def test_every_county_unit_gets_its_district(table, unit):
    decision = route(table, "小区门口的路灯坏了一个星期，晚上很黑", COUNTY_DISTRICTS[unit])
    assert (decision.rule, decision.lead_unit, decision.co_units) == (RouteRule.DISTRICT, unit, ())
    assert decision.reason.startswith(f"属地管理优先：诉求发生在{COUNTY_DISTRICTS[unit]}，转派{unit}")


@pytest.mark.parametrize("unit", REPORT_CITY_UNITS)
def test_every_city_unit(table, unit):
    vertical = next(u for u in table.city_units if u.name == unit).vertical
    # Vertically managed units take the order even when a district is given (第十一条（二）).
    district = "洛南县" if vertical else None
    decision = route(table, CITY_SAMPLES[unit], district)
    assert decision.lead_unit == unit, decision.reason
    if vertical:
        assert decision.rule is RouteRule.VERTICAL
        assert decision.reason.startswith(f"属垂直管理单位职责，转派市级承办单位：{unit}（匹配关键词：")
    else:
        assert decision.rule is RouteRule.DEPARTMENT
        assert decision.reason.startswith(f"未提供区县，按“谁主管、谁负责”转派：{unit}（匹配关键词：")
        # with a district, the county-level unit handles it (属地管理优先)
        local = route(table, CITY_SAMPLES[unit], "镇安县")
        assert (local.rule, local.lead_unit) == (RouteRule.DISTRICT, "镇安县")
        assert unit in local.reason


def test_several_units_give_one_lead_and_co_units(table):
    decision = route(table, "小区停电一整天，电费也算错了，还停水，天然气也不通", "商州区")
    assert decision.rule is RouteRule.VERTICAL
    assert decision.lead_unit == "国网商洛供电公司"  # most keywords found
    assert decision.co_units == ("市天然气公司", "市自来水公司")  # then the longest keyword
    assert "会办" in decision.reason
    decision = route(table, "老板拖欠工资，还不给交社保和养老保险，劳动合同也没签", None)
    assert decision.lead_unit == "市人社局"


def test_unknown_topic_goes_to_the_manual_queue(table):
    decision = route(table, "我想问一下这个事情应该找谁", None)
    assert (decision.rule, decision.lead_unit, decision.co_units) == (RouteRule.MANUAL, None, ())
    assert decision.reason == "未提供区县，且未匹配到主管部门，转人工派单"


# -- the table file ------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        "[]",
        "county_units: [{name: 商州区, district: 火星区}]",
        "county_units: [{name: 商州区, district: 商州区}, {name: 商州区, district: 洛南县}]",
        "city_units: [{name: 市某局, keywords: 停电}]",
        "city_units: [{name: 市某局, vertical: 'yes', keywords: [停电]}]",
        "county_units: []\ncity_units: []",
        "county_units: [unclosed",
    ],
)
def test_broken_table_refuses_to_start(tmp_path, content):
    path = tmp_path / "routing.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="routing table"):
        RoutingTableStore(path)


def test_edited_table_is_reloaded_and_a_broken_edit_keeps_the_old_one(tmp_path, caplog):
    path = tmp_path / "routing.yaml"
    shutil.copyfile(DEFAULT_ROUTING_FILE, path)
    store = RoutingTableStore(path)
    assert route(store.current(), "充电桩坏了没人修", None).rule is RouteRule.MANUAL
    text = path.read_text(encoding="utf-8") + "  - {name: 市新能源服务中心, keywords: [充电桩]}\n"
    path.write_text(text, encoding="utf-8")
    os.utime(path, (1, 1))
    assert route(store.current(), "充电桩坏了没人修", None).lead_unit == "市新能源服务中心"
    path.write_text("county_units: [broken", encoding="utf-8")
    os.utime(path, (2, 2))
    assert route(store.current(), "充电桩坏了没人修", None).lead_unit == "市新能源服务中心"
    assert any("keeping the previous routing table" in r.getMessage() for r in caplog.records)


# -- API ---------------------------------------------------------------------------------
AGENT = "agent-token-0123456789"
UNIT = "unit-shangzhou-0123456"


@pytest.fixture
def api(db_url):
    tokens = {AGENT: "agent", UNIT: {"role": "unit", "unit": "商州区"}}
    settings = Settings(database_url=db_url, api_token=TOKEN, tokens=json.dumps(tokens), auto_migrate=False)
    app = create_app(settings)
    with TestClient(app, headers={"Authorization": f"Bearer {AGENT}"}) as client:
        yield client


def _create(client, **overrides):
    payload = {"type": "求助", "sender_id": "u1", "description": "我们小区停水两天了还没来水",
               "district": "商州区", "contact_phone": "13800000000", **overrides}
    response = client.post("/api/v1/orders", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def test_created_order_stores_the_decision_and_dispatch_uses_it(api):
    order = _create(api)
    assert order["status"] == "received"
    assert (order["route_rule"], order["route_unit"], order["route_co_units"]) == ("vertical", "市自来水公司", [])
    assert order["route_reason"] == "属垂直管理单位职责，转派市级承办单位：市自来水公司（匹配关键词：停水）"
    body = api.post(f"/api/v1/orders/{order['order_no']}/events", json={"kind": "dispatch"}).json()
    assert (body["status"], body["lead_unit"], body["co_units"]) == ("dispatched", "市自来水公司", [])
    # an agent may override the suggestion with any unit of the table
    other = _create(api)
    body = api.post(f"/api/v1/orders/{other['order_no']}/events",
                    json={"kind": "dispatch", "lead_unit": "商州区", "co_units": ["市自来水公司"]}).json()
    assert (body["lead_unit"], body["co_units"]) == ("商州区", ["市自来水公司"])


def test_manual_queue(api):
    routed = _create(api)
    manual = _create(api, description="我想问一下这个事情应该找谁", district=None)
    assert (manual["route_rule"], manual["route_unit"]) == ("manual", None)
    queue = api.get("/api/v1/dispatch-queue").json()
    assert queue["total"] == 1 and [o["order_no"] for o in queue["items"]] == [manual["order_no"]]
    url = f"/api/v1/orders/{manual['order_no']}/events"
    response = api.post(url, json={"kind": "dispatch"})
    assert response.status_code == 422
    assert response.json()["detail"] == "请求参数有误：该工单未匹配到承办单位（人工派单队列），请指定主办单位（lead_unit）"
    assert api.post(url, json={"kind": "dispatch", "lead_unit": "市城管局"}).status_code == 200
    assert api.get("/api/v1/dispatch-queue").json()["total"] == 0
    assert routed["order_no"] not in [o["order_no"] for o in queue["items"]]


def test_table_and_preview_endpoints(api):
    table = api.get("/api/v1/routing").json()
    assert len(table["county_units"]) == 8 and len(table["city_units"]) == 37
    preview = api.post("/api/v1/routing/preview", json={"description": "家里突然停电了", "district": "丹凤"}).json()
    assert (preview["rule"], preview["lead_unit"], preview["matched"]) == ("vertical", "国网商洛供电公司", {"国网商洛供电公司": ["停电"]})
    bad = api.post("/api/v1/routing/preview", json={"description": "家里突然停电了", "district": "火星"})
    assert bad.status_code == 422
    unit = {"Authorization": f"Bearer {UNIT}"}
    for method, url in (("get", "/api/v1/routing"), ("get", "/api/v1/dispatch-queue")):
        assert getattr(api, method)(url, headers=unit).status_code == 403
