//! The four built-in sales processes (SPEC §3), installed on first start.
//!
//! Texts are our own summaries of the methods in the source material; stage names, percentages,
//! durations and criteria follow it.

use crate::process::CriteriaMode::{self, All, Any};

pub struct TemplateStage {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub definition_zh: &'static str,
    pub definition_en: &'static str,
    pub probability: u8,
    pub target_days: i64,
    pub mode: CriteriaMode,
    pub entry: &'static [(&'static str, &'static str)],
    pub work: &'static [(&'static str, &'static str)],
}

pub struct TemplateProcess {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub stages: &'static [TemplateStage],
}

const fn stage(
    key: &'static str,
    names: (&'static str, &'static str),
    definitions: (&'static str, &'static str),
    probability: u8,
    target_days: i64,
    mode: CriteriaMode,
    entry: &'static [(&'static str, &'static str)],
    work: &'static [(&'static str, &'static str)],
) -> TemplateStage {
    TemplateStage {
        key,
        name_zh: names.0,
        name_en: names.1,
        definition_zh: definitions.0,
        definition_en: definitions.1,
        probability,
        target_days,
        mode,
        entry,
        work,
    }
}

pub const SALES_CYCLE: TemplateProcess = TemplateProcess {
    key: "sales_cycle",
    name_zh: "销售周期",
    name_en: "Sales cycle",
    stages: &[
        stage(
            "identify",
            ("识别", "Identify"),
            (
                "发现可能的购买需求",
                "A possible need to buy has been spotted",
            ),
            10,
            14,
            All,
            &[],
            &[
                ("收集客户基本信息", "Gather the account's basic facts"),
                ("确认联系人", "Find a contact"),
            ],
        ),
        stage(
            "call",
            ("拜访", "Call"),
            (
                "已确认这是一个真实的销售机会，开始拜访",
                "The opportunity is real and calls have begun",
            ),
            20,
            21,
            All,
            &[
                ("已确认需求", "Need identified"),
                ("有购买或更换的意向", "Intent to buy or replace"),
                ("有采购资金", "Funds for the purchase"),
                ("有时间框架", "A time frame"),
            ],
            &[(
                "每次拜访都争取就下一步达成协议",
                "Aim every call at an agreed next step",
            )],
        ),
        stage(
            "qualify",
            ("认可", "Qualify"),
            (
                "已弄清决策要点、流程、人员、时间和资金",
                "Key points, decision process, people, timing and funds are known",
            ),
            40,
            30,
            All,
            &[
                ("已识别关键要点", "Key points identified"),
                ("已识别决策流程", "Decision process identified"),
                ("已识别相关人员", "People identified"),
                ("已确认时间", "Timing identified"),
                ("已确认资金", "Funds identified"),
            ],
            &[("完成购买影响者分析", "Map the buying influences")],
        ),
        stage(
            "develop",
            ("发展", "Develop"),
            (
                "决策相关人员认为我方方案可以接受",
                "The buying team finds our proposal acceptable",
            ),
            60,
            45,
            All,
            &[
                (
                    "决策者、影响者和审批者认为方案可接受",
                    "Decision makers, influencers and approver find the proposal acceptable",
                ),
                (
                    "竞争对手已收窄到1–3家",
                    "Competition narrowed to 1–3 vendors",
                ),
            ],
            &[
                ("提交方案与报价", "Submit the proposal and quote"),
                ("处理阻力点", "Work the resist points"),
            ],
        ),
        stage(
            "close",
            ("结束", "Close"),
            ("谈判、承诺、签约", "Negotiate, commit, sign"),
            80,
            30,
            All,
            &[(
                "审批者同意进入商务谈判",
                "The approver agreed to negotiate terms",
            )],
            &[
                ("谈判条款", "Negotiate terms"),
                ("取得承诺", "Obtain the commitment"),
                ("签订合同", "Sign the contract"),
            ],
        ),
        stage(
            "service",
            ("服务", "Service"),
            ("合同执行与客户服务", "Delivery and service after signing"),
            100,
            90,
            All,
            &[("合同已签订", "Contract signed")],
            &[
                ("安排交付与培训", "Arrange delivery and training"),
                ("回访客户满意度", "Follow up on satisfaction"),
            ],
        ),
    ],
};

pub const PROSPECT_SYSTEM: TemplateProcess = TemplateProcess {
    key: "prospect_system",
    name_zh: "潜在客户系统",
    name_en: "Prospect system",
    stages: &[
        stage(
            "opportunity",
            ("销售机会", "Opportunity"),
            (
                "尚无实质性接触，未约定见面",
                "No substantive contact yet; no meeting agreed",
            ),
            5,
            14,
            All,
            &[],
            &[("电话联系，争取约见", "Call to get a meeting")],
        ),
        stage(
            "first_meeting",
            ("约定初次见面", "First meeting agreed"),
            (
                "决策者已同意见面日期",
                "A decision maker agreed a meeting date",
            ),
            10,
            14,
            All,
            &[(
                "决策者已同意见面日期",
                "A decision maker agreed a date to meet",
            )],
            &[("准备初次见面的提问", "Prepare the first-meeting questions")],
        ),
        stage(
            "p25",
            ("25%", "25%"),
            (
                "已见面，客户同意进一步接触，但未满足50%全部条件",
                "Met; the customer agreed to go further, not all 50% criteria yet",
            ),
            25,
            21,
            All,
            &[
                ("已与客户见面", "Met the customer"),
                ("客户同意进一步接触", "The customer agreed to go further"),
            ],
            &[("补齐50%的五项条件", "Work towards the five 50% criteria")],
        ),
        stage(
            "p50",
            ("50%", "50%"),
            ("五项条件全部满足", "All five criteria met"),
            50,
            30,
            All,
            &[
                ("对象正确：对方是决策者", "Right person: the decision maker"),
                ("方案符合客户需求", "The plan fits the customer's need"),
                ("已讨论预算或价格区间", "Budget or price range discussed"),
                (
                    "签约日期在销售周期之内",
                    "A signing date inside the sales cycle",
                ),
                ("已约定下一步", "The next step agreed"),
            ],
            &[("每周更新进展", "Update progress weekly")],
        ),
        stage(
            "p90",
            ("90%", "90%"),
            ("已签约并收到付款", "Signed and payment received"),
            90,
            10,
            All,
            &[
                ("合同已签订", "Contract signed"),
                ("已收到付款", "Payment received"),
            ],
            &[("跟进冷静期", "Follow the cooling-off period")],
        ),
        stage(
            "closed",
            ("成交", "Closed"),
            ("10天冷静期已过", "The 10-day cooling-off period has passed"),
            100,
            0,
            All,
            &[("10天冷静期已过", "10-day cooling-off period passed")],
            &[("请客户转介绍", "Ask for referrals")],
        ),
    ],
};

pub const PROJECT_MILESTONES: TemplateProcess = TemplateProcess {
    key: "project_milestones",
    name_zh: "项目里程碑 (PSM)",
    name_en: "Project milestones (PSM)",
    stages: &[
        stage(
            "initiation",
            ("项目立项", "Project initiation"),
            (
                "项目经审核符合立项条件，进入正式跟踪",
                "The project passed review and is formally tracked",
            ),
            5,
            14,
            All,
            &[],
            &[
                ("确认客户需求基本明确", "Confirm the need is broadly clear"),
                (
                    "提交立项申请并获批准",
                    "File the initiation request and get it approved",
                ),
            ],
        ),
        stage(
            "deep_contact",
            ("深度接触", "Deep contact"),
            (
                "与客户关键人员建立深入联系",
                "In-depth contact with the customer's key people",
            ),
            10,
            30,
            All,
            &[
                (
                    "需求与我方产品定位相符",
                    "The need fits our product's positioning",
                ),
                (
                    "立项申请已获公司批准",
                    "The initiation request was approved",
                ),
            ],
            &[(
                "拜访技术与使用部门",
                "Call on the technical and user departments",
            )],
        ),
        stage(
            "tech_1",
            ("技术突破1", "Technical breakthrough 1"),
            (
                "技术决策人认可我方技术方案",
                "The technical decision maker accepts our technical solution",
            ),
            25,
            30,
            All,
            &[(
                "技术决策人认可我方方案",
                "The technical decision maker accepts our solution",
            )],
            &[("安排技术交流", "Arrange a technical presentation")],
        ),
        stage(
            "tech_2",
            ("技术突破2", "Technical breakthrough 2"),
            (
                "技术参数写入采购要求",
                "Our specifications are written into the purchase requirements",
            ),
            50,
            30,
            All,
            &[("技术参数倾向我方", "The specifications favour us")],
            &[(
                "协助客户编写技术要求",
                "Help the customer draft the technical requirements",
            )],
        ),
        stage(
            "commercial",
            ("商务突破", "Commercial breakthrough"),
            (
                "关键决策人成为坚定支持者并采取行动",
                "The key decision maker backs us and acts on it",
            ),
            75,
            30,
            Any,
            &[
                ("按我方要求邀请投标", "Invited to bid on our terms"),
                ("招标书有利于我方", "The tender favours us"),
                (
                    "关键决策人主动引荐合适的代理商",
                    "The key decision maker introduces a suitable agent",
                ),
                (
                    "关键决策人主动提供重要情报",
                    "The key decision maker gives us important information",
                ),
                (
                    "关键决策人与我方共同谋划投标",
                    "The key decision maker plans the bid with us",
                ),
            ],
            &[("准备投标文件", "Prepare the bid documents")],
        ),
        stage(
            "contract",
            ("合同签订", "Contract signed"),
            (
                "排除干扰，与代理商签订采购合同",
                "The purchase contract is signed with the agent",
            ),
            100,
            30,
            All,
            &[("合同双方盖章确认", "Both parties stamped the contract")],
            &[
                ("准备合同文件", "Prepare the contract documents"),
                ("关注订货进度", "Watch the ordering progress"),
                (
                    "订货延迟时提醒代理商",
                    "Remind the agent if the order is late",
                ),
            ],
        ),
    ],
};

pub const CUSTOMER_DEVELOPMENT: TemplateProcess = TemplateProcess {
    key: "customer_development",
    name_zh: "客户开发",
    name_en: "Customer development",
    stages: &[
        stage(
            "target",
            ("确定开发对象", "Target confirmed"),
            (
                "了解潜在需求，初步沟通，判断有无成交机会",
                "Check the latent need, first talk, judge whether a deal is possible",
            ),
            10,
            7,
            All,
            &[],
            &[(
                "了解客户经营概况",
                "Learn how the account runs its business",
            )],
        ),
        stage(
            "information",
            ("信息搜集/样品提供", "Information and samples"),
            (
                "确定内线，送达样品，搜集决策信息",
                "Find the inside contact, deliver samples, gather decision facts",
            ),
            25,
            15,
            All,
            &[("已判断存在成交机会", "A deal is judged possible")],
            &[
                ("确定内线", "Find the inside contact"),
                ("样品送达并安排测试", "Deliver samples and arrange testing"),
                ("完成决策人档案", "Complete the decision-maker profile"),
            ],
        ),
        stage(
            "value",
            ("价值评估", "Value assessment"),
            (
                "评估成交可能性、难度与价值，设计开发程序",
                "Assess likelihood, difficulty and value; plan the approach",
            ),
            40,
            7,
            All,
            &[
                ("已确定内线", "Inside contact found"),
                ("样品已送达", "Samples delivered"),
                ("决策人档案完整", "Decision-maker profile complete"),
            ],
            &[(
                "完成价值评估与分级",
                "Complete the value assessment and grade",
            )],
        ),
        stage(
            "relationship",
            ("关系建立", "Relationship"),
            (
                "与关键决策人建立良好关系",
                "A good relationship with the key decision makers",
            ),
            60,
            30,
            All,
            &[("价值评估已完成", "Value assessment done")],
            &[(
                "持续接触关键决策人",
                "Keep regular contact with the key decision makers",
            )],
        ),
        stage(
            "close",
            ("促成成交", "Close"),
            (
                "考察验厂、提出成交、签订合同",
                "Site visit, offer, contract",
            ),
            80,
            30,
            All,
            &[("关键决策人支持我方", "The key decision makers support us")],
            &[
                ("安排考察或验厂", "Arrange the site or factory visit"),
                ("提出成交", "Make the offer"),
                ("签订合同", "Sign the contract"),
            ],
        ),
    ],
};

/// The built-in processes in the order they are installed and listed.
pub const BUILT_IN: [&TemplateProcess; 4] = [
    &SALES_CYCLE,
    &PROSPECT_SYSTEM,
    &PROJECT_MILESTONES,
    &CUSTOMER_DEVELOPMENT,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn probabilities_rise_and_keys_are_unique() {
        for p in BUILT_IN {
            let keys: HashSet<_> = p.stages.iter().map(|s| s.key).collect();
            assert_eq!(keys.len(), p.stages.len(), "{}", p.key);
            assert!(
                p.stages
                    .windows(2)
                    .all(|w| w[0].probability < w[1].probability),
                "{}",
                p.key
            );
            assert!(
                p.stages[1..].iter().all(|s| !s.entry.is_empty()),
                "{}: later stages gate entry",
                p.key
            );
        }
    }

    #[test]
    fn the_sources_numbers_are_kept() {
        let psm: Vec<u8> = PROJECT_MILESTONES
            .stages
            .iter()
            .map(|s| s.probability)
            .collect();
        assert_eq!(&psm[..4], &[5, 10, 25, 50]);
        assert_eq!(PROJECT_MILESTONES.stages[4].mode, CriteriaMode::Any);
        assert_eq!(PROSPECT_SYSTEM.stages[3].entry.len(), 5);
        let days: Vec<i64> = CUSTOMER_DEVELOPMENT.stages[..3]
            .iter()
            .map(|s| s.target_days)
            .collect();
        assert_eq!(days, vec![7, 15, 7]);
    }
}
