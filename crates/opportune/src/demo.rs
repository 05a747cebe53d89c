//! `opportune demo`: deterministic, realistic demo data.
//!
//! A team tree (总部 → three regions → two teams each) with an admin, one manager per region and
//! reps; accounts in several industries with contacts; leads; and opportunities over every
//! sales process with their stage history, activities and ticked entry criteria.
//!
//! Every record is a pure function of (seed, index): record `i` of a kind draws from its own
//! generator seeded with the seed, the kind and `i`, so the same seed and count give the same
//! data. Rows are written with multi-row inserts ([`opportune_db::bulk`]) and ids assigned here,
//! above the highest ids already in use; the next statements are generated on a blocking thread
//! while the database runs the current ones.

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use opportune_core::records::Role;
use opportune_core::templates;
use opportune_db::bulk::{self, Backend, Batch, Statement, Table, Value};
use opportune_db::{Db, Tx, processes, users};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::time::Instant;

/// The demo administrator's e-mail.
pub const DEMO_ADMIN: &str = "admin@demo.opportune";
/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "opportune-demo";

/// What `opportune demo` loads.
#[derive(clap::Args, Clone, Debug)]
pub struct DemoArgs {
    /// How many opportunities to create.
    #[arg(long, default_value_t = 2_000)]
    pub opportunities: u64,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            opportunities: 2_000,
            seed: 42,
        }
    }
}

/// At most this many activities, whatever the number of deals.
const ACTIVITY_CAP: u64 = 3_500_000;
/// Follow-up activities per deal (besides the one before each move forward and the one that
/// ends a lost or abandoned deal, about 2.7 a deal together) while that stays under the cap.
const FOLLOW_UPS_PER_DEAL: f64 = 0.6;
/// Progress is reported every this many deals (and after each kind of record).
const REPORT_EVERY_DEALS: u64 = 250_000;
/// From this many deals on, and when they at least double the deals in the database, the
/// secondary indexes (and on PostgreSQL the foreign keys) of the loaded tables are dropped
/// during the load and built afterwards ([`bulk::suspend`]).
const REBUILD_INDEXES_FROM: u64 = 50_000;
/// How far back deals are created.
const HISTORY_DAYS: i64 = 548;
/// The page cache of the SQLite connection that loads the data, in KiB.
const LOAD_CACHE_KIB: u32 = 1_048_576;

// ---------------------------------------------------------------------------------------------
// Vocabulary

const SURNAMES: [(&str, &str); 30] = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
];

const GIVEN_NAMES: [(&str, &str); 36] = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂英", "guiying"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("晓东", "xiaodong"),
    ("雪梅", "xuemei"),
    ("文博", "wenbo"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("思远", "siyuan"),
    ("嘉怡", "jiayi"),
    ("俊杰", "junjie"),
    ("婷婷", "tingting"),
    ("国庆", "guoqing"),
    ("红梅", "hongmei"),
];

const COMPANY: &str = "总部";

struct Region {
    team: &'static str,
    short: &'static str,
    teams: [&'static str; 2],
    /// (zh, en) city names.
    cities: [(&'static str, &'static str); 6],
}

const REGIONS: [Region; 3] = [
    Region {
        team: "华东大区",
        short: "华东",
        teams: ["华东一部", "华东二部"],
        cities: [
            ("上海", "Shanghai"),
            ("杭州", "Hangzhou"),
            ("南京", "Nanjing"),
            ("苏州", "Suzhou"),
            ("宁波", "Ningbo"),
            ("合肥", "Hefei"),
        ],
    },
    Region {
        team: "华北大区",
        short: "华北",
        teams: ["华北一部", "华北二部"],
        cities: [
            ("北京", "Beijing"),
            ("天津", "Tianjin"),
            ("济南", "Jinan"),
            ("青岛", "Qingdao"),
            ("石家庄", "Shijiazhuang"),
            ("太原", "Taiyuan"),
        ],
    },
    Region {
        team: "华南大区",
        short: "华南",
        teams: ["华南一部", "华南二部"],
        cities: [
            ("广州", "Guangzhou"),
            ("深圳", "Shenzhen"),
            ("厦门", "Xiamen"),
            ("福州", "Fuzhou"),
            ("南宁", "Nanning"),
            ("海口", "Haikou"),
        ],
    },
];

const BRANDS: [&str; 16] = [
    "恒信", "精诚", "华力", "宏达", "永盛", "金鼎", "新锐", "东方", "瑞丰", "天成", "博远", "中科",
    "海纳", "鼎泰", "启明", "万通",
];
const EN_BRANDS: [&str; 10] = [
    "Precision",
    "Apex",
    "Pioneer",
    "Evergreen",
    "Harmony",
    "Golden Bridge",
    "Sunrise",
    "Bluewater",
    "Summit",
    "Orient Star",
];
const NUMERALS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
const DISTRICTS: [&str; 6] = [
    "高新区",
    "经济开发区",
    "中心城区",
    "新区",
    "工业园区",
    "滨江区",
];
const ROADS: [&str; 8] = [
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "和平路",
    "科技路",
    "学府路",
    "长江路",
];
const ACCOUNT_GRADES: [(&str, u32); 5] = [("AA", 5), ("A", 15), ("B", 35), ("C", 30), ("D", 15)];
const ACCOUNT_STATUSES: [(&str, u32); 4] = [
    ("prospect", 30),
    ("active", 50),
    ("dormant", 15),
    ("lost", 5),
];
const SOURCES: [&str; 7] = [
    "老客户推荐",
    "展会",
    "官网咨询",
    "电话开发",
    "招标公告",
    "行业研讨会",
    "转介绍",
];
const LEAD_STATUSES: [(&str, u32); 4] = [
    ("new", 40),
    ("contacted", 30),
    ("qualified", 15),
    ("disqualified", 15),
];
const LEAD_NOTES: [&str; 6] = [
    "展会上留下名片，对产品感兴趣",
    "官网留言咨询报价",
    "同事介绍，尚未约到面谈",
    "电话沟通过一次，需再跟进",
    "有明年的采购计划",
    "预算未定，先保持联系",
];
const INTERESTS: [&str; 8] = [
    "高尔夫",
    "钓鱼",
    "书法",
    "品茶",
    "跑步",
    "摄影",
    "登山",
    "围棋",
];
const AUTHORITY: [&str; 4] = ["拍板", "建议权", "执行", "否决权"];
const PERSONALITY: [&str; 5] = ["直爽", "谨慎", "注重细节", "健谈", "强势"];
const WORKING_STYLE: [&str; 4] = ["数据导向", "关系导向", "结果导向", "流程导向"];
const FAMILY_NOTES: [&str; 5] = [
    "孩子上初中",
    "孩子准备出国留学",
    "父母同住",
    "爱人是教师",
    "刚有二胎",
];
const BUSINESS_NEEDS: [&str; 5] = [
    "降低采购成本",
    "提升效率",
    "项目按期上线",
    "符合政策要求",
    "售后服务有保障",
];
const PERSONAL_NEEDS: [&str; 5] = ["稳中求进", "希望获得认可", "规避风险", "职业晋升", "少操心"];
const DEAL_GRADES: [(&str, u32); 4] = [("A", 20), ("B", 35), ("C", 30), ("D", 15)];
const DEAL_SUFFIXES: [&str; 4] = ["项目", "采购项目", "升级项目", "二期项目"];
const PROCESS_WEIGHTS: [u32; 4] = [35, 25, 25, 15];
/// Why deals are won.
const WON_REASONS: [(&str, u32); 5] = [
    ("方案契合需求", 30),
    ("价格优势", 20),
    ("客户关系", 20),
    ("技术领先", 15),
    ("服务承诺", 15),
];
/// Why deals are lost, besides a competitor (`竞争对手：…`, one of the deal's competitors).
const LOST_REASONS: [(&str, u32); 4] = [
    ("价格", 30),
    ("技术方案", 20),
    ("关系", 15),
    ("预算取消", 20),
];
/// Why deals are abandoned; one in five is closed without saying why.
const ABANDONED_REASONS: [(&str, u32); 4] = [
    ("客户项目暂停", 35),
    ("需求不明确", 25),
    ("客户长期无回应", 20),
    ("", 20),
];
/// The override reasons of a move that skips a stage.
const SKIP_REASONS: [&str; 4] = [
    "客户高层直接推动，跳过常规评估",
    "老客户复购，流程从简",
    "招标时间提前，先进入下一阶段",
    "经理批准：决策人已口头承诺",
];

/// An activity as a rep logs it: kind, notes, outcome and the next step agreed ("" for none).
#[derive(Debug, Clone, Copy)]
struct Logged {
    kind: &'static str,
    notes: &'static str,
    outcome: &'static str,
    next_step: &'static str,
}

const fn logged(
    kind: &'static str,
    notes: &'static str,
    outcome: &'static str,
    next_step: &'static str,
) -> Logged {
    Logged {
        kind,
        notes,
        outcome,
        next_step,
    }
}

/// The activities that lead into a stage of up to 20 % (a first contact).
const TO_CONTACT: [Logged; 3] = [
    logged(
        "call",
        "电话联系，介绍公司与产品",
        "客户同意安排初次见面",
        "初次拜访，了解需求",
    ),
    logged(
        "email",
        "发送公司介绍与成功案例",
        "客户回复愿意进一步沟通",
        "电话预约拜访时间",
    ),
    logged(
        "visit",
        "初次拜访，建立联系",
        "确认存在采购需求",
        "约见决策人",
    ),
];
/// … of up to 40 % (qualifying: decision process, people, timing and funds).
const TO_QUALIFY: [Logged; 3] = [
    logged(
        "visit",
        "拜访关键决策人，了解采购流程与预算",
        "获得预算与时间表信息",
        "安排技术交流",
    ),
    logged(
        "meeting",
        "参加客户内部需求讨论会",
        "需求与决策流程已明确",
        "准备方案演示",
    ),
    logged(
        "call",
        "电话确认需求细节与预算范围",
        "客户确认预算已立项",
        "约见使用部门负责人",
    ),
];
/// … of up to 60 % (the solution: demos, samples, reference visits).
const TO_SOLUTION: [Logged; 4] = [
    logged("demo", "现场产品演示", "客户认可方案", "提交技术方案"),
    logged(
        "sample",
        "送样品试用并提供检测报告",
        "试用反馈良好",
        "提交正式报价",
    ),
    logged(
        "site_visit",
        "组织参观样板客户",
        "客户对案例效果认可",
        "提交正式方案与报价",
    ),
    logged("meeting", "技术交流会", "技术参数倾向我方", "提交正式报价"),
];
/// … below 90 % (the proposal and the negotiation).
const TO_PROPOSAL: [Logged; 3] = [
    logged("meeting", "方案汇报会", "决策人表示支持", "商务谈判"),
    logged(
        "joint_call",
        "经理陪同拜访决策者",
        "决策人口头认可合作",
        "确认合同条款",
    ),
    logged(
        "email",
        "邮件发送正式报价单",
        "客户接受报价区间",
        "约定商务谈判时间",
    ),
];
/// … below 100 % (the commitment).
const TO_COMMIT: [Logged; 2] = [
    logged(
        "joint_call",
        "联合拜访，推动商务谈判",
        "双方就合同条款达成一致",
        "签订合同",
    ),
    logged(
        "meeting",
        "合同谈判会议",
        "价格与付款条件已确认",
        "跟进合同审批",
    ),
];
/// … of 100 %, or the win itself (the contract).
const TO_CLOSE: [Logged; 2] = [
    logged("visit", "签订合同", "合同已签订", "安排交付与培训"),
    logged("call", "确认合同回款", "已收到首付款", "安排交付与培训"),
];
/// Activities between the moves; some end without a next step.
const FOLLOW_UPS: [Logged; 8] = [
    logged("call", "电话沟通项目进展", "暂无明确结论", ""),
    logged("email", "发送会议纪要", "客户已确认收到", ""),
    logged("call", "跟进报价反馈", "对价格有异议", "调整报价方案"),
    logged("visit", "例行拜访", "约定下次会面", "下周再次拜访"),
    logged("call", "电话确认需求细节", "需进一步论证", "安排技术交流"),
    logged("email", "发送技术资料", "客户内部评估中", ""),
    logged(
        "meeting",
        "参加客户内部立项会",
        "项目已立项",
        "约见采购负责人",
    ),
    logged(
        "visit",
        "拜访使用科室/部门",
        "使用部门表示支持",
        "约见决策人",
    ),
];
/// The last activity of a lost deal.
const LOST_NOTICES: [Logged; 2] = [
    logged("call", "客户通知采购结果", "客户选择了其他供应商", ""),
    logged("visit", "拜访了解落选原因", "项目已定标，未中标", ""),
];
/// The last activity of an abandoned deal.
const ABANDON_NOTICES: [Logged; 2] = [
    logged("call", "多次联系客户未果", "项目暂停", ""),
    logged("email", "发送跟进邮件，无回复", "客户暂无采购计划", ""),
];

/// The activities that lead into a stage of `probability` %.
fn lead_in(probability: i64) -> &'static [Logged] {
    match probability {
        ..=20 => &TO_CONTACT,
        21..=40 => &TO_QUALIFY,
        41..=60 => &TO_SOLUTION,
        61..=89 => &TO_PROPOSAL,
        90..=99 => &TO_COMMIT,
        _ => &TO_CLOSE,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Industry {
    Hospital,
    Manufacturing,
    RealEstate,
    Insurance,
    Enterprise,
}

const INDUSTRIES: [(Industry, u32); 5] = [
    (Industry::Hospital, 30),
    (Industry::Manufacturing, 25),
    (Industry::RealEstate, 15),
    (Industry::Insurance, 15),
    (Industry::Enterprise, 15),
];

impl Industry {
    fn label(self) -> &'static str {
        match self {
            Industry::Hospital => "医院",
            Industry::Manufacturing => "制造业",
            Industry::RealEstate => "房地产开发",
            Industry::Insurance => "保险（个人客户）",
            Industry::Enterprise => "企业信息化",
        }
    }

    fn sizes(self) -> &'static [&'static str] {
        match self {
            Industry::Hospital => &["三级甲等", "三级乙等", "二级甲等", "专科医院"],
            Industry::Manufacturing | Industry::Enterprise => {
                &["50人以下", "50-200人", "200-1000人", "1000人以上"]
            }
            Industry::RealEstate => &["区域开发商", "全国百强", "地方龙头"],
            Industry::Insurance => &["个人", "家庭"],
        }
    }

    fn products(self) -> &'static [&'static str] {
        match self {
            Industry::Hospital => &[
                "彩色超声诊断系统",
                "64排CT",
                "全自动生化分析仪",
                "病人监护系统",
                "数字化手术室",
                "DR影像系统",
                "内镜系统",
            ],
            Industry::Manufacturing => &[
                "ERP系统",
                "MES生产执行系统",
                "数控加工中心",
                "工业机器人产线",
                "仓储自动化",
            ],
            Industry::RealEstate => &[
                "电梯采购",
                "幕墙工程",
                "智能家居系统",
                "精装修材料集采",
                "楼盘代理销售",
            ],
            Industry::Insurance => &[
                "年金保险",
                "重大疾病保险",
                "家庭保障计划",
                "教育金计划",
                "高端医疗险",
            ],
            Industry::Enterprise => &[
                "CRM系统",
                "私有云平台",
                "数据中台",
                "视频会议系统",
                "网络安全方案",
            ],
        }
    }

    fn competitors(self) -> &'static [&'static str] {
        match self {
            Industry::Hospital => &[
                "迈瑞医疗",
                "GE医疗",
                "西门子医疗",
                "飞利浦",
                "联影医疗",
                "奥林巴斯",
            ],
            Industry::Manufacturing => &["SAP", "用友", "金蝶", "西门子", "发那科", "ABB"],
            Industry::RealEstate => &["奥的斯", "三菱电梯", "日立电梯", "通力", "易居"],
            Industry::Insurance => &["中国平安", "中国人寿", "太平洋保险", "友邦保险", "泰康"],
            Industry::Enterprise => &["华为", "阿里云", "Salesforce", "腾讯云", "深信服"],
        }
    }

    /// (title, department) of the people met there.
    fn titles(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Industry::Hospital => &[
                ("院长", "院办"),
                ("副院长", "院办"),
                ("设备科主任", "设备科"),
                ("采购办主任", "采购办"),
                ("放射科主任", "放射科"),
                ("信息科主任", "信息科"),
                ("护士长", "护理部"),
            ],
            Industry::Manufacturing => &[
                ("总经理", "总经办"),
                ("采购经理", "采购部"),
                ("生产总监", "生产部"),
                ("IT经理", "信息部"),
                ("财务总监", "财务部"),
                ("设备主管", "设备部"),
            ],
            Industry::RealEstate => &[
                ("项目总监", "项目部"),
                ("成本经理", "成本部"),
                ("营销总监", "营销中心"),
                ("招采经理", "招采部"),
                ("工程经理", "工程部"),
            ],
            Industry::Insurance => &[("本人", "家庭"), ("配偶", "家庭")],
            Industry::Enterprise => &[
                ("CIO", "信息中心"),
                ("IT经理", "信息部"),
                ("采购经理", "采购部"),
                ("总经理", "总经办"),
                ("运维主管", "运维部"),
            ],
        }
    }

    fn needs(self) -> &'static [&'static str] {
        match self {
            Industry::Hospital => &[
                "新院区建设，需要整体设备配置",
                "设备老化，计划年内更新",
                "科室扩建，需增加检查能力",
            ],
            Industry::Manufacturing => &[
                "产能扩张，需要提升自动化水平",
                "现有系统老旧，计划替换",
                "质量追溯要求提高",
            ],
            Industry::RealEstate => &[
                "新楼盘开工，集中采购",
                "控制成本，要求供应商让利",
                "提升交付品质",
            ],
            Industry::Insurance => &["子女教育储备", "养老规划", "家庭保障缺口较大"],
            Industry::Enterprise => &["业务数字化转型", "数据分散，需要统一平台", "等保合规要求"],
        }
    }

    /// Deal amounts in whole CNY: (lowest, highest).
    fn amount_range(self) -> (f64, f64) {
        match self {
            Industry::Hospital | Industry::RealEstate => (200_000.0, 5_000_000.0),
            Industry::Manufacturing => (100_000.0, 5_000_000.0),
            Industry::Insurance => (50_000.0, 600_000.0),
            Industry::Enterprise => (50_000.0, 2_000_000.0),
        }
    }

    /// Companies may carry an English name; individuals do not.
    fn may_be_english(self) -> bool {
        self != Industry::Insurance
    }
}

// ---------------------------------------------------------------------------------------------
// Random helpers

/// The generator of record `index` of the kind `stream`.
fn rng_for(seed: u64, stream: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(mix(
        seed ^ mix(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix(index))
    ))
}

/// SplitMix64's finaliser: spreads nearby inputs over the whole range.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const STREAM_ACCOUNTS: u64 = 1;
const STREAM_CONTACTS: u64 = 2;
const STREAM_LEADS: u64 = 3;
const STREAM_DEALS: u64 = 4;

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// An index drawn with the given weights.
fn weighted(rng: &mut StdRng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (i, w) in weights.enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    0
}

fn pick_weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    items[weighted(rng, items.iter().map(|(_, w)| *w))].0
}

/// A person's name with its pinyin (given, surname).
fn person(rng: &mut StdRng) -> (String, &'static str, &'static str) {
    let (s, s_py) = pick(rng, &SURNAMES);
    let (g, g_py) = pick(rng, &GIVEN_NAMES);
    (format!("{s}{g}"), g_py, s_py)
}

/// The `k`-th of 1,080 distinct names, in an order that depends on the seed.
fn user_name(seed: u64, k: usize) -> String {
    let combos = SURNAMES.len() * GIVEN_NAMES.len();
    let c = (k * 37 + (seed % combos as u64) as usize) % combos;
    format!(
        "{}{}",
        SURNAMES[c % SURNAMES.len()].0,
        GIVEN_NAMES[c / SURNAMES.len()].0
    )
}

fn phone(rng: &mut StdRng) -> String {
    format!(
        "1{}{:09}",
        pick(rng, &[3, 5, 7, 8, 9]),
        rng.random_range(0..1_000_000_000u32)
    )
}

/// `a + (b - a) × frac`, to the second.
fn between(a: DateTime<Utc>, b: DateTime<Utc>, frac: f64) -> DateTime<Utc> {
    a + Duration::seconds(((b - a).num_seconds() as f64 * frac) as i64)
}

/// A draw from the standard normal distribution (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A log-normal factor of median 1: most draws near 1, a long tail above.
fn spread(rng: &mut StdRng, sigma: f64) -> f64 {
    (sigma * normal(rng)).exp()
}

// ---------------------------------------------------------------------------------------------
// The reps' habits

/// How long ago the new reps joined, in days.
const NEW_REP_DAYS: i64 = 120;
/// How many reps the habits take in turn ([`Persona::of`]).
const PERSONAS_EVERY: usize = 8;

/// How a rep sells, so that per-rep analyses have something to find.
///
/// Rep `k` (counting from 0 in the order they are created, so `rep{k+1}@demo.opportune`) has the
/// habit [`Persona::of`]`(k)`: of every eight reps the first is a strong closer, the second a
/// staller, the third new and the fourth optimistic; the other four are ordinary. Any team of four
/// reps or more has each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    /// Wins most of the deals it closes, and fast: shorter stages, fewer losses.
    Closer,
    /// Its deals stall at one stage, the one nearest 50 % ([`ProcessInfo::stall_stage`], SPEC §6
    /// shape C "stuck at 50 %"): about four times as long there, and most of them leave it lost,
    /// abandoned or back.
    Staller,
    /// Joined [`NEW_REP_DAYS`] days ago with a third of the accounts of the others: few deals, all
    /// created since, so a thin top of the funnel (SPEC §6 shape B, "new rep").
    Newcomer,
    /// Claims a certainty 20–30 points above the stage's and above its own evidence, and loses
    /// more often than the others: high certainty on deals that end lost.
    Optimist,
    Ordinary,
}

/// A rep's habits as numbers.
#[derive(Debug, Clone, Copy)]
struct Habits {
    /// Time spent in a stage against its target duration (median).
    pace: f64,
    /// Chance that a deal leaving a stage below the last open one is lost; abandoned.
    lose: f64,
    abandon: f64,
    /// Chance that a deal leaving the last open stage is won.
    win: f64,
    /// Points claimed above the certainty a stage suggests.
    optimism: i64,
    /// The rep's average sales cycle in days: a prospect older than this falls back to the first
    /// stage of the prospect process (SPEC §3.2).
    cycle: i64,
    /// First expected close date, in days after the creation.
    first_close: (i64, i64),
    /// Share of the accounts, against 3 for an ordinary rep.
    accounts: u32,
}

impl Persona {
    /// The habit of rep `k` (see [`Persona`]).
    fn of(k: usize) -> Persona {
        match k % PERSONAS_EVERY {
            0 => Persona::Closer,
            1 => Persona::Staller,
            2 => Persona::Newcomer,
            3 => Persona::Optimist,
            _ => Persona::Ordinary,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Persona::Closer => "strong closer",
            Persona::Staller => "stalls at the stage nearest 50 %",
            Persona::Newcomer => "new (few, young deals)",
            Persona::Optimist => "optimistic certainty",
            Persona::Ordinary => "ordinary",
        }
    }

    fn habits(self) -> Habits {
        let ordinary = Habits {
            pace: 1.0,
            lose: 0.06,
            abandon: 0.025,
            win: 0.6,
            optimism: 0,
            cycle: 90,
            first_close: (45, 150),
            accounts: 3,
        };
        match self {
            Persona::Closer => Habits {
                pace: 0.55,
                lose: 0.025,
                abandon: 0.01,
                win: 0.88,
                cycle: 60,
                first_close: (30, 100),
                ..ordinary
            },
            Persona::Staller => Habits {
                cycle: 120,
                ..ordinary
            },
            Persona::Newcomer => Habits {
                win: 0.55,
                accounts: 1,
                first_close: (30, 120),
                ..ordinary
            },
            Persona::Optimist => Habits {
                lose: 0.09,
                win: 0.45,
                optimism: 25,
                first_close: (30, 90),
                ..ordinary
            },
            Persona::Ordinary => ordinary,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The plan: everything fixed before generation

#[derive(Debug, Clone)]
struct Rep {
    id: i64,
    team_id: i64,
    region: usize,
}

#[derive(Debug, Clone)]
struct StageInfo {
    id: i64,
    probability: i64,
    /// The stage's target duration in days.
    target_days: i64,
    entry: Vec<i64>,
}

#[derive(Debug, Clone)]
struct ProcessInfo {
    id: i64,
    stages: Vec<StageInfo>,
    /// The prospect system: an open prospect older than its rep's sales cycle falls back to the
    /// first stage (a system event).
    demotes: bool,
}

impl ProcessInfo {
    /// How many leading stages an open deal may be in: those below 100 %.
    fn open_stages(&self) -> usize {
        match self.stages.iter().filter(|s| s.probability < 100).count() {
            0 => self.stages.len(),
            n => n,
        }
    }

    /// The last stage an open deal may be in.
    fn top(&self) -> usize {
        self.open_stages() - 1
    }

    /// The stage of 100 % a won deal moves into, if the process has one (else a deal is won in its
    /// last stage).
    fn won_stage(&self) -> Option<usize> {
        (self.open_stages() < self.stages.len()).then(|| self.stages.len() - 1)
    }

    /// Where the staller's deals stall: the open stage past the first whose probability is nearest
    /// 50 % (the lower on a tie).
    fn stall_stage(&self) -> usize {
        (1..=self.top())
            .min_by_key(|&s| (self.stages[s].probability - 50).abs())
            .unwrap_or(0)
    }
}

/// The first id of each table the load writes to.
#[derive(Debug, Clone, Copy)]
struct FirstIds {
    account: i64,
    contact: i64,
    lead: i64,
    opportunity: i64,
    event: i64,
    activity: i64,
}

#[derive(Debug, Clone)]
struct Plan {
    seed: u64,
    deals: u64,
    accounts: u64,
    leads: u64,
    /// Follow-up activities per deal ([`FOLLOW_UPS_PER_DEAL`]).
    follow_ups: f64,
    now: DateTime<Utc>,
    today: NaiveDate,
    /// Midnight (UTC) of today.
    day0: DateTime<Utc>,
    reps: Vec<Rep>,
    /// The running sum of the reps' shares of the accounts ([`Habits::accounts`]).
    account_shares: Vec<u32>,
    /// The manager of each region, by name.
    managers: Vec<String>,
    processes: Vec<ProcessInfo>,
    ids: FirstIds,
}

/// Reps for `n` deals: 8 for 2,000, growing with the square root, at most 196.
fn rep_count(n: u64) -> usize {
    ((2.0 * (n as f64 / 125.0).sqrt()).round() as usize).clamp(6, 196)
}

fn account_count(n: u64) -> u64 {
    (n / 5).max(50)
}

fn lead_count(n: u64) -> u64 {
    (n / 10).max(20)
}

impl Plan {
    fn new(
        args: &DemoArgs,
        now: DateTime<Utc>,
        reps: Vec<Rep>,
        managers: Vec<String>,
        processes: Vec<ProcessInfo>,
        ids: FirstIds,
    ) -> Plan {
        let n = args.opportunities;
        let today = now.date_naive();
        let account_shares = (0..reps.len())
            .scan(0, |sum, k| {
                *sum += Persona::of(k).habits().accounts;
                Some(*sum)
            })
            .collect();
        Plan {
            seed: args.seed,
            deals: n,
            accounts: account_count(n),
            leads: lead_count(n),
            follow_ups: FOLLOW_UPS_PER_DEAL
                .min(ACTIVITY_CAP as f64 / n.max(1) as f64 - 3.0)
                .max(0.0),
            now,
            today,
            day0: today.and_time(chrono::NaiveTime::MIN).and_utc(),
            reps,
            account_shares,
            managers,
            processes,
            ids,
        }
    }

    /// An instant during office hours in China (09:00–18:00, UTC+8) `days_ago` days back.
    fn office_time(&self, rng: &mut StdRng, days_ago: i64) -> DateTime<Utc> {
        self.day0 - Duration::days(days_ago) + Duration::seconds(rng.random_range(3_600..36_000))
    }

    /// [`Plan::office_time`] on a day drawn from `days_ago`.
    fn office_day(&self, rng: &mut StdRng, days_ago: RangeInclusive<i64>) -> DateTime<Utc> {
        let days = rng.random_range(days_ago);
        self.office_time(rng, days)
    }

    /// An account's owner, drawn by the reps' shares.
    fn account_owner(&self, rng: &mut StdRng) -> usize {
        let total = self.account_shares.last().copied().unwrap_or(1).max(1);
        let x = rng.random_range(0..total);
        self.account_shares
            .partition_point(|&sum| sum <= x)
            .min(self.reps.len().saturating_sub(1))
    }

    /// How many days ago `at` was (0 for today).
    fn days_ago(&self, at: DateTime<Utc>) -> i64 {
        (self.today - at.date_naive()).num_days()
    }
}

// ---------------------------------------------------------------------------------------------
// Records, as pure functions of (plan, index)

#[derive(Debug, Clone, PartialEq)]
struct Account {
    name: String,
    industry: Industry,
    size: &'static str,
    region: usize,
    address: String,
    grade: &'static str,
    status: &'static str,
    needs: &'static str,
    owner: usize,
    created_at: DateTime<Utc>,
}

fn account(plan: &Plan, j: u64) -> Account {
    let mut rng = rng_for(plan.seed, STREAM_ACCOUNTS, j);
    let owner = plan.account_owner(&mut rng);
    let region = plan.reps[owner].region;
    let (city, city_en) = pick(&mut rng, &REGIONS[region].cities);
    let industry = pick_weighted(&mut rng, &INDUSTRIES);
    let english = industry.may_be_english() && rng.random_bool(0.15);
    let brand = pick(&mut rng, &BRANDS);
    let en_brand = pick(&mut rng, &EN_BRANDS);
    let variant = rng.random_range(0..4);
    let name = match (industry, english, variant) {
        (Industry::Hospital, false, 0) => {
            format!("{city}市第{}人民医院", pick(&mut rng, &NUMERALS))
        }
        (Industry::Hospital, false, 1) => format!("{city}市中心医院"),
        (Industry::Hospital, false, 2) => format!("{city}市中医医院"),
        (Industry::Hospital, false, _) => match rng.random_range(0..3) {
            0 => format!("{city}市{}人民医院", pick(&mut rng, &DISTRICTS)),
            1 => format!("{city}市妇幼保健院"),
            _ => format!("{city}{brand}医院"),
        },
        (Industry::Hospital, true, 0 | 1) => format!("{city_en} International Medical Center"),
        (Industry::Hospital, true, _) => format!("{city_en} Women and Children's Hospital"),
        (Industry::Manufacturing, false, 0 | 1) => format!(
            "{city}{brand}{}有限公司",
            pick(
                &mut rng,
                &["机械", "精密制造", "汽车零部件", "电子科技", "新材料"]
            )
        ),
        (Industry::Manufacturing, false, _) => format!("{brand}智能装备股份有限公司"),
        (Industry::Manufacturing, true, _) => format!(
            "{city_en} {en_brand} {} Co.",
            pick(
                &mut rng,
                &["Tooling", "Machinery", "Auto Parts", "Electronics"]
            )
        ),
        (Industry::RealEstate, false, 0 | 1) => format!("{brand}地产集团"),
        (Industry::RealEstate, false, _) => format!("{city}{brand}置业有限公司"),
        (Industry::RealEstate, true, _) => format!("{en_brand} Properties Ltd."),
        (Industry::Insurance, _, _) => person(&mut rng).0,
        (Industry::Enterprise, false, 0 | 1) => format!("{brand}科技有限公司"),
        (Industry::Enterprise, false, _) => format!("{city}{brand}信息技术股份有限公司"),
        (Industry::Enterprise, true, _) => format!("{en_brand} Technologies Ltd."),
    };
    let address = format!(
        "{city}市{}{}{}号",
        pick(&mut rng, &DISTRICTS),
        pick(&mut rng, &ROADS),
        rng.random_range(1..1_000)
    );
    Account {
        name,
        industry,
        size: pick(&mut rng, industry.sizes()),
        region,
        address,
        grade: pick_weighted(&mut rng, &ACCOUNT_GRADES),
        status: pick_weighted(&mut rng, &ACCOUNT_STATUSES),
        needs: pick(&mut rng, industry.needs()),
        owner,
        created_at: plan.office_day(&mut rng, HISTORY_DAYS + 1..=730),
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Contact {
    name: String,
    /// Index into the industry's titles.
    title: usize,
    phone: String,
    email: String,
    hometown: &'static str,
    birthday: Option<NaiveDate>,
    /// interests, tenure, authority, personality, working style, family, business and
    /// personal needs — filled for about half of the contacts.
    profile: Option<[String; 8]>,
    created_at: DateTime<Utc>,
}

fn contacts(plan: &Plan, j: u64, account: &Account) -> Vec<Contact> {
    let mut rng = rng_for(plan.seed, STREAM_CONTACTS, j);
    let titles = account.industry.titles();
    let count = rng.random_range(1..=titles.len().min(3));
    let first_title = rng.random_range(0..titles.len());
    (0..count)
        .map(|k| {
            let (name, g_py, s_py) = person(&mut rng);
            let email = if account.industry == Industry::Insurance {
                format!("{g_py}.{s_py}{}@mail.example.cn", rng.random_range(1..100))
            } else {
                format!("{g_py}.{s_py}@c{j}.example.cn")
            };
            let region = &REGIONS[rng.random_range(0..REGIONS.len())];
            let hometown = pick(&mut rng, &region.cities).0;
            let birthday = rng.random_bool(0.4).then(|| {
                NaiveDate::from_ymd_opt(
                    rng.random_range(1962..1996),
                    rng.random_range(1..=12),
                    rng.random_range(1..=28),
                )
                .unwrap_or(NaiveDate::MIN)
            });
            let profile = rng.random_bool(0.5).then(|| {
                [
                    pick(&mut rng, &INTERESTS).to_owned(),
                    format!("{}年", rng.random_range(1..20)),
                    pick(&mut rng, &AUTHORITY).to_owned(),
                    pick(&mut rng, &PERSONALITY).to_owned(),
                    pick(&mut rng, &WORKING_STYLE).to_owned(),
                    pick(&mut rng, &FAMILY_NOTES).to_owned(),
                    pick(&mut rng, &BUSINESS_NEEDS).to_owned(),
                    pick(&mut rng, &PERSONAL_NEEDS).to_owned(),
                ]
            });
            Contact {
                name,
                title: (first_title + k) % titles.len(),
                phone: phone(&mut rng),
                email,
                hometown,
                birthday,
                profile,
                created_at: account.created_at + Duration::days(rng.random_range(0..30)),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
struct Lead {
    name: String,
    company: String,
    title: &'static str,
    phone: String,
    email: String,
    source: &'static str,
    status: &'static str,
    notes: &'static str,
    owner: usize,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn lead(plan: &Plan, k: u64) -> Lead {
    let mut rng = rng_for(plan.seed, STREAM_LEADS, k);
    let owner = rng.random_range(0..plan.reps.len());
    let region = &REGIONS[plan.reps[owner].region];
    let city = pick(&mut rng, &region.cities).0;
    let industry = pick_weighted(&mut rng, &INDUSTRIES);
    let (name, g_py, s_py) = person(&mut rng);
    let company = match industry {
        Industry::Hospital => format!(
            "{city}市{}医院",
            pick(&mut rng, &["骨科", "口腔", "眼科", "康复"])
        ),
        Industry::Insurance => String::new(),
        _ => format!("{city}{}有限公司", pick(&mut rng, &BRANDS)),
    };
    let created_at = plan.office_day(&mut rng, 1..=180);
    Lead {
        name,
        company,
        title: match industry {
            Industry::Insurance => "个人",
            _ => pick(&mut rng, industry.titles()).0,
        },
        phone: phone(&mut rng),
        email: format!("{g_py}.{s_py}{}@lead.example.cn", k % 1000),
        source: pick(&mut rng, &SOURCES),
        status: pick_weighted(&mut rng, &LEAD_STATUSES),
        notes: pick(&mut rng, &LEAD_NOTES),
        owner,
        created_at,
        updated_at: between(created_at, plan.now, rng.random_range(0.0..0.3)),
    }
}

/// What a deal needs to know about its account.
#[derive(Debug, Clone)]
struct AccountInfo {
    name: String,
    industry: Industry,
    owner: usize,
    first_contact: i64,
    contacts: u8,
    /// Index of each contact's title in the industry's titles.
    titles: [u8; 3],
}

impl AccountInfo {
    fn new(a: &Account, first_contact: i64, contacts: &[Contact]) -> AccountInfo {
        let mut titles = [0; 3];
        for (t, c) in titles.iter_mut().zip(contacts) {
            *t = c.title as u8;
        }
        AccountInfo {
            name: a.name.clone(),
            industry: a.industry,
            owner: a.owner,
            first_contact,
            contacts: contacts.len() as u8,
            titles,
        }
    }
}

/// The fields of a deal that its history records, as one event left them (the name, owner and
/// team of a demo deal do not change).
#[derive(Debug, Clone, Copy, PartialEq)]
struct State {
    /// Index into the process's stages.
    stage: usize,
    amount_minor: i64,
    expected_close: NaiveDate,
    status: &'static str,
    /// Whether the deal's close reason is set: from its closing on.
    reason: bool,
    certainty: i64,
    evidence: i64,
    tracked: bool,
    grade: Option<&'static str>,
    next_review: Option<NaiveDate>,
}

/// A change of one field of [`State`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Set {
    Stage(usize),
    Amount(i64),
    CloseDate(NaiveDate),
    Certainty(i64),
    Evidence(i64),
    /// A new status; closing brings the close reason.
    Status(&'static str),
    Tracked(bool),
    Grade(Option<&'static str>),
    Review(Option<NaiveDate>),
}

impl State {
    /// Makes the change; answers its event's kind with the value before and after, or `None` if
    /// it changes nothing.
    fn apply(&mut self, set: Set, stages: &[StageInfo]) -> Option<(&'static str, String, String)> {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let (kind, from, to) = match set {
            Set::Stage(s) => {
                let from = std::mem::replace(&mut self.stage, s);
                (
                    "stage",
                    stages[from].id.to_string(),
                    stages[s].id.to_string(),
                )
            }
            Set::Amount(a) => {
                let from = std::mem::replace(&mut self.amount_minor, a);
                ("amount", from.to_string(), a.to_string())
            }
            Set::CloseDate(d) => {
                let from = std::mem::replace(&mut self.expected_close, d);
                ("close_date", from.to_string(), d.to_string())
            }
            Set::Certainty(c) => {
                let from = std::mem::replace(&mut self.certainty, c);
                ("certainty", from.to_string(), c.to_string())
            }
            Set::Evidence(e) => {
                let from = std::mem::replace(&mut self.evidence, e);
                ("evidence", from.to_string(), e.to_string())
            }
            Set::Status(s) => {
                let from = std::mem::replace(&mut self.status, s);
                self.reason = s != "open";
                ("status", from.to_owned(), s.to_owned())
            }
            Set::Tracked(t) => {
                let from = std::mem::replace(&mut self.tracked, t);
                ("tracked", from.to_string(), t.to_string())
            }
            Set::Grade(g) => {
                let from = std::mem::replace(&mut self.grade, g);
                (
                    "grade",
                    from.unwrap_or_default().to_owned(),
                    g.unwrap_or_default().to_owned(),
                )
            }
            Set::Review(d) => {
                let from = std::mem::replace(&mut self.next_review, d);
                ("review_date", date(from), date(d))
            }
        };
        (from != to).then_some((kind, from, to))
    }
}

/// A change before it is put in order: when, what, by whom and why.
#[derive(Debug, Clone)]
struct Change {
    at: DateTime<Utc>,
    set: Set,
    /// Made by the system (no user) rather than the deal's owner.
    system: bool,
    /// The override reason of a move past unmet criteria.
    reason: Option<&'static str>,
    detail: Option<String>,
}

impl Change {
    fn by_owner(at: DateTime<Utc>, set: Set) -> Change {
        Change {
            at,
            set,
            system: false,
            reason: None,
            detail: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Event {
    at: DateTime<Utc>,
    kind: &'static str,
    from: Option<String>,
    to: Option<String>,
    /// Made by the system (actor_kind 'system', no actor id).
    system: bool,
    reason: Option<&'static str>,
    detail: Option<String>,
    /// The deal as the event left it.
    state: State,
}

#[derive(Debug, Clone, PartialEq)]
struct Activity {
    /// Which of the account's contacts, if any.
    contact: Option<u8>,
    kind: &'static str,
    occurred_on: NaiveDate,
    participants: String,
    notes: &'static str,
    outcome: &'static str,
    next_step: &'static str,
    next_step_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
struct Deal {
    account: usize,
    owner: usize,
    process: usize,
    stage: usize,
    status: &'static str,
    close_reason: Cow<'static, str>,
    name: String,
    amount_minor: i64,
    expected_close: NaiveDate,
    stage_entered_at: DateTime<Utc>,
    certainty: i64,
    evidence: i64,
    smart_goal: String,
    source: &'static str,
    competitors: String,
    tracked: bool,
    grade: Option<&'static str>,
    first_meeting: Option<NaiveDate>,
    next_review: Option<NaiveDate>,
    closed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// In time order, the creation first; each with the deal's state after it.
    events: Vec<Event>,
    activities: Vec<Activity>,
    /// Ticked entry criteria: (item id, when).
    checks: Vec<(i64, DateTime<Utc>)>,
}

/// The certainty a rep claims for a deal at `probability` %, `optimism` points above what the
/// stage suggests.
fn claimed_level(rng: &mut StdRng, probability: i64, optimism: i64) -> i64 {
    let base = ((probability + 5) / 10 * 10).clamp(10, 90);
    (base + pick(rng, &[-10, 0, 0, 10]) + optimism).clamp(10, 90)
}

/// The evidence bits for a claimed level: usually every level up to it, sometimes one missing
/// (a level claimed without its evidence).
fn evidence_for(rng: &mut StdRng, certainty: i64) -> i64 {
    let levels = certainty / 10;
    let all = (1 << levels) - 1;
    if levels >= 2 && rng.random_bool(0.12) {
        all & !(1 << rng.random_range(0..levels))
    } else {
        all
    }
}

/// A whole CNY amount between the industry's bounds, log-uniform, rounded to 1,000 CNY.
fn amount_for(rng: &mut StdRng, industry: Industry) -> i64 {
    let (lo, hi) = industry.amount_range();
    let cny = lo * (hi / lo).powf(rng.random_range(0.0..1.0));
    (cny / 1_000.0).round() as i64 * 1_000
}

/// `cny` × `factor`, kept within the industry's bounds and rounded to 1,000 CNY.
fn revised(cny: i64, factor: f64, industry: Industry) -> i64 {
    let (lo, hi) = industry.amount_range();
    ((cny as f64 * factor).clamp(lo, hi) / 1_000.0).round() as i64 * 1_000
}

/// How a deal came into a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Created,
    /// The next stage.
    Forward,
    /// Two stages on, past one whose criteria were not met (with an override reason).
    Skip,
    /// The stage before.
    Back,
    /// Back to the first stage of the prospect system, by the system.
    Demoted,
}

#[derive(Debug, Clone, Copy)]
struct Visit {
    stage: usize,
    at: DateTime<Utc>,
    how: Move,
}

/// A deal's way through its process: the stages it was in, and how it ended.
#[derive(Debug, Clone)]
struct Walk {
    visits: Vec<Visit>,
    status: &'static str,
    closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Forward,
    Skip,
    Back,
    Lost,
    Abandoned,
}

/// At most this many stage moves a deal.
const MAX_MOVES: usize = 12;

/// What happens when a deal leaves stage `stage` (of which `top` is the last open one);
/// `stalls` when it is the staller's stall stage.
fn outcome(rng: &mut StdRng, h: &Habits, stage: usize, top: usize, stalls: bool) -> Outcome {
    let back = if stage > 0 { 0.06 } else { 0.0 };
    let (lose, abandon, back, skip) = if stage == top {
        let rest = (1.0 - h.win - back).max(0.0);
        (rest * 0.75, rest * 0.25, back, 0.0)
    } else if stalls {
        (0.28, 0.15, 0.12, 0.0)
    } else {
        let abandon = if stage == 0 {
            h.abandon * 1.6
        } else {
            h.abandon
        };
        let skip = if stage + 2 <= top { 0.07 } else { 0.0 };
        (h.lose, abandon, back, skip)
    };
    let x: f64 = rng.random_range(0.0..1.0);
    if x < lose {
        Outcome::Lost
    } else if x < lose + abandon {
        Outcome::Abandoned
    } else if x < lose + abandon + back {
        Outcome::Back
    } else if x < lose + abandon + back + skip {
        Outcome::Skip
    } else {
        Outcome::Forward
    }
}

impl Plan {
    /// An office-hours instant `days_ago` days back, or, if that is not later than `after`, a few
    /// minutes after `after`.
    fn later(&self, rng: &mut StdRng, days_ago: i64, after: DateTime<Utc>) -> DateTime<Utc> {
        let at = self.office_time(rng, days_ago);
        if at > after {
            at
        } else {
            after + Duration::seconds(rng.random_range(60..=1_800))
        }
    }
}

/// A deal of a rep with `persona`, created `born` days ago at `created_at`, through its process:
/// each stage takes about its target duration (the rep's pace, a long tail), then the deal moves
/// on, skips a stage, falls back, is lost or abandoned; leaving the last open stage forward wins
/// it. Whatever would happen today or later has not happened: the deal is open.
fn walk(
    plan: &Plan,
    rng: &mut StdRng,
    proc: &ProcessInfo,
    persona: Persona,
    born: i64,
    created_at: DateTime<Utc>,
) -> Walk {
    let h = persona.habits();
    let top = proc.top();
    let stall = proc.stall_stage();
    let mut visits = vec![Visit {
        stage: 0,
        at: created_at,
        how: Move::Created,
    }];
    let (mut stage, mut day, mut last) = (0, born, created_at);
    let mut demoted = false;
    let closed = |visits, status, at| Walk {
        visits,
        status,
        closed_at: Some(at),
    };
    for _ in 0..MAX_MOVES {
        let stalls = persona == Persona::Staller && stage == stall && stage > 0;
        let target = proc.stages[stage].target_days.max(3) as f64;
        let stay = target * h.pace * spread(rng, 0.6) * if stalls { 4.0 } else { 1.0 };
        let leave = day - (stay.round() as i64).max(1);
        // The nightly check demotes a prospect older than the rep's cycle, at midnight in China.
        let due = (born - h.cycle).min(day - 1);
        if proc.demotes && !demoted && (1..top).contains(&stage) && due > leave && due >= 1 {
            let at = (plan.day0 - Duration::days(due) - Duration::hours(8))
                .max(last + Duration::minutes(1));
            visits.push(Visit {
                stage: 0,
                at,
                how: Move::Demoted,
            });
            (stage, day, last, demoted) = (0, due, at, true);
            continue;
        }
        if leave < 1 {
            break;
        }
        let at = plan.later(rng, leave, last);
        (day, last) = (leave, at);
        let (next, how) = match outcome(rng, &h, stage, top, stalls) {
            Outcome::Forward if stage == top => {
                let Some(won) = proc.won_stage() else {
                    return closed(visits, "won", at);
                };
                visits.push(Visit {
                    stage: won,
                    at,
                    how: Move::Forward,
                });
                let signed = at + Duration::seconds(rng.random_range(600..=7_200));
                return closed(visits, "won", signed);
            }
            Outcome::Forward => (stage + 1, Move::Forward),
            Outcome::Skip => (stage + 2, Move::Skip),
            Outcome::Back => (stage - 1, Move::Back),
            Outcome::Lost => return closed(visits, "lost", at),
            Outcome::Abandoned => return closed(visits, "abandoned", at),
        };
        stage = next;
        visits.push(Visit { stage, at, how });
    }
    Walk {
        visits,
        status: "open",
        closed_at: None,
    }
}

/// The detail of a move that skipped `stage`: its entry criteria were not met.
fn skipped_detail(proc: &ProcessInfo, stage: usize) -> String {
    let s = &proc.stages[stage];
    let unmet = s
        .entry
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "{{\"skipped\":[{{\"stage_id\":{},\"unmet\":[{unmet}]}}]}}",
        s.id
    )
}

fn deal(plan: &Plan, accounts: &[AccountInfo], i: u64) -> Deal {
    let mut rng = rng_for(plan.seed, STREAM_DEALS, i);
    let account = rng.random_range(0..accounts.len());
    let acct = &accounts[account];
    let persona = Persona::of(acct.owner);
    let h = persona.habits();
    let process = weighted(
        &mut rng,
        (0..plan.processes.len()).map(|p| PROCESS_WEIGHTS[p % PROCESS_WEIGHTS.len()]),
    );
    let proc = &plan.processes[process];
    let born = if persona == Persona::Newcomer {
        rng.random_range(1..=NEW_REP_DAYS)
    } else {
        // More deals lately than a year and a half ago: the business grows.
        let u: f64 = rng.random_range(0.0..1.0);
        1 + ((HISTORY_DAYS - 1) as f64 * u.powf(2.0)).round() as i64
    };
    let created_at = plan.office_time(&mut rng, born);
    let walk = walk(plan, &mut rng, proc, persona, born, created_at);
    let status = walk.status;
    let end = walk.closed_at.unwrap_or(plan.now);

    let amount_cny = amount_for(&mut rng, acct.industry);
    let first_close = created_at.date_naive()
        + Duration::days(rng.random_range(h.first_close.0..=h.first_close.1));
    let product = pick(&mut rng, acct.industry.products());
    // "上海市中心医院彩色超声诊断系统采购项目", "Apex Technologies Ltd. CRM系统项目"
    let gap = if acct.name.is_ascii() { " " } else { "" };
    let name = format!(
        "{}{gap}{product}{}",
        acct.name,
        pick(&mut rng, &DEAL_SUFFIXES)
    );
    let smart_goal = if rng.random_bool(0.6) {
        format!(
            "{}年{}月{}日前签订{}合同，金额{}万元",
            first_close.year(),
            first_close.month(),
            first_close.day(),
            product,
            amount_cny / 10_000
        )
    } else {
        String::new()
    };
    let rivals = acct.industry.competitors();
    let first_rival = rng.random_range(0..rivals.len());
    let rivals: Vec<&str> = (0..rng.random_range(0..=3))
        .map(|k| rivals[(first_rival + k) % rivals.len()])
        .collect();
    let close_reason: Cow<'static, str> = match status {
        "won" => pick_weighted(&mut rng, &WON_REASONS).into(),
        "lost" if !rivals.is_empty() && rng.random_bool(0.45) => {
            format!("竞争对手：{}", pick(&mut rng, &rivals)).into()
        }
        "lost" => pick_weighted(&mut rng, &LOST_REASONS).into(),
        "abandoned" => pick_weighted(&mut rng, &ABANDONED_REASONS).into(),
        _ => "".into(),
    };
    let grade = rng
        .random_bool(0.92)
        .then(|| pick_weighted(&mut rng, &DEAL_GRADES));
    let optimism = |rng: &mut StdRng| {
        if h.optimism > 0 {
            h.optimism + pick(rng, &[-5, 5])
        } else {
            0
        }
    };
    let first_level = match optimism(&mut rng) {
        0 if rng.random_bool(0.05) => 0,
        0 => 10,
        extra => 10 + extra,
    };
    let first = State {
        stage: 0,
        amount_minor: amount_cny * 100,
        expected_close: first_close,
        status: "open",
        reason: false,
        certainty: first_level,
        evidence: evidence_for(&mut rng, 10.min(first_level)),
        tracked: false,
        grade,
        next_review: None,
    };

    let mut changes = Vec::with_capacity(24);
    for v in &walk.visits[1..] {
        changes.push(match v.how {
            Move::Skip => Change {
                reason: Some(pick(&mut rng, &SKIP_REASONS)),
                detail: Some(skipped_detail(proc, v.stage - 1)),
                ..Change::by_owner(v.at, Set::Stage(v.stage))
            },
            Move::Demoted => Change {
                system: true,
                ..Change::by_owner(v.at, Set::Stage(v.stage))
            },
            _ => Change::by_owner(v.at, Set::Stage(v.stage)),
        });
    }
    certainty_changes(
        plan,
        &mut rng,
        proc,
        &walk,
        end,
        first_level,
        &optimism,
        &mut changes,
    );
    close_date_changes(
        plan,
        &mut rng,
        proc,
        &walk,
        &h,
        first_close,
        end,
        &mut changes,
    );
    amount_changes(
        plan,
        &mut rng,
        proc,
        &walk,
        acct.industry,
        amount_cny,
        end,
        &mut changes,
    );
    if rng.random_bool(0.12) {
        // A grade given, or revised, at the value assessment.
        let at = plan.later(
            &mut rng,
            plan.days_ago(between(created_at, end, 0.4)),
            created_at,
        );
        let mut g = pick_weighted(&mut rng, &DEAL_GRADES);
        if Some(g) == grade {
            g = pick_weighted(&mut rng, &DEAL_GRADES);
        }
        changes.push(Change::by_owner(at, Set::Grade(Some(g))));
    }
    let tracked = status == "open" && born >= 3 && rng.random_bool(0.2);
    if tracked {
        // Agreed with the manager a few weeks ago, reviewed every week since.
        let since = rng.random_range(1..=(born - 1).min(35));
        let mut at = plan.later(&mut rng, since, created_at);
        let mut review = at.date_naive() + Duration::days(7);
        changes.push(Change::by_owner(at, Set::Tracked(true)));
        changes.push(Change::by_owner(at, Set::Review(Some(review))));
        while review < plan.today {
            at = plan.later(&mut rng, (plan.today - review).num_days(), at);
            review += Duration::days(7);
            changes.push(Change::by_owner(at, Set::Review(Some(review))));
        }
    }
    // Nothing but the closing after the closing.
    changes.retain(|c| c.at < end);
    if let Some(at) = walk.closed_at {
        changes.push(Change::by_owner(at, Set::Status(status)));
        if status == "won" || rng.random_bool(0.5) {
            changes.push(Change::by_owner(at, Set::CloseDate(at.date_naive())));
        }
        if status == "won" {
            changes.push(Change::by_owner(at, Set::Certainty(100)));
            changes.push(Change::by_owner(at, Set::Evidence((1 << 10) - 1)));
        }
    }
    // One write's changes keep their order.
    changes.sort_by_key(|c| c.at);

    let mut state = first;
    let mut events = Vec::with_capacity(changes.len() + 1);
    events.push(Event {
        at: created_at,
        kind: "created",
        from: None,
        to: Some(proc.stages[0].id.to_string()),
        system: false,
        reason: None,
        detail: None,
        state,
    });
    for c in changes {
        if let Some((kind, from, to)) = state.apply(c.set, &proc.stages) {
            events.push(Event {
                at: c.at,
                kind,
                from: Some(from),
                to: Some(to),
                system: c.system,
                reason: c.reason,
                detail: c.detail,
                state,
            });
        }
    }
    let stage_entered_at = walk.visits.last().map_or(created_at, |v| v.at);
    let updated_at = events
        .last()
        .map_or(created_at, |e| e.at)
        .max(stage_entered_at);
    let first_meeting = rng
        .random_bool(if walk.visits.len() == 1 { 0.3 } else { 0.9 })
        .then(|| {
            (created_at.date_naive() + Duration::days(rng.random_range(0..=21)))
                .min(end.date_naive())
        });
    let checks = if tracked {
        // The entry criteria of each stage it moved into, ticked when it did (those of a stage
        // skipped stay unmet).
        let mut seen = 0_u64;
        walk.visits
            .iter()
            .filter(|v| v.how != Move::Back && v.how != Move::Demoted)
            .filter(|v| {
                let new = seen & (1 << v.stage) == 0;
                seen |= 1 << v.stage;
                new
            })
            .flat_map(|v| proc.stages[v.stage].entry.iter().map(|item| (*item, v.at)))
            .collect()
    } else {
        Vec::new()
    };
    let activities = activities_for(plan, &mut rng, acct, proc, &walk, born);

    Deal {
        account,
        owner: acct.owner,
        process,
        stage: state.stage,
        status: state.status,
        close_reason,
        name,
        amount_minor: state.amount_minor,
        expected_close: state.expected_close,
        stage_entered_at,
        certainty: state.certainty,
        evidence: state.evidence,
        smart_goal,
        source: pick(&mut rng, &SOURCES),
        competitors: rivals.join("、"),
        tracked: state.tracked,
        grade: state.grade,
        first_meeting,
        next_review: state.next_review,
        closed_at: walk.closed_at,
        created_at,
        updated_at,
        events,
        activities,
        checks,
    }
}

/// The certainty the rep claims as the deal moves: after most moves (and after the creation,
/// sometimes) a level that fits the new stage, with its evidence in the same write; now and then
/// a step of 10 up or down in between. An optimist claims more than the stage and the evidence
/// support.
fn certainty_changes(
    plan: &Plan,
    rng: &mut StdRng,
    proc: &ProcessInfo,
    walk: &Walk,
    end: DateTime<Utc>,
    first_level: i64,
    optimism: &dyn Fn(&mut StdRng) -> i64,
    out: &mut Vec<Change>,
) {
    let mut level = first_level;
    let mut last = walk.visits[0].at;
    for (k, v) in walk.visits.iter().enumerate() {
        let next = walk.visits.get(k + 1).map_or(end, |n| n.at);
        let update = match v.how {
            Move::Created => 0.4,
            _ if first_level > 10 => 0.8,
            _ => 0.55,
        };
        // The evidence is ticked with the level, but not always unticked when the level drops.
        let mut claim = |rng: &mut StdRng, at: DateTime<Utc>, from: i64, to: i64| {
            let extra = optimism(rng);
            let evidence = evidence_for(rng, (to - extra).max(10));
            out.push(Change::by_owner(at, Set::Certainty(to)));
            if to > from || rng.random_bool(0.5) {
                out.push(Change::by_owner(at, Set::Evidence(evidence)));
            }
        };
        if rng.random_bool(update) {
            let day = plan.days_ago(v.at) - rng.random_range(0..=4);
            let at = plan.later(rng, day.max(1), last.max(v.at));
            if day >= 1 && at < next {
                let p = proc.stages[v.stage].probability;
                let extra = optimism(rng);
                let to = match v.how {
                    Move::Created => (level + 10).min(90),
                    _ => claimed_level(rng, p, extra),
                };
                claim(rng, at, level, to);
                level = to;
                last = at;
            }
        }
        if rng.random_bool(0.12) {
            let when = between(last.max(v.at), next, rng.random_range(0.3..0.9));
            let day = plan.days_ago(when);
            let at = plan.later(rng, day.max(1), last.max(v.at));
            if day >= 1 && at < next {
                let to = (level + pick(rng, &[-10, 10])).clamp(10, 90);
                claim(rng, at, level, to);
                level = to;
                last = at;
            }
        }
    }
}

/// The expected close date as the rep keeps it: when it comes near or passes, it slips out
/// (unless the rep forgets, one time in ten); when the deal moves into a late stage long before
/// it, it is sometimes pulled in.
fn close_date_changes(
    plan: &Plan,
    rng: &mut StdRng,
    proc: &ProcessInfo,
    walk: &Walk,
    h: &Habits,
    first_close: NaiveDate,
    end: DateTime<Utc>,
    out: &mut Vec<Change>,
) {
    let late: Vec<&Visit> = walk
        .visits
        .iter()
        .filter(|v| {
            matches!(v.how, Move::Forward | Move::Skip) && proc.stages[v.stage].probability >= 50
        })
        .collect();
    let mut late = late.into_iter().peekable();
    let (mut close, mut last) = (first_close, walk.visits[0].at);
    for _ in 0..8 {
        let due = (plan.today - close).num_days() + rng.random_range(-7..=10);
        while late.next_if(|v| v.at <= last).is_some() {}
        if let Some(v) = late.next_if(|v| plan.days_ago(v.at) > due) {
            let ahead = (close - v.at.date_naive()).num_days();
            if ahead > 45 && rng.random_bool(0.4) {
                let day = plan.days_ago(v.at) - rng.random_range(0..=2);
                let at = plan.later(rng, day.max(1), v.at);
                if day < 1 || at >= end {
                    break;
                }
                close = v.at.date_naive() + Duration::days(rng.random_range(21..=ahead * 2 / 3));
                out.push(Change::by_owner(at, Set::CloseDate(close)));
                last = at;
            }
            continue;
        }
        if due < 1 || rng.random_bool(0.1) {
            break;
        }
        let at = plan.later(rng, due, last);
        if at >= end {
            break;
        }
        let slip = if h.cycle > 100 { 30..=90 } else { 14..=60 };
        close = close.max(at.date_naive()) + Duration::days(rng.random_range(slip));
        out.push(Change::by_owner(at, Set::CloseDate(close)));
        last = at;
    }
}

/// The amount revised once the budget is known (second stage on), and discounted in the
/// negotiation (the last open stage).
fn amount_changes(
    plan: &Plan,
    rng: &mut StdRng,
    proc: &ProcessInfo,
    walk: &Walk,
    industry: Industry,
    mut cny: i64,
    end: DateTime<Utc>,
    out: &mut Vec<Change>,
) {
    let top = proc.top();
    let mut last = walk.visits[0].at;
    let mut revise = |rng: &mut StdRng, k: usize, factor: f64| {
        let v = walk.visits[k];
        let next = walk.visits.get(k + 1).map_or(end, |n| n.at);
        let day = plan.days_ago(v.at) - rng.random_range(0..=3);
        let at = plan.later(rng, day.max(1), last.max(v.at));
        if day >= 1 && at < next {
            cny = revised(cny, factor, industry);
            out.push(Change::by_owner(at, Set::Amount(cny * 100)));
            last = at;
        }
    };
    let forward = |k: &usize| matches!(walk.visits[*k].how, Move::Forward | Move::Skip);
    let first_into = |stage: usize| {
        (1..walk.visits.len())
            .filter(forward)
            .find(|k| walk.visits[*k].stage >= stage)
    };
    if let Some(k) = first_into(2)
        && rng.random_bool(0.4)
    {
        let factor = rng.random_range(0.75..1.35);
        revise(rng, k, factor);
    }
    if let Some(k) = first_into(top)
        && rng.random_bool(0.35)
    {
        let factor = rng.random_range(0.85..0.97);
        revise(rng, k, factor);
    }
}

/// The deal's activities: before each move forward one that leads into the new stage (a few
/// days earlier, its outcome and next step fitting), the notice of a loss or an abandonment on
/// its day, and some follow-ups in between, not all of them with a next step.
fn activities_for(
    plan: &Plan,
    rng: &mut StdRng,
    acct: &AccountInfo,
    proc: &ProcessInfo,
    walk: &Walk,
    born: i64,
) -> Vec<Activity> {
    let titles = acct.industry.titles();
    let manager = &plan.managers[plan.reps[acct.owner].region];
    let log = |rng: &mut StdRng, day: i64, choices: &[Logged]| {
        let l = pick(rng, choices);
        let occurred_on = plan.today - Duration::days(day);
        let contact = (acct.contacts > 0 && rng.random_bool(0.85))
            .then(|| rng.random_range(0..acct.contacts));
        let title = contact.map_or("", |c| titles[usize::from(acct.titles[usize::from(c)])].0);
        let participants = if l.kind == "joint_call" {
            format!("{manager}、{title}")
        } else {
            title.to_owned()
        };
        Activity {
            contact,
            kind: l.kind,
            occurred_on,
            participants,
            notes: l.notes,
            outcome: l.outcome,
            next_step: l.next_step,
            next_step_date: (!l.next_step.is_empty())
                .then(|| occurred_on + Duration::days(rng.random_range(2..=10))),
            created_at: plan.office_time(rng, day),
        }
    };
    let mut out = Vec::with_capacity(walk.visits.len() + 3);
    for v in &walk.visits {
        if matches!(v.how, Move::Forward | Move::Skip) {
            let day = (plan.days_ago(v.at) + rng.random_range(1..=5)).min(born);
            out.push(log(rng, day, lead_in(proc.stages[v.stage].probability)));
        }
    }
    let end_day = walk.closed_at.map_or(1, |at| plan.days_ago(at).max(1));
    match (walk.status, walk.closed_at) {
        ("won", Some(_)) if proc.won_stage().is_none() => {
            let day = (end_day + rng.random_range(1..=5)).min(born);
            out.push(log(rng, day, &TO_CLOSE));
        }
        ("lost", Some(_)) => out.push(log(rng, end_day, &LOST_NOTICES)),
        ("abandoned", Some(_)) => out.push(log(rng, end_day, &ABANDON_NOTICES)),
        _ => {}
    }
    for _ in 0..2 {
        if !rng.random_bool(plan.follow_ups / 2.0) {
            continue;
        }
        let day = rng.random_range(end_day.min(born)..=born);
        out.push(log(rng, day, &FOLLOW_UPS));
    }
    out.sort_by_key(|a| a.occurred_on);
    out
}

// ---------------------------------------------------------------------------------------------
// From records to rows

/// What the generator hands the writer: statements to run in order, and whether to report
/// progress after them.
struct Step {
    statements: Vec<Statement>,
    report: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Accounts,
    Contacts,
    Leads,
    Deals,
    Done,
}

/// The tables the load writes to, in the order their rows are written.
const TABLES: [&Table; 7] = [
    &bulk::ACCOUNTS,
    &bulk::CONTACTS,
    &bulk::LEADS,
    &bulk::OPPORTUNITIES,
    &bulk::OPPORTUNITY_EVENTS,
    &bulk::ACTIVITIES,
    &bulk::OPPORTUNITY_CHECKS,
];

/// What the deals generated add up to, for the summary printed at the end.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    deals: u64,
    events: u64,
    won: u64,
    lost: u64,
    abandoned: u64,
    lost_with_reason: u64,
}

impl Tally {
    fn add(&mut self, d: &Deal) {
        self.deals += 1;
        self.events += d.events.len() as u64;
        match d.status {
            "won" => self.won += 1,
            "lost" => {
                self.lost += 1;
                self.lost_with_reason += u64::from(!d.close_reason.is_empty());
            }
            "abandoned" => self.abandoned += 1,
            _ => {}
        }
    }

    fn summary(&self) -> String {
        let n = self.deals.max(1) as f64;
        let share = |k: u64| 100.0 * k as f64 / n;
        let open = self.deals - self.won - self.lost - self.abandoned;
        format!(
            "{} deals, {:.1} events per deal; won {:.1} %, lost {:.1} %, abandoned {:.1} %, open {:.1} %; {:.1} % of the lost deals have a close reason",
            self.deals,
            self.events as f64 / n,
            share(self.won),
            share(self.lost),
            share(self.abandoned),
            share(open),
            100.0 * self.lost_with_reason as f64 / self.lost.max(1) as f64,
        )
    }
}

struct Generator {
    plan: Plan,
    backend: Backend,
    phase: Phase,
    next: u64,
    accounts: Vec<AccountInfo>,
    next_contact: i64,
    next_event: i64,
    next_activity: i64,
    activities: u64,
    tally: Tally,
    /// One batch per entry of [`TABLES`].
    batches: Vec<Batch>,
    /// Statements whose rows refer to deals not written yet.
    held: Vec<Statement>,
}

const ACCOUNTS: usize = 0;
const CONTACTS: usize = 1;
const LEADS: usize = 2;
const OPPORTUNITIES: usize = 3;
const EVENTS: usize = 4;
const ACTIVITIES: usize = 5;
const CHECKS: usize = 6;

impl Generator {
    fn new(plan: Plan, backend: Backend) -> Generator {
        Generator {
            backend,
            phase: Phase::Accounts,
            next: 0,
            accounts: Vec::with_capacity(plan.accounts as usize),
            next_contact: plan.ids.contact,
            next_event: plan.ids.event,
            next_activity: plan.ids.activity,
            activities: 0,
            tally: Tally::default(),
            batches: TABLES.iter().map(|t| Batch::new(backend, t)).collect(),
            held: Vec::new(),
            plan,
        }
    }

    /// The next statements, or `None` when everything has been generated. A step generates
    /// about one statement's worth of the current kind of record.
    fn step(&mut self) -> Option<Step> {
        let per_statement = |table: usize| TABLES[table].rows_per_statement(self.backend) as u64;
        let start = self.next;
        let (size, total) = match self.phase {
            // Up to three contacts an account.
            Phase::Accounts | Phase::Contacts => (per_statement(CONTACTS) / 3, self.plan.accounts),
            Phase::Leads => (per_statement(LEADS), self.plan.leads),
            Phase::Deals => (per_statement(OPPORTUNITIES), self.plan.deals),
            Phase::Done => return None,
        };
        let end = (start + size).min(total);
        let mut out = Vec::new();
        for index in start..end {
            match self.phase {
                Phase::Accounts => {
                    let row = self.account_row(index, &account(&self.plan, index));
                    out.extend(self.batches[ACCOUNTS].push(row));
                }
                Phase::Contacts => self.push_contacts(index, &mut out),
                Phase::Leads => {
                    let row = self.lead_row(index, &lead(&self.plan, index));
                    out.extend(self.batches[LEADS].push(row));
                }
                Phase::Deals => {
                    let d = deal(&self.plan, &self.accounts, index);
                    self.push_deal(index, d, &mut out);
                }
                Phase::Done => {}
            }
        }
        self.next = end;
        let report = if end >= total {
            self.finish_phase(&mut out);
            true
        } else {
            self.phase == Phase::Deals && start / REPORT_EVERY_DEALS != end / REPORT_EVERY_DEALS
        };
        Some(Step {
            statements: out,
            report,
        })
    }

    /// Flushes the batches of the finished phase and moves on to the next.
    fn finish_phase(&mut self, out: &mut Vec<Statement>) {
        let (tables, next): (&[usize], Phase) = match self.phase {
            Phase::Accounts => (&[ACCOUNTS], Phase::Contacts),
            Phase::Contacts => (&[CONTACTS], Phase::Leads),
            Phase::Leads => (&[LEADS], Phase::Deals),
            Phase::Deals | Phase::Done => {
                (&[OPPORTUNITIES, EVENTS, ACTIVITIES, CHECKS], Phase::Done)
            }
        };
        for t in tables {
            out.extend(self.batches[*t].finish());
            if *t == OPPORTUNITIES {
                out.append(&mut self.held);
            }
        }
        self.phase = next;
        self.next = 0;
    }

    fn rep(&self, idx: usize) -> &Rep {
        &self.plan.reps[idx]
    }

    /// Adds an account's contacts and notes what its deals need to know about it.
    fn push_contacts(&mut self, j: u64, out: &mut Vec<Statement>) {
        let a = account(&self.plan, j);
        let cs = contacts(&self.plan, j, &a);
        self.accounts
            .push(AccountInfo::new(&a, self.next_contact, &cs));
        for c in &cs {
            let row = self.contact_row(j, &a, c);
            out.extend(self.batches[CONTACTS].push(row));
            self.next_contact += 1;
        }
    }

    fn account_row(&self, j: u64, a: &Account) -> [Value; 13] {
        let owner = self.rep(a.owner);
        [
            (self.plan.ids.account + j as i64).into(),
            a.name.clone().into(),
            a.industry.label().into(),
            a.size.into(),
            REGIONS[a.region].short.into(),
            a.address.clone().into(),
            a.grade.into(),
            a.status.into(),
            a.needs.into(),
            owner.id.into(),
            owner.team_id.into(),
            a.created_at.into(),
            a.created_at.into(),
        ]
    }

    fn contact_row(&self, j: u64, a: &Account, c: &Contact) -> [Value; 21] {
        let owner = self.rep(a.owner);
        let (title, department) = a.industry.titles()[c.title];
        let [
            interests,
            tenure,
            authority,
            personality,
            style,
            family,
            business,
            personal,
        ] = c.profile.clone().unwrap_or_default();
        [
            self.next_contact.into(),
            (self.plan.ids.account + j as i64).into(),
            c.name.clone().into(),
            title.into(),
            department.into(),
            c.phone.clone().into(),
            c.email.clone().into(),
            c.hometown.into(),
            c.birthday.into(),
            interests.into(),
            tenure.into(),
            authority.into(),
            personality.into(),
            style.into(),
            family.into(),
            business.into(),
            personal.into(),
            owner.id.into(),
            owner.team_id.into(),
            c.created_at.into(),
            c.created_at.into(),
        ]
    }

    fn lead_row(&self, k: u64, l: &Lead) -> [Value; 13] {
        let owner = self.rep(l.owner);
        [
            (self.plan.ids.lead + k as i64).into(),
            l.name.clone().into(),
            l.company.clone().into(),
            l.title.into(),
            l.phone.clone().into(),
            l.email.clone().into(),
            l.source.into(),
            l.status.into(),
            l.notes.into(),
            owner.id.into(),
            owner.team_id.into(),
            l.created_at.into(),
            l.updated_at.into(),
        ]
    }

    /// Adds a deal's rows; its events, activities and checks wait until its row is written.
    fn push_deal(&mut self, i: u64, d: Deal, out: &mut Vec<Statement>) {
        let id = self.plan.ids.opportunity + i as i64;
        let owner = self.rep(d.owner).clone();
        let proc = &self.plan.processes[d.process];
        self.tally.add(&d);
        let row: [Value; 25] = [
            id.into(),
            (self.plan.ids.account + d.account as i64).into(),
            d.name.clone().into(),
            owner.id.into(),
            owner.team_id.into(),
            d.amount_minor.into(),
            "CNY".into(),
            d.expected_close.into(),
            proc.id.into(),
            proc.stages[d.stage].id.into(),
            d.stage_entered_at.into(),
            d.certainty.into(),
            d.evidence.into(),
            d.smart_goal.into(),
            d.source.into(),
            d.competitors.into(),
            d.status.into(),
            d.close_reason.clone().into(),
            d.tracked.into(),
            d.grade.into(),
            d.first_meeting.into(),
            d.next_review.into(),
            d.closed_at.into(),
            d.created_at.into(),
            d.updated_at.into(),
        ];
        if let Some(s) = self.batches[OPPORTUNITIES].push(row) {
            out.push(s);
            out.append(&mut self.held);
        }
        for e in d.events {
            let state = e.state;
            let stage = &proc.stages[state.stage];
            let (actor_kind, actor_id) = if e.system {
                ("system", None)
            } else {
                ("user", Some(owner.id))
            };
            let reason = if state.reason {
                d.close_reason.clone()
            } else {
                Cow::Borrowed("")
            };
            let row: [Value; 24] = [
                self.next_event.into(),
                id.into(),
                actor_kind.into(),
                actor_id.into(),
                e.at.into(),
                e.kind.into(),
                e.from.into(),
                e.to.into(),
                e.reason.into(),
                e.detail.into(),
                stage.id.into(),
                stage.probability.into(),
                state.amount_minor.into(),
                "CNY".into(),
                state.expected_close.into(),
                state.status.into(),
                reason.into(),
                owner.id.into(),
                owner.team_id.into(),
                state.certainty.into(),
                state.evidence.into(),
                state.tracked.into(),
                state.grade.into(),
                state.next_review.into(),
            ];
            self.next_event += 1;
            self.held.extend(self.batches[EVENTS].push(row));
        }
        let acct = &self.accounts[d.account];
        let first_contact = acct.first_contact;
        for a in d.activities {
            if self.activities >= ACTIVITY_CAP {
                break;
            }
            let row: [Value; 15] = [
                self.next_activity.into(),
                id.into(),
                (self.plan.ids.account + d.account as i64).into(),
                a.contact.map(|c| first_contact + i64::from(c)).into(),
                a.kind.into(),
                a.occurred_on.into(),
                a.participants.into(),
                a.notes.into(),
                a.outcome.into(),
                a.next_step.into(),
                a.next_step_date.into(),
                owner.id.into(),
                owner.team_id.into(),
                a.created_at.into(),
                a.created_at.into(),
            ];
            self.next_activity += 1;
            self.activities += 1;
            self.held.extend(self.batches[ACTIVITIES].push(row));
        }
        for (item, at) in d.checks {
            let row: [Value; 4] = [id.into(), item.into(), owner.id.into(), at.into()];
            self.held.extend(self.batches[CHECKS].push(row));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running it

/// Creates the team tree and the demo users; returns the reps and each region's manager name.
async fn create_people(
    tx: &mut Tx,
    args: &DemoArgs,
    hash: &str,
) -> anyhow::Result<(Vec<Rep>, Vec<String>, usize)> {
    let mut teams = 0;
    let company = ensure_team(tx, COMPANY, None, &mut teams).await?;
    let user = async |tx: &mut Tx, email: &str, name: &str, role: Role, team: i64| {
        users::create(
            tx,
            &users::NewUser {
                email,
                name,
                password_hash: hash,
                role,
                team_id: Some(team),
            },
        )
        .await
        .with_context(|| format!("creating the demo user {email}"))
    };
    user(tx, DEMO_ADMIN, "系统管理员", Role::Admin, company).await?;
    let mut region_teams = Vec::new();
    let mut managers = Vec::new();
    for (r, region) in REGIONS.iter().enumerate() {
        let region_id = ensure_team(tx, region.team, Some(company), &mut teams).await?;
        let name = user_name(args.seed, r);
        let email = format!("manager{}@demo.opportune", r + 1);
        user(tx, &email, &name, Role::Manager, region_id).await?;
        managers.push(name);
        for t in region.teams {
            region_teams.push((r, ensure_team(tx, t, Some(region_id), &mut teams).await?));
        }
    }
    let mut reps = Vec::new();
    for k in 0..rep_count(args.opportunities) {
        let (region, team_id) = region_teams[k % region_teams.len()];
        let email = format!("rep{}@demo.opportune", k + 1);
        let name = user_name(args.seed, REGIONS.len() + k);
        let id = user(tx, &email, &name, Role::Rep, team_id).await?;
        reps.push(Rep {
            id,
            team_id,
            region,
        });
    }
    Ok((reps, managers, teams))
}

/// The team named `name`, created under `parent` (and counted) if it does not exist.
async fn ensure_team(
    tx: &mut Tx,
    name: &str,
    parent: Option<i64>,
    created: &mut usize,
) -> anyhow::Result<i64> {
    if let Some(id) = users::find_team(tx, name).await? {
        return Ok(id);
    }
    *created += 1;
    Ok(users::create_team(tx, name, parent).await?)
}

/// Rows written per table, in the order of [`TABLES`].
struct Progress {
    started: Instant,
    rows: [u64; TABLES.len()],
}

impl Progress {
    fn add(&mut self, s: &Statement) {
        if let Some(i) = TABLES.iter().position(|t| t.name == s.table()) {
            self.rows[i] += s.rows() as u64;
        }
    }

    fn line(&self) -> String {
        TABLES
            .iter()
            .zip(self.rows)
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{} {n}", t.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// Which reps have which habit ([`Persona::of`]), as the summary says it.
fn personas(reps: usize) -> String {
    let cycle = PERSONAS_EVERY.min(reps);
    let mut parts: Vec<String> = (0..cycle.min(4))
        .map(|k| format!("rep{} {}", k + 1, Persona::of(k).label()))
        .collect();
    if cycle > 4 {
        parts.push(format!("rep5–rep{cycle} {}", Persona::Ordinary.label()));
    }
    let every = if reps > PERSONAS_EVERY {
        format!(", again every {PERSONAS_EVERY} reps")
    } else {
        String::new()
    };
    format!("rep habits: {}{every}", parts.join(", "))
}

/// The active processes with stages, as the deals need them.
async fn active_processes(db: &Db) -> anyhow::Result<Vec<ProcessInfo>> {
    Ok(processes::list(db)
        .await?
        .into_iter()
        .filter(|p| p.row.active && !p.stages.is_empty())
        .map(|p| ProcessInfo {
            id: p.row.id,
            stages: p
                .stages
                .iter()
                .map(|s| StageInfo {
                    id: s.row.id,
                    probability: s.row.probability,
                    target_days: s.row.target_days,
                    entry: s.entry_ids(),
                })
                .collect(),
            demotes: p.row.key.as_deref() == Some(templates::PROSPECT_SYSTEM.key),
        })
        .collect())
}

/// Loads the demo data set, `args.opportunities` deals and everything around them, into `db`
/// beside its other handles (a server's, `serve --demo`).
pub async fn run(db: &Db, args: &DemoArgs) -> anyhow::Result<()> {
    load_into(bulk::loader(db, LOAD_CACHE_KIB).await?, args).await
}

/// Loads the demo data set with the database to itself (`opportune demo`): `db` is closed first,
/// and on SQLite each page is written once ([`bulk::sole_loader`]).
pub async fn run_alone(db: Db, args: &DemoArgs) -> anyhow::Result<()> {
    let load = bulk::sole_loader(db, LOAD_CACHE_KIB)
        .await
        .context("opening the database for the load alone (is a server running on it?)")?;
    load_into(load, args).await
}

/// Loads the demo data set on `load`, then closes it ([`bulk::finish`]).
async fn load_into(load: Db, args: &DemoArgs) -> anyhow::Result<()> {
    let mut progress = Progress {
        started: Instant::now(),
        rows: [0; TABLES.len()],
    };
    let result = checked_load(&load, args, &mut progress).await;
    bulk::finish(load).await?;
    result
}

async fn checked_load(load: &Db, args: &DemoArgs, progress: &mut Progress) -> anyhow::Result<()> {
    if users::find_by_email(load, DEMO_ADMIN).await?.is_some() {
        bail!("the demo data is already loaded ({DEMO_ADMIN} exists)");
    }
    let processes = active_processes(load).await?;
    if processes.is_empty() {
        bail!("there is no active sales process with stages to put the demo deals in");
    }
    let hash =
        tokio::task::spawn_blocking(|| opportune_web::auth::hash_password(DEMO_PASSWORD)).await??;
    load_all(load, args, &hash, processes, progress).await
}

/// Writes the demo data in one transaction on `load` (a [`bulk::loader`]), so that a failed load
/// leaves the database as it was.
async fn load_all(
    load: &Db,
    args: &DemoArgs,
    hash: &str,
    processes: Vec<ProcessInfo>,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    let mut tx = load.begin().await?;
    let (reps, managers, teams) = create_people(&mut tx, args, hash).await?;
    let users = reps.len() + managers.len() + 1;
    let rep_total = reps.len();
    let ids = FirstIds {
        account: bulk::next_id(&mut tx, &bulk::ACCOUNTS).await?,
        contact: bulk::next_id(&mut tx, &bulk::CONTACTS).await?,
        lead: bulk::next_id(&mut tx, &bulk::LEADS).await?,
        opportunity: bulk::next_id(&mut tx, &bulk::OPPORTUNITIES).await?,
        event: bulk::next_id(&mut tx, &bulk::OPPORTUNITY_EVENTS).await?,
        activity: bulk::next_id(&mut tx, &bulk::ACTIVITIES).await?,
    };
    eprintln!(
        "demo: {teams} teams and {users} users created ({:.1} s)",
        progress.seconds()
    );
    let n = args.opportunities;
    let suspended = if n >= REBUILD_INDEXES_FROM && ids.opportunity <= n.cast_signed() {
        bulk::suspend(&mut tx, &TABLES).await?
    } else {
        bulk::Suspended::default()
    };

    let plan = Plan::new(args, opportune_db::now(), reps, managers, processes, ids);
    let mut generator = Generator::new(plan, Backend::of(load));
    let mut pending = tokio::task::spawn_blocking(move || {
        let step = generator.step();
        (generator, step)
    });
    let tally = loop {
        let (mut generator, step) = pending.await?;
        let Some(step) = step else {
            break generator.tally;
        };
        pending = tokio::task::spawn_blocking(move || {
            let step = generator.step();
            (generator, step)
        });
        for s in step.statements {
            progress.add(&s);
            s.execute(&mut tx).await?;
        }
        if step.report {
            eprintln!("demo: {} ({:.1} s)", progress.line(), progress.seconds());
        }
    };
    if suspended.indexes() + suspended.foreign_keys() + suspended.triggers() > 0 {
        bulk::restore(&mut tx, &suspended).await?;
        let keys = match suspended.foreign_keys() {
            0 => String::new(),
            n => format!(" and {n} foreign keys"),
        };
        eprintln!(
            "demo: {} indexes{keys} rebuilt ({:.1} s)",
            suspended.indexes(),
            progress.seconds()
        );
    }
    bulk::sync_sequences(&mut tx, &TABLES).await?;
    tx.commit().await?;
    eprintln!(
        "demo data loaded in {:.1} s: {teams} teams, {users} users, {}. Sign in as {DEMO_ADMIN} with the password {DEMO_PASSWORD}",
        progress.seconds(),
        progress.line()
    );
    eprintln!("demo: {}", tally.summary());
    eprintln!("demo: {}", personas(rep_total));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use opportune_core::certainty::supported_level;
    use opportune_core::history::{DealState, EventKind, Recorded, replay};
    use opportune_core::records::OppStatus;
    use std::collections::HashSet;

    fn plan(seed: u64, n: u64) -> Plan {
        let reps = (0..rep_count(n))
            .map(|k| Rep {
                id: 10 + k as i64,
                team_id: 100 + (k % 6) as i64,
                region: (k % 6) / 2,
            })
            .collect();
        // The built-in processes, with ids of their own.
        let processes = (0_i64..)
            .zip(templates::BUILT_IN)
            .map(|(p, t)| ProcessInfo {
                id: p + 1,
                stages: (0_i64..)
                    .zip(t.stages)
                    .map(|(s, stage)| StageInfo {
                        id: p * 10 + s + 1,
                        probability: i64::from(stage.probability),
                        target_days: stage.target_days,
                        entry: (0..stage.entry.len() as i64)
                            .map(|k| 1_000 + p * 100 + s * 10 + k)
                            .collect(),
                    })
                    .collect(),
                demotes: t.key == templates::PROSPECT_SYSTEM.key,
            })
            .collect();
        let now = Utc
            .with_ymd_and_hms(2026, 6, 15, 8, 30, 0)
            .single()
            .expect("a valid instant");
        let ids = FirstIds {
            account: 1,
            contact: 1,
            lead: 1,
            opportunity: 1,
            event: 1,
            activity: 1,
        };
        let managers = vec!["王伟".to_owned(), "李娜".to_owned(), "张敏".to_owned()];
        Plan::new(
            &DemoArgs {
                opportunities: n,
                seed,
            },
            now,
            reps,
            managers,
            processes,
            ids,
        )
    }

    fn account_infos(plan: &Plan) -> Vec<AccountInfo> {
        let mut next_contact = 1;
        (0..plan.accounts)
            .map(|j| {
                let a = account(plan, j);
                let cs = contacts(plan, j, &a);
                let info = AccountInfo::new(&a, next_contact, &cs);
                next_contact += cs.len() as i64;
                info
            })
            .collect()
    }

    fn deals(plan: &Plan) -> Vec<Deal> {
        let infos = account_infos(plan);
        (0..plan.deals).map(|i| deal(plan, &infos, i)).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_records() {
        let a = plan(7, 500);
        let b = plan(7, 500);
        for j in 0..a.accounts {
            let (x, y) = (account(&a, j), account(&b, j));
            assert_eq!(x, y);
            assert_eq!(contacts(&a, j, &x), contacts(&b, j, &y));
        }
        for k in 0..a.leads {
            assert_eq!(lead(&a, k), lead(&b, k));
        }
        assert_eq!(deals(&a), deals(&b));

        let other = plan(8, 500);
        assert_ne!(deals(&a), deals(&other));
        assert_ne!(account(&a, 0), account(&other, 0));
    }

    #[test]
    fn a_record_depends_only_on_its_index() {
        let p = plan(3, 300);
        let infos = account_infos(&p);
        let in_order = deals(&p);
        assert_eq!(deal(&p, &infos, 250), in_order[250]);
        assert_eq!(account(&p, 40), account(&p, 40));
        assert_eq!(lead(&p, 7), lead(&p, 7));
    }

    #[test]
    fn sizes_grow_with_the_deals() {
        assert_eq!(rep_count(2_000), 8);
        assert_eq!(rep_count(300), 6);
        let users = rep_count(1_000_000) + REGIONS.len() + 1;
        assert!((150..=200).contains(&users), "{users} users for 1M deals");
        assert_eq!(account_count(2_000), 400);
        assert_eq!(account_count(10), 50);
        assert_eq!(lead_count(2_000), 200);
        assert_eq!(lead_count(10), 20);
        let names: HashSet<String> = (0..200).map(|k| user_name(42, k)).collect();
        assert_eq!(names.len(), 200, "user names are distinct");
    }

    #[test]
    fn deals_are_plausible() {
        let p = plan(42, 2_000);
        let all = deals(&p);
        let processes: HashSet<usize> = all.iter().map(|d| d.process).collect();
        assert_eq!(
            processes.len(),
            p.processes.len(),
            "every process gets deals"
        );
        // Deals are created over 18 months and most take months to close, so fewer than half are
        // still open (three in four were when every deal's status was drawn up front).
        let open = all.iter().filter(|d| d.status == "open").count();
        assert!((700..=1_100).contains(&open), "{open} open deals of 2000");
        let mut consistent = (0, 0);
        let mut events = 0;
        for d in &all {
            let proc = &p.processes[d.process];
            let stage_id = |s: usize| Some(proc.stages[s].id.to_string());
            assert!(d.certainty % 10 == 0 && (0..=100).contains(&d.certainty));
            assert!(
                (5_000_000..=500_000_000).contains(&d.amount_minor),
                "amount {}",
                d.amount_minor
            );
            assert!(d.stage_entered_at >= d.created_at);
            assert!(d.created_at >= p.now - Duration::days(HISTORY_DAYS + 1));
            assert!(d.updated_at >= d.stage_entered_at && d.updated_at <= p.now);
            // Closed deals close all through the 18 months; open ones keep a date at most a few
            // months out, or one that passed unnoticed.
            let days = (d.expected_close - p.today).num_days();
            assert!(
                (-HISTORY_DAYS..=170).contains(&days),
                "close date {days} days away"
            );
            assert_eq!(d.events[0].kind, "created");
            assert_eq!(d.events[0].to, stage_id(0));
            assert!(d.events.windows(2).all(|w| w[0].at <= w[1].at));
            if let Some(c) = d.events.iter().rfind(|e| e.kind == "certainty") {
                assert_eq!(c.to, Some(d.certainty.to_string()));
            }
            if let Some(m) = d.events.iter().rfind(|e| e.kind == "stage") {
                assert_eq!(m.at, d.stage_entered_at);
                assert_eq!(m.to, stage_id(d.stage));
            }
            for e in d.events.iter().filter(|e| e.kind == "stage") {
                let (from, to) = (
                    position(proc, e.from.as_ref()),
                    position(proc, e.to.as_ref()),
                );
                assert!(to <= from + 2, "at most one stage skipped");
                assert_eq!(to == from + 2, e.reason.is_some(), "a skip says why");
                assert_eq!(e.reason.is_some(), e.detail.is_some());
                if e.system {
                    assert!(
                        proc.demotes && to == 0 && from > 0,
                        "the system only demotes"
                    );
                }
            }
            let status = d.events.iter().position(|e| e.kind == "status");
            if d.status == "open" {
                assert!(d.closed_at.is_none() && status.is_none());
                assert!(d.close_reason.is_empty());
            } else {
                let closed = d.closed_at.expect("a closed deal has closed_at");
                assert!(closed > d.created_at && closed <= p.now);
                // The closing is the last write.
                let k = status.expect("a closed deal has its status event");
                assert!(d.events[k..].iter().all(|e| e.at == closed));
                assert_eq!(d.events[k].to.as_deref(), Some(d.status));
                assert!(!d.close_reason.is_empty() || d.status == "abandoned");
            }
            if d.status == "won" {
                assert_eq!(d.certainty, 100);
                assert_eq!(d.stage, proc.stages.len() - 1);
                assert_eq!(Some(d.expected_close), d.closed_at.map(|c| c.date_naive()));
            }
            if Persona::of(d.owner) != Persona::Optimist {
                consistent.0 += 1;
                consistent.1 += usize::from(i64::from(supported_level(d.evidence)) == d.certainty);
            }
            assert!(d.checks.is_empty() || d.tracked);
            assert_eq!(d.tracked, d.next_review.is_some());
            for a in &d.activities {
                assert!(a.occurred_on < p.today);
                assert!(a.occurred_on >= d.created_at.date_naive());
                assert!(a.created_at < p.now);
                assert_eq!(a.next_step.is_empty(), a.next_step_date.is_none());
            }
            // An activity a few days before each move forward, with a next step.
            for e in d.events.iter().filter(|e| e.kind == "stage" && !e.system) {
                if position(proc, e.to.as_ref()) > position(proc, e.from.as_ref()) {
                    let day = e.at.date_naive();
                    assert!(
                        d.activities.iter().any(|a| a.occurred_on <= day
                            && a.occurred_on >= day - Duration::days(5)
                            && !a.next_step.is_empty()),
                        "an activity leads to the move on {day}"
                    );
                }
            }
            events += d.events.len();
        }
        assert!(
            consistent.1 * 10 >= consistent.0 * 8,
            "evidence mostly fits the level, but for the optimist's"
        );
        let per_deal = events as f64 / all.len() as f64;
        assert!(
            (8.0..=12.0).contains(&per_deal),
            "{per_deal} events per deal"
        );
        let activities = all.iter().flat_map(|d| &d.activities);
        assert!(activities.clone().any(|a| a.next_step.is_empty()));
        assert!(activities.clone().any(|a| a.kind == "joint_call"));
    }

    /// The index of the stage whose id is `id` (an event's from or to).
    fn position(proc: &ProcessInfo, id: Option<&String>) -> usize {
        proc.stages
            .iter()
            .position(|s| Some(&s.id.to_string()) == id)
            .expect("a stage of the deal's process")
    }

    fn deal_state(p: &Plan, d: &Deal, s: &State) -> DealState {
        let rep = &p.reps[d.owner];
        DealState {
            stage_id: p.processes[d.process].stages[s.stage].id,
            amount_minor: s.amount_minor,
            currency: "CNY".to_owned(),
            expected_close_date: s.expected_close,
            status: OppStatus::parse(s.status).expect("a status"),
            close_reason: if s.reason {
                d.close_reason.to_string()
            } else {
                String::new()
            },
            owner_id: rep.id,
            team_id: Some(rep.team_id),
            certainty: s.certainty,
            certainty_evidence: s.evidence,
            tracked: s.tracked,
            grade: s.grade.map(str::to_owned),
            next_review_date: s.next_review,
            deleted: false,
        }
    }

    #[test]
    fn every_history_replays_to_its_deal() {
        for seed in [42, 43] {
            let p = plan(seed, 2_000);
            for d in deals(&p) {
                let states: Vec<DealState> = d
                    .events
                    .iter()
                    .map(|e| deal_state(&p, &d, &e.state))
                    .collect();
                let recorded: Vec<Recorded> = d
                    .events
                    .iter()
                    .zip(&states)
                    .map(|(e, state)| Recorded {
                        at: e.at,
                        kind: EventKind::parse(e.kind).expect("a kind of event"),
                        from: e.from.as_deref(),
                        to: e.to.as_deref(),
                        state,
                    })
                    .collect();
                let last = State {
                    stage: d.stage,
                    amount_minor: d.amount_minor,
                    expected_close: d.expected_close,
                    status: d.status,
                    reason: d.status != "open",
                    certainty: d.certainty,
                    evidence: d.evidence,
                    tracked: d.tracked,
                    grade: d.grade,
                    next_review: d.next_review,
                };
                assert_eq!(
                    replay(&recorded, &deal_state(&p, &d, &last), &d.name),
                    Ok(())
                );
                // Each event's from is the value before it, its to the value after.
                for w in d.events.windows(2) {
                    let mut before = w[0].state;
                    let set = match w[1].kind {
                        "stage" => Set::Stage(w[1].state.stage),
                        _ => continue,
                    };
                    let (_, from, to) = before
                        .apply(set, &p.processes[d.process].stages)
                        .expect("a change");
                    assert_eq!((Some(from), Some(to)), (w[1].from.clone(), w[1].to.clone()));
                }
            }
        }
    }

    #[test]
    fn generated_statements_cover_every_record() {
        let p = plan(1, 3_000);
        let (deals, accounts, leads) = (p.deals, p.accounts, p.leads);
        let mut g = Generator::new(p, Backend::Sqlite);
        let mut rows = std::collections::HashMap::<&str, u64>::new();
        let mut order = Vec::new();
        while let Some(step) = g.step() {
            for s in step.statements {
                *rows.entry(s.table()).or_default() += s.rows() as u64;
                order.push(s.table());
            }
        }
        assert_eq!(rows["opportunities"], deals);
        assert_eq!(rows["accounts"], accounts);
        assert_eq!(rows["leads"], leads);
        assert_eq!(rows["contacts"], (g.next_contact - 1) as u64);
        assert_eq!(rows["opportunity_events"], (g.next_event - 1) as u64);
        assert_eq!(rows["activities"], g.activities);
        let first = |t: &str| {
            order
                .iter()
                .position(|x| *x == t)
                .expect("the table is written")
        };
        assert!(first("accounts") < first("contacts"));
        assert!(first("opportunities") < first("opportunity_events"));
        assert!(first("opportunities") < first("activities"));
    }

    async fn count(db: &Db, sql: &'static str) -> i64 {
        let Db::Sqlite { read, .. } = db else {
            panic!("the test runs on SQLite")
        };
        sqlx::query_scalar(sql)
            .fetch_one(read)
            .await
            .expect("the check query runs")
    }

    async fn fingerprint(db: &Db) -> Vec<(i64, i64, String, i64, i64, i64, String, i64)> {
        let Db::Sqlite { read, .. } = db else {
            panic!("the test runs on SQLite")
        };
        sqlx::query_as(
            "SELECT id, account_id, name, owner_id, amount_minor, stage_id, status, certainty FROM opportunities ORDER BY id",
        )
        .fetch_all(read)
        .await
        .expect("the opportunities can be read")
    }

    async fn fresh(dir: &std::path::Path) -> Db {
        let db = Db::connect(None, dir)
            .await
            .expect("SQLite opens in the temporary directory");
        opportune_db::prepare(&db).await.expect("SQLite prepares");
        db
    }

    #[tokio::test]
    async fn loads_a_small_data_set_on_sqlite() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = fresh(dir.path()).await;
        // A server's first administrator, as `serve` creates it, is already there.
        let mut tx = db.begin().await.expect("a transaction");
        let hq = users::ensure_team(&mut tx, COMPANY)
            .await
            .expect("the team");
        users::create(
            &mut tx,
            &users::NewUser {
                email: "admin@opportune.local",
                name: "Admin",
                password_hash: "x",
                role: Role::Admin,
                team_id: Some(hq),
            },
        )
        .await
        .expect("the first admin");
        tx.commit().await.expect("commit");

        let args = DemoArgs {
            opportunities: 300,
            seed: 9,
        };
        run(&db, &args).await.expect("the demo loads");

        assert_eq!(count(&db, "SELECT COUNT(*) FROM opportunities").await, 300);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM accounts").await, 60);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM leads").await, 30);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM teams").await, 10);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM users").await,
            1 + 1 + 3 + 6
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM opportunity_events e WHERE e.opportunity_id = o.id)").await,
            0,
            "every deal has its history"
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.owner_id AND u.role = 'rep' AND u.team_id = a.team_id)").await,
            0,
            "every account has an existing rep as owner, in the owner's team"
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE o.team_id IS NOT u.team_id").await,
            0
        );
        assert_eq!(
            count(&db, "SELECT COUNT(DISTINCT process_id) FROM opportunities").await,
            count(&db, "SELECT COUNT(*) FROM processes").await
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE s.process_id != o.process_id").await,
            0
        );
        assert!(count(&db, "SELECT COUNT(*) FROM activities").await >= 300);
        // The team tree: every team is its own ancestor and inherits its parent's ancestors,
        // and nothing else: 1 + 3 × 2 + 6 × 3 pairs.
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM teams t WHERE NOT EXISTS (SELECT 1 FROM team_closure c WHERE c.ancestor_id = t.id AND c.descendant_id = t.id)").await,
            0
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM teams t JOIN team_closure p ON p.descendant_id = t.parent_id WHERE NOT EXISTS (SELECT 1 FROM team_closure c WHERE c.ancestor_id = p.ancestor_id AND c.descendant_id = t.id)").await,
            0
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM team_closure").await, 25);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM pragma_foreign_key_check").await,
            0,
            "no dangling references"
        );

        let again = run(&db, &args).await;
        assert!(again.is_err(), "a second load is refused");

        let other_dir = tempfile::tempdir().expect("a temporary directory");
        let other = fresh(other_dir.path()).await;
        run(&other, &args).await.expect("the demo loads again");
        // The other database has no first admin, so the demo users' ids are one lower.
        let (a, b) = (fingerprint(&db).await, fingerprint(&other).await);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (x.0, x.1, &x.2, x.4, x.5, &x.6, x.7),
                (y.0, y.1, &y.2, y.4, y.5, &y.6, y.7)
            );
            assert_eq!(x.3, y.3 + 1);
        }
        db.close().await;
        other.close().await;
    }

    /// The habit of the rep with this e-mail (`rep{k+1}@demo.opportune`).
    fn habit_of(email: &str) -> Persona {
        let k: usize = email
            .strip_prefix("rep")
            .and_then(|rest| rest.split('@').next())
            .and_then(|n| n.parse().ok())
            .expect("a rep's e-mail");
        Persona::of(k - 1)
    }

    fn median(mut xs: Vec<i64>) -> i64 {
        assert!(!xs.is_empty(), "something to take the median of");
        xs.sort_unstable();
        xs[xs.len() / 2]
    }

    fn mean(xs: &[i64]) -> f64 {
        assert!(!xs.is_empty(), "something to take the mean of");
        xs.iter().sum::<i64>() as f64 / xs.len() as f64
    }

    /// Days each deal spent in its process's stall stage, per deal, from its history: each time
    /// it was there and open, until the next change of stage or status (or now).
    fn days_in_stall_stage(
        events: &[(i64, DateTime<Utc>, i64, String)],
        stall: &std::collections::HashMap<i64, i64>,
        now: DateTime<Utc>,
    ) -> std::collections::HashMap<i64, Vec<i64>> {
        let mut out = std::collections::HashMap::<i64, Vec<i64>>::new();
        for deal in events.chunk_by(|a, b| a.0 == b.0) {
            let mut since: Option<DateTime<Utc>> = None;
            for (_, at, stage, status) in deal {
                let there = stall.contains_key(stage) && status == "open";
                match (since, there) {
                    (None, true) => since = Some(*at),
                    (Some(t), false) => {
                        out.entry(deal[0].0).or_default().push((*at - t).num_days());
                        since = None;
                    }
                    _ => {}
                }
            }
            if let Some(t) = since {
                out.entry(deal[0].0).or_default().push((now - t).num_days());
            }
        }
        out
    }

    /// For each deal that reached its process's stall stage (`stall`: the stage's id → its
    /// position), whether it later went on to a later stage (`position`: each stage's).
    fn left_stall_stage_forward(
        events: &[(i64, DateTime<Utc>, i64, String)],
        stall: &std::collections::HashMap<i64, usize>,
        position: &std::collections::HashMap<i64, usize>,
    ) -> std::collections::HashMap<i64, bool> {
        let mut out = std::collections::HashMap::new();
        for deal in events.chunk_by(|a, b| a.0 == b.0) {
            let Some(entered) = deal.iter().position(|e| stall.contains_key(&e.2)) else {
                continue;
            };
            let at = stall[&deal[entered].2];
            let on = deal[entered..].iter().any(|e| position[&e.2] > at);
            out.insert(deal[0].0, on);
        }
        out
    }

    /// A deal as the habits test reads it: id, owner's e-mail, status, certainty, creation.
    type DealRow = (i64, String, String, i64, DateTime<Utc>);

    #[tokio::test]
    async fn a_load_alone_needs_the_database_to_itself_and_leaves_it_in_wal_mode() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let args = DemoArgs {
            opportunities: 300,
            seed: 7,
        };
        let server = fresh(dir.path()).await;
        let refused = run_alone(fresh(dir.path()).await, &args).await;
        let why = format!(
            "{:#}",
            refused.expect_err("another handle has the database open")
        );
        assert!(why.contains("locked"), "{why}");
        assert!(
            users::find_by_email(&server, DEMO_ADMIN)
                .await
                .expect("the users")
                .is_none(),
            "nothing written"
        );
        server.close().await;

        run_alone(fresh(dir.path()).await, &args)
            .await
            .expect("the demo loads alone");
        let db = fresh(dir.path()).await;
        let Db::Sqlite { read, .. } = &db else {
            panic!("the test runs on SQLite")
        };
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(read)
            .await
            .expect("the journal mode");
        assert_eq!(mode, "wal");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM opportunities").await, 300);
        let report = opportune_db::history::check_replay(&db)
            .await
            .expect("the history can be replayed");
        assert_eq!((report.deals, report.failed), (300, 0));
        db.close().await;
    }

    #[tokio::test]
    async fn a_demo_team_shows_its_habits() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = fresh(dir.path()).await;
        let args = DemoArgs {
            opportunities: 3_000,
            seed: 42,
        };
        run(&db, &args).await.expect("the demo loads");
        let now = opportune_db::now();
        let Db::Sqlite { read, .. } = &db else {
            panic!("the test runs on SQLite")
        };
        let deals: Vec<DealRow> = sqlx::query_as(
            "SELECT o.id, u.email, o.status, o.certainty, o.created_at FROM opportunities o JOIN users u ON u.id = o.owner_id",
        )
        .fetch_all(read)
        .await
        .expect("the deals can be read");
        let events: Vec<(i64, DateTime<Utc>, i64, String)> = sqlx::query_as(
            "SELECT opportunity_id, at, stage_id, status FROM opportunity_events ORDER BY opportunity_id, at, id",
        )
        .fetch_all(read)
        .await
        .expect("the history can be read");
        let processes = active_processes(&db).await.expect("the processes");
        let stall: std::collections::HashMap<i64, i64> = processes
            .iter()
            .map(|p| (p.stages[p.stall_stage()].id, p.id))
            .collect();
        let in_stall = days_in_stall_stage(&events, &stall, now);
        let stall_position: std::collections::HashMap<i64, usize> = processes
            .iter()
            .map(|p| (p.stages[p.stall_stage()].id, p.stall_stage()))
            .collect();
        let position: std::collections::HashMap<i64, usize> = processes
            .iter()
            .flat_map(|p| p.stages.iter().enumerate().map(|(i, s)| (s.id, i)))
            .collect();
        let forward = left_stall_stage_forward(&events, &stall_position, &position);

        let of = |persona: Option<Persona>| {
            deals
                .iter()
                .filter(move |d| persona.is_none_or(|p| habit_of(&d.1) == p))
        };
        let others = |persona: Persona| deals.iter().filter(move |d| habit_of(&d.1) != persona);
        let win_rate = |ds: Vec<&DealRow>| {
            let won = ds.iter().filter(|d| d.2 == "won").count() as f64;
            let lost = ds.iter().filter(|d| d.2 == "lost").count() as f64;
            won / (won + lost)
        };
        let reps = |persona: Persona| {
            (0..rep_count(args.opportunities))
                .filter(|k| Persona::of(*k) == persona)
                .count() as f64
        };

        // The strong closer wins clearly more of the deals that close than the team.
        let closer = win_rate(of(Some(Persona::Closer)).collect());
        let team = win_rate(of(None).collect());
        assert!(closer >= team + 0.2, "closer {closer:.2}, team {team:.2}");

        // The staller's deals stay far longer at the stage nearest 50 % than the others' do.
        let stalled = |ds: Vec<&DealRow>| {
            median(
                ds.iter()
                    .flat_map(|d| in_stall.get(&d.0).into_iter().flatten().copied())
                    .collect(),
            )
        };
        let staller = stalled(of(Some(Persona::Staller)).collect());
        let rest = stalled(others(Persona::Staller).collect());
        assert!(staller >= 2 * rest, "staller {staller} days, others {rest}");
        // … fewer of them go on from it to a later stage (the stage's conversion) …
        let conversion = |ds: Vec<&DealRow>| {
            let reached: Vec<bool> = ds
                .iter()
                .filter_map(|d| forward.get(&d.0))
                .copied()
                .collect();
            reached.iter().filter(|on| **on).count() as f64 / reached.len() as f64
        };
        let staller_conversion = conversion(of(Some(Persona::Staller)).collect());
        let rest_conversion = conversion(others(Persona::Staller).collect());
        assert!(
            staller_conversion * 2.0 <= rest_conversion,
            "staller's stall-stage conversion {staller_conversion:.2}, others' {rest_conversion:.2}"
        );
        // … and the staller wins less than the team.
        assert!(win_rate(of(Some(Persona::Staller)).collect()) < team);

        // The new rep has few deals, all younger than the day they joined.
        let per_rep = |persona: Persona| of(Some(persona)).count() as f64 / reps(persona);
        let new = per_rep(Persona::Newcomer);
        let ordinary = per_rep(Persona::Ordinary);
        assert!(
            new * 2.0 <= ordinary,
            "new rep {new:.0} deals, ordinary {ordinary:.0}"
        );
        let age = |d: &DealRow| (now - d.4).num_days();
        assert!(
            of(Some(Persona::Newcomer))
                .map(age)
                .all(|days| days <= NEW_REP_DAYS + 1)
        );
        let new_age = median(of(Some(Persona::Newcomer)).map(age).collect());
        let other_age = median(others(Persona::Newcomer).map(age).collect());
        assert!(
            new_age * 2 <= other_age,
            "new rep's deals {new_age} days old, others' {other_age}"
        );

        // The optimist claimed a high certainty on the deals it lost.
        let lost_certainty = |ds: Vec<&DealRow>| {
            mean(
                &ds.iter()
                    .filter(|d| d.2 == "lost")
                    .map(|d| d.3)
                    .collect::<Vec<_>>(),
            )
        };
        let optimist = lost_certainty(of(Some(Persona::Optimist)).collect());
        let realist = lost_certainty(others(Persona::Optimist).collect());
        assert!(
            optimist >= realist + 15.0,
            "optimist {optimist:.0} %, others {realist:.0} %"
        );

        // About ten events a deal; every lost deal says why.
        let per_deal = events.len() as f64 / deals.len() as f64;
        assert!(
            (8.0..=12.0).contains(&per_deal),
            "{per_deal:.1} events per deal"
        );
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM opportunities WHERE status = 'lost' AND close_reason = ''"
            )
            .await,
            0
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM opportunity_events e JOIN opportunities o ON o.id = e.opportunity_id WHERE e.kind = 'status' AND e.close_reason != o.close_reason").await,
            0,
            "the closing carries the reason"
        );
        // Deals fall back, skip a stage with a reason, are demoted by the system.
        let moves = "SELECT COUNT(*) FROM opportunity_events e JOIN stages f ON f.id = CAST(e.from_value AS INTEGER) JOIN stages t ON t.id = CAST(e.to_value AS INTEGER) WHERE e.kind = 'stage' AND ";
        let moves_where = async |cond: &'static str| {
            let Db::Sqlite { read, .. } = &db else {
                panic!("the test runs on SQLite")
            };
            let sql = format!("{moves}{cond}");
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(read)
                .await
                .expect("the check query runs")
        };
        assert!(
            moves_where("t.position < f.position").await > 0,
            "some moves go back"
        );
        assert!(moves_where("t.position = f.position + 2 AND e.reason IS NOT NULL").await > 0);
        assert_eq!(
            moves_where("t.position > f.position + 1 AND e.reason IS NULL").await,
            0
        );
        assert!(
            moves_where("e.actor_kind = 'system' AND e.actor_id IS NULL AND t.position = 0").await
                > 0,
            "the system demotes stale prospects"
        );
        // Close dates slip out and are pulled in.
        assert!(count(&db, "SELECT COUNT(*) FROM opportunity_events WHERE kind = 'close_date' AND to_value < from_value").await > 0);
        assert!(count(&db, "SELECT COUNT(*) FROM opportunity_events WHERE kind = 'close_date' AND to_value > from_value").await > 0);
        // Certainty goes down as well as up.
        assert!(count(&db, "SELECT COUNT(*) FROM opportunity_events WHERE kind = 'certainty' AND CAST(to_value AS INTEGER) < CAST(from_value AS INTEGER)").await > 0);
        // Some activities end without a next step.
        assert!(
            count(
                &db,
                "SELECT COUNT(*) FROM activities WHERE next_step = '' AND next_step_date IS NULL"
            )
            .await
                > 0
        );

        let report = opportune_db::history::check_replay(&db)
            .await
            .expect("the history can be replayed");
        assert_eq!(report.deals, 3_000);
        assert_eq!(report.failed, 0, "{:?}", report.failures);
        db.close().await;
    }
}
