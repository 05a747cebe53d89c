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
use opportune_db::bulk::{self, Backend, Batch, Statement, Table, Value};
use opportune_db::{Db, Tx, processes, users};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
const ACTIVITY_CAP: u64 = 3_000_000;
/// Activities per deal while under the cap.
const ACTIVITIES_PER_DEAL: f64 = 2.5;
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
const DEAL_STATUSES: [(&str, u32); 4] = [("open", 75), ("won", 12), ("lost", 9), ("abandoned", 4)];
const DEAL_GRADES: [(&str, u32); 4] = [("A", 20), ("B", 35), ("C", 30), ("D", 15)];
const DEAL_SUFFIXES: [&str; 4] = ["项目", "采购项目", "升级项目", "二期项目"];
const PROCESS_WEIGHTS: [u32; 4] = [35, 25, 25, 15];

#[derive(Clone, Copy)]
struct ActivityKind {
    kind: &'static str,
    weight: u32,
    notes: &'static [&'static str],
}

const ACTIVITY_KINDS: [ActivityKind; 8] = [
    ActivityKind {
        kind: "call",
        weight: 30,
        notes: &[
            "电话沟通项目进展",
            "电话确认需求细节",
            "电话预约拜访时间",
            "跟进报价反馈",
        ],
    },
    ActivityKind {
        kind: "visit",
        weight: 25,
        notes: &[
            "拜访客户，介绍产品方案",
            "拜访关键决策人",
            "了解采购流程与预算",
        ],
    },
    ActivityKind {
        kind: "meeting",
        weight: 12,
        notes: &["参加需求评审会", "与采购小组讨论方案", "参加客户内部立项会"],
    },
    ActivityKind {
        kind: "demo",
        weight: 8,
        notes: &["现场产品演示", "线上演示系统功能", "样机试用演示"],
    },
    ActivityKind {
        kind: "joint_call",
        weight: 7,
        notes: &["经理陪同拜访决策者", "联合拜访，推动商务谈判"],
    },
    ActivityKind {
        kind: "sample",
        weight: 5,
        notes: &["送样品试用", "提供样品及检测报告"],
    },
    ActivityKind {
        kind: "site_visit",
        weight: 5,
        notes: &["邀请客户参观工厂", "组织参观样板客户"],
    },
    ActivityKind {
        kind: "email",
        weight: 8,
        notes: &["发送技术方案", "邮件发送报价单", "发送会议纪要"],
    },
];
const OUTCOMES: [&str; 8] = [
    "客户认可方案",
    "需进一步论证",
    "同意进入下一步",
    "对价格有异议",
    "约定下次会面",
    "获得预算信息",
    "决策人表示支持",
    "暂无明确结论",
];
const NEXT_STEPS: [&str; 8] = [
    "提交正式报价",
    "安排技术交流",
    "约见决策人",
    "准备投标文件",
    "安排样品试用",
    "邀请参观样板客户",
    "跟进合同审批",
    "确认付款条件",
];

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
    entry: Vec<i64>,
}

#[derive(Debug, Clone)]
struct ProcessInfo {
    id: i64,
    stages: Vec<StageInfo>,
}

impl ProcessInfo {
    /// How many leading stages an open deal may be in: those below 100 %.
    fn open_stages(&self) -> usize {
        match self.stages.iter().filter(|s| s.probability < 100).count() {
            0 => self.stages.len(),
            n => n,
        }
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
    activities_per_deal: f64,
    now: DateTime<Utc>,
    today: NaiveDate,
    /// Midnight (UTC) of today.
    day0: DateTime<Utc>,
    reps: Vec<Rep>,
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
        Plan {
            seed: args.seed,
            deals: n,
            accounts: account_count(n),
            leads: lead_count(n),
            activities_per_deal: ACTIVITIES_PER_DEAL.min(ACTIVITY_CAP as f64 / n.max(1) as f64),
            now,
            today,
            day0: today.and_time(chrono::NaiveTime::MIN).and_utc(),
            reps,
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
    let owner = rng.random_range(0..plan.reps.len());
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

#[derive(Debug, Clone, PartialEq)]
struct Event {
    at: DateTime<Utc>,
    kind: &'static str,
    from: Option<String>,
    to: Option<String>,
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
    /// In time order.
    events: Vec<Event>,
    activities: Vec<Activity>,
    /// Ticked entry criteria: (item id, when).
    checks: Vec<(i64, DateTime<Utc>)>,
}

/// The certainty level a deal at `probability` % plausibly claims.
fn certainty_for(rng: &mut StdRng, probability: i64, status: &str) -> i64 {
    match status {
        "won" => 100,
        "open" if probability <= 10 && rng.random_bool(0.05) => 0,
        _ => {
            let base = ((probability + 5) / 10 * 10).clamp(10, 90);
            let jitter = pick(rng, &[-10, 0, 0, 10]);
            let lost = if status == "open" { 0 } else { 10 };
            (base + jitter - lost).clamp(10, 90)
        }
    }
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

fn deal(plan: &Plan, accounts: &[AccountInfo], i: u64) -> Deal {
    let mut rng = rng_for(plan.seed, STREAM_DEALS, i);
    let account = rng.random_range(0..accounts.len());
    let acct = &accounts[account];
    let process = weighted(
        &mut rng,
        (0..plan.processes.len()).map(|p| PROCESS_WEIGHTS[p % PROCESS_WEIGHTS.len()]),
    );
    let proc = &plan.processes[process];
    let status = pick_weighted(&mut rng, &DEAL_STATUSES);
    let open_stages = proc.open_stages();
    let stage = match status {
        "open" => weighted(&mut rng, (0..open_stages).map(|k| (open_stages - k) as u32)),
        "won" => proc.stages.len() - 1,
        _ => rng.random_range(0..open_stages),
    };

    let (created_at, closed_at) = if status == "open" {
        (plan.office_day(&mut rng, 1..=HISTORY_DAYS), None)
    } else {
        let closed_days = rng.random_range(1..=200);
        let cycle = rng.random_range(15..=240);
        let created = plan.office_time(&mut rng, (closed_days + cycle).min(HISTORY_DAYS));
        (created, Some(plan.office_time(&mut rng, closed_days)))
    };
    let end = closed_at.unwrap_or(plan.now);
    let stage_entered_at = match (stage, status) {
        (0, _) => created_at,
        (_, "won") => between(created_at, end, rng.random_range(0.8..1.0)),
        _ => between(created_at, end, rng.random_range(0.35..0.97)),
    };
    // When each stage up to the current one was entered.
    let entered: Vec<DateTime<Utc>> = (0..=stage)
        .map(|m| match m {
            0 => created_at,
            m if m == stage => stage_entered_at,
            m => between(
                created_at,
                stage_entered_at,
                (m as f64 - rng.random_range(0.0..0.6)) / stage as f64,
            ),
        })
        .collect();

    let amount_cny = amount_for(&mut rng, acct.industry);
    let expected_close = match closed_at {
        Some(c) => c.date_naive(),
        None => (plan.today + Duration::days(rng.random_range(-45..=270)))
            .max(created_at.date_naive() + Duration::days(14)),
    };
    let certainty = certainty_for(&mut rng, proc.stages[stage].probability, status);
    let evidence = evidence_for(&mut rng, certainty);
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
            expected_close.year(),
            expected_close.month(),
            expected_close.day(),
            product,
            amount_cny / 10_000
        )
    } else {
        String::new()
    };
    let rivals = acct.industry.competitors();
    let first_rival = rng.random_range(0..rivals.len());
    let competitors = (0..rng.random_range(0..=3))
        .map(|k| rivals[(first_rival + k) % rivals.len()])
        .collect::<Vec<_>>()
        .join("、");
    let open = status == "open";
    let tracked = open && rng.random_bool(0.2);
    let grade = rng
        .random_bool(0.92)
        .then(|| pick_weighted(&mut rng, &DEAL_GRADES));
    let first_meeting = rng
        .random_bool(if stage == 0 { 0.3 } else { 0.9 })
        .then(|| {
            (created_at.date_naive() + Duration::days(rng.random_range(0..=21)))
                .min(end.date_naive())
        });
    let next_review = tracked.then(|| plan.today + Duration::days(rng.random_range(1..=14)));

    let mut events = Vec::with_capacity(stage + 5);
    events.push(Event {
        at: created_at,
        kind: "created",
        from: None,
        to: Some(proc.stages[0].id.to_string()),
    });
    for (pair, at) in proc.stages[..=stage].windows(2).zip(&entered[1..]) {
        events.push(Event {
            at: *at,
            kind: "stage",
            from: Some(pair[0].id.to_string()),
            to: Some(pair[1].id.to_string()),
        });
    }
    let amount_minor = amount_cny * 100;
    if rng.random_bool(0.3) {
        let before = (amount_cny as f64 * rng.random_range(0.7..1.3) / 1_000.0).round() as i64;
        events.push(Event {
            at: between(created_at, end, rng.random_range(0.1..0.9)),
            kind: "amount",
            from: Some((before.max(1) * 100_000).to_string()),
            to: Some(amount_minor.to_string()),
        });
    }
    if rng.random_bool(0.25) {
        let before = expected_close - Duration::days(rng.random_range(14..=60));
        events.push(Event {
            at: between(created_at, end, rng.random_range(0.2..0.9)),
            kind: "close_date",
            from: Some(before.to_string()),
            to: Some(expected_close.to_string()),
        });
    }
    if certainty >= 20 && rng.random_bool(0.8) {
        // The level climbed from 10 % in steps of 10 or 20 over the deal's life.
        let mut levels = Vec::with_capacity(10);
        let mut level = 10;
        while level < certainty {
            level = (level + pick(&mut rng, &[10, 10, 20])).min(certainty);
            levels.push(level);
        }
        let steps = levels.len() as f64;
        let mut from = 10;
        for (k, to) in levels.into_iter().enumerate() {
            let frac = (k as f64 + rng.random_range(0.2..0.9)) / steps * 0.95;
            events.push(Event {
                at: between(created_at, end, frac),
                kind: "certainty",
                from: Some(from.to_string()),
                to: Some(to.to_string()),
            });
            from = to;
        }
    }
    if let Some(at) = closed_at {
        events.push(Event {
            at,
            kind: "status",
            from: Some("open".to_owned()),
            to: Some(status.to_owned()),
        });
    }
    events.sort_by_key(|e| e.at);
    let updated_at = events
        .last()
        .map_or(created_at, |e| e.at)
        .max(stage_entered_at);

    let activities = activities_for(plan, &mut rng, acct, created_at, end);
    let checks = if tracked {
        proc.stages[..=stage]
            .iter()
            .zip(&entered)
            .flat_map(|(s, at)| s.entry.iter().map(|item| (*item, *at)))
            .collect()
    } else {
        Vec::new()
    };

    Deal {
        account,
        owner: acct.owner,
        process,
        stage,
        status,
        name,
        amount_minor,
        expected_close,
        stage_entered_at,
        certainty,
        evidence,
        smart_goal,
        source: pick(&mut rng, &SOURCES),
        competitors,
        tracked,
        grade,
        first_meeting,
        next_review,
        closed_at,
        created_at,
        updated_at,
        events,
        activities,
        checks,
    }
}

fn activities_for(
    plan: &Plan,
    rng: &mut StdRng,
    acct: &AccountInfo,
    created_at: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<Activity> {
    let most = (plan.activities_per_deal * 2.0).round() as usize;
    let count = rng.random_range(0..=most);
    let first = created_at.date_naive();
    let last = end
        .date_naive()
        .min(plan.today - Duration::days(1))
        .max(first);
    let span = (last - first).num_days();
    let titles = acct.industry.titles();
    let region = plan.reps[acct.owner].region;
    (0..count)
        .map(|_| {
            let kind = ACTIVITY_KINDS[weighted(rng, ACTIVITY_KINDS.iter().map(|k| k.weight))];
            let occurred_on = first + Duration::days(rng.random_range(0..=span));
            let contact = (acct.contacts > 0 && rng.random_bool(0.85))
                .then(|| rng.random_range(0..acct.contacts));
            let title = contact.map_or("", |c| titles[usize::from(acct.titles[usize::from(c)])].0);
            let participants = if kind.kind == "joint_call" {
                format!("{}、{title}", plan.managers[region])
            } else {
                title.to_owned()
            };
            let days_ago = (plan.today - occurred_on).num_days();
            Activity {
                contact,
                kind: kind.kind,
                occurred_on,
                participants,
                notes: pick(rng, kind.notes),
                outcome: pick(rng, &OUTCOMES),
                next_step: pick(rng, &NEXT_STEPS),
                next_step_date: rng
                    .random_bool(0.8)
                    .then(|| occurred_on + Duration::days(rng.random_range(2..=14))),
                created_at: plan.office_time(rng, days_ago),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// From records to rows

/// The fields of a deal that its demo events change, as one event left them.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    stage_id: i64,
    probability: i64,
    amount_minor: i64,
    expected_close: NaiveDate,
    status: &'static str,
    certainty: i64,
}

/// The deal as each of its events (in time order) left it: its final state walked back through
/// the events, each undoing its own change, so that the history replays to the deal.
fn states_after(d: &Deal, proc: &ProcessInfo) -> Vec<Snapshot> {
    let probability = |id: i64| {
        proc.stages
            .iter()
            .find(|s| s.id == id)
            .map_or(0, |s| s.probability)
    };
    let stage_id = proc.stages[d.stage].id;
    let mut state = Snapshot {
        stage_id,
        probability: probability(stage_id),
        amount_minor: d.amount_minor,
        expected_close: d.expected_close,
        status: d.status,
        certainty: d.certainty,
    };
    let mut after = Vec::with_capacity(d.events.len());
    for e in d.events.iter().rev() {
        after.push(state.clone());
        let from = e.from.as_deref().unwrap_or_default();
        match e.kind {
            "stage" => {
                state.stage_id = from.parse().unwrap_or(state.stage_id);
                state.probability = probability(state.stage_id);
            }
            "amount" => state.amount_minor = from.parse().unwrap_or(state.amount_minor),
            "close_date" => state.expected_close = from.parse().unwrap_or(state.expected_close),
            "certainty" => state.certainty = from.parse().unwrap_or(state.certainty),
            "status" => state.status = "open",
            _ => {}
        }
    }
    after.reverse();
    after
}

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
        let after = states_after(&d, proc);
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
            "".into(),
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
        for (e, state) in d.events.into_iter().zip(after) {
            let row: [Value; 25] = [
                self.next_event.into(),
                id.into(),
                "user".into(),
                owner.id.into(),
                e.at.into(),
                e.kind.into(),
                e.from.into(),
                e.to.into(),
                None::<&str>.into(),
                None::<&str>.into(),
                d.name.clone().into(),
                state.stage_id.into(),
                state.probability.into(),
                state.amount_minor.into(),
                "CNY".into(),
                state.expected_close.into(),
                state.status.into(),
                "".into(),
                owner.id.into(),
                owner.team_id.into(),
                state.certainty.into(),
                d.evidence.into(),
                d.tracked.into(),
                d.grade.into(),
                d.next_review.into(),
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

/// Loads the demo data set: `args.opportunities` deals and everything around them.
pub async fn run(db: &Db, args: &DemoArgs) -> anyhow::Result<()> {
    let mut progress = Progress {
        started: Instant::now(),
        rows: [0; TABLES.len()],
    };
    if users::find_by_email(db, DEMO_ADMIN).await?.is_some() {
        bail!("the demo data is already loaded ({DEMO_ADMIN} exists)");
    }
    let processes: Vec<ProcessInfo> = processes::list(db)
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
                    entry: s.entry_ids(),
                })
                .collect(),
        })
        .collect();
    if processes.is_empty() {
        bail!("there is no active sales process with stages to put the demo deals in");
    }
    let hash =
        tokio::task::spawn_blocking(|| opportune_web::auth::hash_password(DEMO_PASSWORD)).await??;

    let load = bulk::loader(db, LOAD_CACHE_KIB).await?;
    let result = load_all(&load, args, &hash, processes, &mut progress).await;
    load.close().await;
    result
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
    loop {
        let (mut generator, step) = pending.await?;
        let Some(step) = step else { break };
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
    }
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use opportune_core::certainty::supported_level;
    use std::collections::HashSet;

    const STAGE_PROBABILITIES: [i64; 6] = [10, 20, 40, 60, 80, 100];

    fn plan(seed: u64, n: u64) -> Plan {
        let reps = (0..rep_count(n))
            .map(|k| Rep {
                id: 10 + k as i64,
                team_id: 100 + (k % 6) as i64,
                region: (k % 6) / 2,
            })
            .collect();
        let processes = (0..4)
            .map(|p| ProcessInfo {
                id: p + 1,
                stages: (0..6)
                    .map(|s| StageInfo {
                        id: p * 10 + s + 1,
                        probability: STAGE_PROBABILITIES[s as usize],
                        entry: vec![1_000 + p * 100 + s * 2, 1_001 + p * 100 + s * 2],
                    })
                    .collect(),
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
        let open = all.iter().filter(|d| d.status == "open").count();
        assert!((1_300..=1_700).contains(&open), "{open} open deals of 2000");
        let mut consistent = 0;
        let mut events = 0;
        for d in &all {
            assert!(d.certainty % 10 == 0 && (0..=100).contains(&d.certainty));
            assert!(
                (5_000_000..=500_000_000).contains(&d.amount_minor),
                "amount {}",
                d.amount_minor
            );
            assert!(d.stage_entered_at >= d.created_at);
            assert!(d.created_at >= p.now - Duration::days(HISTORY_DAYS + 1));
            assert!(d.updated_at >= d.stage_entered_at && d.updated_at <= p.now);
            let days = (d.expected_close - p.today).num_days();
            assert!((-210..=300).contains(&days), "close date {days} days away");
            assert_eq!(d.events[0].kind, "created");
            assert_eq!(
                d.events[0].to,
                Some(p.processes[d.process].stages[0].id.to_string())
            );
            assert!(d.events.windows(2).all(|w| w[0].at <= w[1].at));
            let moves = d.events.iter().filter(|e| e.kind == "stage").count();
            assert_eq!(moves, d.stage);
            if let Some(c) = d.events.iter().rfind(|e| e.kind == "certainty") {
                assert_eq!(c.to, Some(d.certainty.to_string()));
            }
            if let Some(m) = d.events.iter().rfind(|e| e.kind == "stage") {
                assert_eq!(m.at, d.stage_entered_at);
                assert_eq!(
                    m.to,
                    Some(p.processes[d.process].stages[d.stage].id.to_string())
                );
            }
            match d.status {
                "open" => {
                    assert!(d.closed_at.is_none());
                    assert!(d.events.iter().all(|e| e.kind != "status"));
                }
                "won" => {
                    assert_eq!(d.certainty, 100);
                    assert_eq!(d.stage, p.processes[d.process].stages.len() - 1);
                    assert!(d.closed_at.is_some());
                }
                _ => {
                    let closed = d.closed_at.expect("a closed deal has closed_at");
                    assert!(closed > d.created_at && closed <= p.now);
                    assert_eq!(
                        d.events.last().map(|e| (e.kind, e.to.as_deref())),
                        Some(("status", Some(d.status)))
                    );
                }
            }
            if i64::from(supported_level(d.evidence)) == d.certainty {
                consistent += 1;
            }
            assert!(d.checks.is_empty() || d.tracked);
            for a in &d.activities {
                assert!(a.occurred_on < p.today);
                assert!(a.occurred_on >= d.created_at.date_naive());
                assert!(a.created_at < p.now);
            }
            events += d.events.len();
        }
        assert!(
            consistent * 10 >= all.len() * 8,
            "evidence mostly fits the level"
        );
        let per_deal = events as f64 / all.len() as f64;
        assert!(
            (3.5..=10.0).contains(&per_deal),
            "{per_deal} events per deal"
        );
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
}
