//! Raw input of the account, contact, lead and activity forms, as text, validated into storage
//! inputs, and the create/edit operations that the API and the pages share. Like `OppForm`, a
//! form holds every field as typed, so a page can show it back with its errors.

use crate::App;
use crate::Error;
use crate::forms::{NAME_MAX, NOTE_MAX, check_account, check_owner, optional_id};
use opportune_core::fields::{
    FieldErrors, date, optional_date, optional_email, optional_text, required_text,
};
use opportune_core::records::{AccountGrade, AccountStatus, ActivityKind, LeadStatus};
use opportune_core::visibility::Viewer;
use opportune_db::accounts::{self, Account, AccountInput};
use opportune_db::activities::{self, Activity, ActivityInput};
use opportune_db::contacts::{self, Contact, ContactInput};
use opportune_db::leads::{self, Lead, LeadInput};
use opportune_db::{DbError, opportunities};
use serde::{Deserialize, Serialize};

/// Puts a text given in a partial update into its form field; absent leaves the field alone.
pub fn patch_text(field: &mut String, value: Option<String>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// Puts an id given in a partial update into its form field; absent leaves the field alone.
pub fn patch_id(field: &mut String, value: Option<i64>) {
    if let Some(v) = value {
        *field = v.to_string();
    }
}

/// An optional link in a partial update: absent keeps it, `null` clears it, a number sets it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LinkPatch {
    #[default]
    Keep,
    Clear,
    Set(i64),
}

impl<'de> Deserialize<'de> for LinkPatch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<i64>::deserialize(d).map(|id| id.map_or(LinkPatch::Clear, LinkPatch::Set))
    }
}

/// Puts a link given in a partial update into its form field.
pub fn patch_link(field: &mut String, value: LinkPatch) {
    match value {
        LinkPatch::Keep => {}
        LinkPatch::Clear => field.clear(),
        LinkPatch::Set(id) => *field = id.to_string(),
    }
}

fn id_text(id: Option<i64>) -> String {
    id.map(|x| x.to_string()).unwrap_or_default()
}

fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|x| x.to_string()).unwrap_or_default()
}

// Each reader below records the problem under its field and returns a placeholder; `validate`
// only hands out the input when no problem was recorded, so a placeholder never reaches storage.

fn text(e: &mut FieldErrors, field: &'static str, raw: &str, max: usize) -> String {
    e.take(field, optional_text(raw, max)).unwrap_or_default()
}

fn required(e: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    e.take(field, required_text(raw, NAME_MAX))
        .unwrap_or_default()
}

fn email(e: &mut FieldErrors, raw: &str) -> String {
    e.take("email", optional_email(raw)).unwrap_or_default()
}

fn owner(e: &mut FieldErrors, raw: &str, viewer_id: i64) -> i64 {
    e.take("owner_id", optional_id(raw))
        .flatten()
        .unwrap_or(viewer_id)
}

fn link(e: &mut FieldErrors, field: &'static str, raw: &str) -> Option<i64> {
    e.take(field, optional_id(raw)).flatten()
}

fn required_id(e: &mut FieldErrors, field: &'static str, raw: &str) -> i64 {
    e.take(field, optional_id(raw).and_then(|id| id.ok_or("required")))
        .unwrap_or_default()
}

/// A value of a vocabulary; blank is `None`.
fn choice<T>(
    e: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    parse: fn(&str) -> Result<T, &'static str>,
) -> Option<T> {
    if raw.trim().is_empty() {
        None
    } else {
        e.take(field, parse(raw))
    }
}

/// Whether the checks of an edit found nothing; `Err` with every problem otherwise.
pub(crate) fn checked<T>(input: T, errors: FieldErrors) -> Result<T, Error> {
    errors.into_result(input).map_err(Error::Invalid)
}

/// The account fields as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    pub address: String,
    pub grade: String,
    pub status: String,
    pub needs_notes: String,
    pub owner_id: String,
    pub version: String,
}

impl AccountForm {
    /// The form filled with a stored account, for editing.
    pub fn from_record(a: &Account) -> AccountForm {
        AccountForm {
            name: a.name.clone(),
            industry: a.industry.clone(),
            size: a.size.clone(),
            region: a.region.clone(),
            address: a.address.clone(),
            grade: a.grade.clone().unwrap_or_default(),
            status: a.status.as_str().to_owned(),
            needs_notes: a.needs_notes.clone(),
            owner_id: a.owner_id.to_string(),
            version: a.version.to_string(),
        }
    }

    fn read(&self, viewer_id: i64) -> (AccountInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let input = AccountInput {
            name: required(&mut e, "name", &self.name),
            industry: text(&mut e, "industry", &self.industry, NAME_MAX),
            size: text(&mut e, "size", &self.size, NAME_MAX),
            region: text(&mut e, "region", &self.region, NAME_MAX),
            address: text(&mut e, "address", &self.address, NAME_MAX),
            grade: choice(&mut e, "grade", &self.grade, AccountGrade::parse)
                .map(|g| g.as_str().to_owned()),
            status: choice(&mut e, "status", &self.status, AccountStatus::parse)
                .unwrap_or_default(),
            needs_notes: text(&mut e, "needs_notes", &self.needs_notes, NOTE_MAX),
            owner_id: owner(&mut e, &self.owner_id, viewer_id),
        };
        (input, e)
    }

    /// Validates every field, collecting all problems at once. `viewer_id` owns the account when
    /// no owner is given; a blank status is `prospect`.
    pub fn validate(&self, viewer_id: i64) -> Result<AccountInput, FieldErrors> {
        let (input, e) = self.read(viewer_id);
        e.into_result(input)
    }

    /// Validates, checks the owner and creates the account.
    pub async fn create(&self, state: &App, v: &Viewer) -> Result<Account, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("owner_id").is_none() {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        Ok(accounts::create(&state.db, v, &input).await?)
    }

    /// Validates and saves an edit made against `version`; a stale version is refused with the
    /// current record.
    pub async fn update(
        &self,
        state: &App,
        v: &Viewer,
        current: &Account,
        version: i64,
    ) -> Result<Account, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("owner_id").is_none() && input.owner_id != current.owner_id {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        match accounts::update(&state.db, v, current.id, version, &input).await {
            Err(DbError::Stale) => {
                Err(Error::stale(accounts::get(&state.db, v, current.id).await?))
            }
            other => Ok(other?),
        }
    }
}

/// The contact fields as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    pub account_id: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub phone: String,
    pub email: String,
    pub hometown: String,
    pub birthday: String,
    pub interests: String,
    pub tenure: String,
    pub authority: String,
    pub personality: String,
    pub working_style: String,
    pub family_notes: String,
    pub business_needs: String,
    pub personal_needs: String,
    pub owner_id: String,
    pub version: String,
}

impl ContactForm {
    /// The form filled with a stored contact, for editing.
    pub fn from_record(c: &Contact) -> ContactForm {
        ContactForm {
            account_id: c.account_id.to_string(),
            name: c.name.clone(),
            title: c.title.clone(),
            department: c.department.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            hometown: c.hometown.clone(),
            birthday: date_text(c.birthday),
            interests: c.interests.clone(),
            tenure: c.tenure.clone(),
            authority: c.authority.clone(),
            personality: c.personality.clone(),
            working_style: c.working_style.clone(),
            family_notes: c.family_notes.clone(),
            business_needs: c.business_needs.clone(),
            personal_needs: c.personal_needs.clone(),
            owner_id: c.owner_id.to_string(),
            version: c.version.to_string(),
        }
    }

    fn read(&self, viewer_id: i64) -> (ContactInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let input = ContactInput {
            account_id: required_id(&mut e, "account_id", &self.account_id),
            name: required(&mut e, "name", &self.name),
            title: text(&mut e, "title", &self.title, NAME_MAX),
            department: text(&mut e, "department", &self.department, NAME_MAX),
            phone: text(&mut e, "phone", &self.phone, NAME_MAX),
            email: email(&mut e, &self.email),
            hometown: text(&mut e, "hometown", &self.hometown, NAME_MAX),
            birthday: e.take("birthday", optional_date(&self.birthday)).flatten(),
            interests: text(&mut e, "interests", &self.interests, NOTE_MAX),
            tenure: text(&mut e, "tenure", &self.tenure, NAME_MAX),
            authority: text(&mut e, "authority", &self.authority, NOTE_MAX),
            personality: text(&mut e, "personality", &self.personality, NOTE_MAX),
            working_style: text(&mut e, "working_style", &self.working_style, NOTE_MAX),
            family_notes: text(&mut e, "family_notes", &self.family_notes, NOTE_MAX),
            business_needs: text(&mut e, "business_needs", &self.business_needs, NOTE_MAX),
            personal_needs: text(&mut e, "personal_needs", &self.personal_needs, NOTE_MAX),
            owner_id: owner(&mut e, &self.owner_id, viewer_id),
        };
        (input, e)
    }

    /// Validates every field, collecting all problems at once. `viewer_id` owns the contact when
    /// no owner is given.
    pub fn validate(&self, viewer_id: i64) -> Result<ContactInput, FieldErrors> {
        let (input, e) = self.read(viewer_id);
        e.into_result(input)
    }

    /// Validates, checks the account and the owner, and creates the contact.
    pub async fn create(&self, state: &App, v: &Viewer) -> Result<Contact, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("account_id").is_none() {
            check_account(state, v, input.account_id, &mut errors).await?;
        }
        if errors.get("owner_id").is_none() {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        Ok(contacts::create(&state.db, v, &input).await?)
    }

    /// Validates and saves an edit made against `version`; a stale version is refused with the
    /// current record.
    pub async fn update(
        &self,
        state: &App,
        v: &Viewer,
        current: &Contact,
        version: i64,
    ) -> Result<Contact, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("account_id").is_none() && input.account_id != current.account_id {
            check_account(state, v, input.account_id, &mut errors).await?;
        }
        if errors.get("owner_id").is_none() && input.owner_id != current.owner_id {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        match contacts::update(&state.db, v, current.id, version, &input).await {
            Err(DbError::Stale) => {
                Err(Error::stale(contacts::get(&state.db, v, current.id).await?))
            }
            other => Ok(other?),
        }
    }
}

/// The lead fields as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadForm {
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub source: String,
    pub status: String,
    pub notes: String,
    pub owner_id: String,
    pub version: String,
}

impl LeadForm {
    /// The form filled with a stored lead, for editing.
    pub fn from_record(l: &Lead) -> LeadForm {
        LeadForm {
            name: l.name.clone(),
            company: l.company.clone(),
            title: l.title.clone(),
            phone: l.phone.clone(),
            email: l.email.clone(),
            source: l.source.clone(),
            status: l.status.as_str().to_owned(),
            notes: l.notes.clone(),
            owner_id: l.owner_id.to_string(),
            version: l.version.to_string(),
        }
    }

    fn read(&self, viewer_id: i64) -> (LeadInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let input = LeadInput {
            name: required(&mut e, "name", &self.name),
            company: text(&mut e, "company", &self.company, NAME_MAX),
            title: text(&mut e, "title", &self.title, NAME_MAX),
            phone: text(&mut e, "phone", &self.phone, NAME_MAX),
            email: email(&mut e, &self.email),
            source: text(&mut e, "source", &self.source, NAME_MAX),
            status: choice(&mut e, "status", &self.status, LeadStatus::parse).unwrap_or_default(),
            notes: text(&mut e, "notes", &self.notes, NOTE_MAX),
            owner_id: owner(&mut e, &self.owner_id, viewer_id),
        };
        (input, e)
    }

    /// Validates every field, collecting all problems at once. `viewer_id` owns the lead when no
    /// owner is given; a blank status is `new`.
    pub fn validate(&self, viewer_id: i64) -> Result<LeadInput, FieldErrors> {
        let (input, e) = self.read(viewer_id);
        e.into_result(input)
    }

    /// Validates, checks the owner and creates the lead.
    pub async fn create(&self, state: &App, v: &Viewer) -> Result<Lead, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("owner_id").is_none() {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        Ok(leads::create(&state.db, v, &input).await?)
    }

    /// Validates and saves an edit made against `version`; a stale version is refused with the
    /// current record.
    pub async fn update(
        &self,
        state: &App,
        v: &Viewer,
        current: &Lead,
        version: i64,
    ) -> Result<Lead, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("owner_id").is_none() && input.owner_id != current.owner_id {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        match leads::update(&state.db, v, current.id, version, &input).await {
            Err(DbError::Stale) => Err(Error::stale(leads::get(&state.db, v, current.id).await?)),
            other => Ok(other?),
        }
    }
}

/// The activity fields as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub account_id: String,
    pub opportunity_id: String,
    pub contact_id: String,
    pub kind: String,
    pub occurred_on: String,
    pub participants: String,
    pub notes: String,
    pub outcome: String,
    /// The agreement on the next step (协议).
    pub next_step: String,
    pub next_step_date: String,
    pub owner_id: String,
    pub version: String,
}

impl ActivityForm {
    /// The form filled with a stored activity, for editing.
    pub fn from_record(a: &Activity) -> ActivityForm {
        ActivityForm {
            account_id: a.account_id.to_string(),
            opportunity_id: id_text(a.opportunity_id),
            contact_id: id_text(a.contact_id),
            kind: a.kind.as_str().to_owned(),
            occurred_on: a.occurred_on.to_string(),
            participants: a.participants.clone(),
            notes: a.notes.clone(),
            outcome: a.outcome.clone(),
            next_step: a.next_step.clone(),
            next_step_date: date_text(a.next_step_date),
            owner_id: a.owner_id.to_string(),
            version: a.version.to_string(),
        }
    }

    fn read(&self, viewer_id: i64) -> (ActivityInput, FieldErrors) {
        let mut e = FieldErrors::new();
        let kind = if self.kind.trim().is_empty() {
            e.add("kind", "required");
            None
        } else {
            choice(&mut e, "kind", &self.kind, ActivityKind::parse)
        };
        let input = ActivityInput {
            opportunity_id: link(&mut e, "opportunity_id", &self.opportunity_id),
            account_id: required_id(&mut e, "account_id", &self.account_id),
            contact_id: link(&mut e, "contact_id", &self.contact_id),
            // Without a kind the input is refused (the field error above), never stored.
            kind: kind.unwrap_or(ActivityKind::Call),
            occurred_on: e
                .take("occurred_on", date(&self.occurred_on))
                .unwrap_or_default(),
            participants: text(&mut e, "participants", &self.participants, NOTE_MAX),
            notes: text(&mut e, "notes", &self.notes, NOTE_MAX),
            outcome: text(&mut e, "outcome", &self.outcome, NOTE_MAX),
            next_step: text(&mut e, "next_step", &self.next_step, NOTE_MAX),
            next_step_date: e
                .take("next_step_date", optional_date(&self.next_step_date))
                .flatten(),
            owner_id: owner(&mut e, &self.owner_id, viewer_id),
        };
        (input, e)
    }

    /// Validates every field, collecting all problems at once. `viewer_id` owns the activity
    /// when no owner is given.
    pub fn validate(&self, viewer_id: i64) -> Result<ActivityInput, FieldErrors> {
        let (input, e) = self.read(viewer_id);
        e.into_result(input)
    }

    /// Validates, checks the account, the opportunity, the contact and the owner, and creates
    /// the activity.
    pub async fn create(&self, state: &App, v: &Viewer) -> Result<Activity, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("account_id").is_none() {
            check_account(state, v, input.account_id, &mut errors).await?;
        }
        check_links(state, v, &input, &mut errors).await?;
        if errors.get("owner_id").is_none() {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        Ok(activities::create(&state.db, v, &input).await?)
    }

    /// Validates and saves an edit made against `version`; a stale version is refused with the
    /// current record. The account, opportunity and contact are checked again when any of them
    /// changes.
    pub async fn update(
        &self,
        state: &App,
        v: &Viewer,
        current: &Activity,
        version: i64,
    ) -> Result<Activity, Error> {
        let (input, mut errors) = self.read(v.user_id);
        if errors.get("account_id").is_none() && input.account_id != current.account_id {
            check_account(state, v, input.account_id, &mut errors).await?;
        }
        if input.account_id != current.account_id
            || input.opportunity_id != current.opportunity_id
            || input.contact_id != current.contact_id
        {
            check_links(state, v, &input, &mut errors).await?;
        }
        if errors.get("owner_id").is_none() && input.owner_id != current.owner_id {
            check_owner(state, v, input.owner_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        match activities::update(&state.db, v, current.id, version, &input).await {
            Err(DbError::Stale) => Err(Error::stale(
                activities::get(&state.db, v, current.id).await?,
            )),
            other => Ok(other?),
        }
    }
}

/// Checks that the activity's opportunity and contact, when given, are visible to the viewer
/// (`not_found` otherwise) and belong to its account (`other_account` otherwise).
async fn check_links(
    state: &App,
    v: &Viewer,
    input: &ActivityInput,
    errors: &mut FieldErrors,
) -> Result<(), DbError> {
    let account_ok = errors.get("account_id").is_none();
    let belongs = |account_id: i64| !account_ok || account_id == input.account_id;
    if let Some(id) = input.opportunity_id {
        match opportunities::get(&state.db, v, id).await {
            Ok(o) if belongs(o.account_id) => {}
            Ok(_) => errors.add("opportunity_id", "other_account"),
            Err(DbError::NotFound) => errors.add("opportunity_id", "not_found"),
            Err(e) => return Err(e),
        }
    }
    if let Some(id) = input.contact_id {
        match contacts::get(&state.db, v, id).await {
            Ok(c) if belongs(c.account_id) => {}
            Ok(_) => errors.add("contact_id", "other_account"),
            Err(DbError::NotFound) => errors.add("contact_id", "not_found"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_account_validates_with_defaults() {
        let f = AccountForm {
            name: " 华东医院 ".into(),
            grade: "AA".into(),
            ..AccountForm::default()
        };
        let a = f.validate(3).expect("valid");
        assert_eq!(
            (a.name.as_str(), a.owner_id, a.status, a.grade),
            (
                "华东医院",
                3,
                AccountStatus::Prospect,
                Some("AA".to_owned())
            )
        );
        let blank = AccountForm {
            name: "x".into(),
            ..AccountForm::default()
        };
        assert_eq!(blank.validate(1).expect("valid").grade, None);
    }

    #[test]
    fn every_bad_account_field_is_reported_at_once() {
        let f = AccountForm {
            name: " ".into(),
            industry: "x".repeat(NAME_MAX + 1),
            grade: "E".into(),
            status: "asleep".into(),
            needs_notes: "x".repeat(NOTE_MAX + 1),
            owner_id: "me".into(),
            ..AccountForm::default()
        };
        let e = f.validate(1).expect_err("invalid");
        assert_eq!(e.get("name"), Some("required"));
        assert_eq!(e.get("industry"), Some("too_long"));
        assert_eq!(e.get("grade"), Some("invalid_choice"));
        assert_eq!(e.get("status"), Some("invalid_choice"));
        assert_eq!(e.get("needs_notes"), Some("too_long"));
        assert_eq!(e.get("owner_id"), Some("invalid_number"));
        assert_eq!(e.iter().count(), 6);
    }

    fn good_contact() -> ContactForm {
        ContactForm {
            account_id: "7".into(),
            name: "王主任".into(),
            email: " Wang@Example.CN ".into(),
            birthday: "1970-05-01".into(),
            owner_id: "4".into(),
            ..ContactForm::default()
        }
    }

    #[test]
    fn a_good_contact_validates() {
        let c = good_contact().validate(3).expect("valid");
        assert_eq!(
            (c.account_id, c.owner_id, c.email.as_str()),
            (7, 4, "wang@example.cn")
        );
        assert_eq!(
            c.birthday.map(|d| d.to_string()).as_deref(),
            Some("1970-05-01")
        );
    }

    #[test]
    fn every_bad_contact_field_is_reported_at_once() {
        let f = ContactForm {
            account_id: String::new(),
            name: "x".repeat(NAME_MAX + 1),
            email: "wang@".into(),
            birthday: "1970-02-30".into(),
            personal_needs: "x".repeat(NOTE_MAX + 1),
            ..good_contact()
        };
        let e = f.validate(1).expect_err("invalid");
        assert_eq!(e.get("account_id"), Some("required"));
        assert_eq!(e.get("name"), Some("too_long"));
        assert_eq!(e.get("email"), Some("invalid_email"));
        assert_eq!(e.get("birthday"), Some("invalid_date"));
        assert_eq!(e.get("personal_needs"), Some("too_long"));
        assert_eq!(e.iter().count(), 5);
        let bad_id = ContactForm {
            account_id: "seven".into(),
            ..good_contact()
        };
        assert_eq!(
            bad_id.validate(1).expect_err("invalid").get("account_id"),
            Some("invalid_number")
        );
    }

    #[test]
    fn a_good_lead_validates_with_defaults() {
        let f = LeadForm {
            name: "李经理".into(),
            company: "某某软件".into(),
            ..LeadForm::default()
        };
        let l = f.validate(9).expect("valid");
        assert_eq!((l.owner_id, l.status), (9, LeadStatus::New));
        let q = LeadForm {
            status: "qualified".into(),
            ..f
        };
        assert_eq!(q.validate(9).expect("valid").status, LeadStatus::Qualified);
    }

    #[test]
    fn every_bad_lead_field_is_reported_at_once() {
        let f = LeadForm {
            name: String::new(),
            email: "not an email".into(),
            status: "won".into(),
            notes: "x".repeat(NOTE_MAX + 1),
            owner_id: "1.5".into(),
            ..LeadForm::default()
        };
        let e = f.validate(1).expect_err("invalid");
        assert_eq!(e.get("name"), Some("required"));
        assert_eq!(e.get("email"), Some("invalid_email"));
        assert_eq!(e.get("status"), Some("invalid_choice"));
        assert_eq!(e.get("notes"), Some("too_long"));
        assert_eq!(e.get("owner_id"), Some("invalid_number"));
        assert_eq!(e.iter().count(), 5);
    }

    fn good_activity() -> ActivityForm {
        ActivityForm {
            account_id: "7".into(),
            opportunity_id: "12".into(),
            kind: "joint_call".into(),
            occurred_on: "2027-03-01".into(),
            next_step: "院长约定下周二听方案汇报".into(),
            next_step_date: "2027-03-09".into(),
            ..ActivityForm::default()
        }
    }

    #[test]
    fn a_good_activity_validates() {
        let a = good_activity().validate(3).expect("valid");
        assert_eq!(
            (
                a.account_id,
                a.opportunity_id,
                a.contact_id,
                a.kind,
                a.owner_id
            ),
            (7, Some(12), None, ActivityKind::JointCall, 3)
        );
        assert_eq!(a.occurred_on.to_string(), "2027-03-01");
        assert_eq!(
            a.next_step_date.map(|d| d.to_string()).as_deref(),
            Some("2027-03-09")
        );
    }

    #[test]
    fn every_bad_activity_field_is_reported_at_once() {
        let f = ActivityForm {
            account_id: " ".into(),
            opportunity_id: "x".into(),
            contact_id: "y".into(),
            kind: "lunch".into(),
            occurred_on: String::new(),
            next_step: "x".repeat(NOTE_MAX + 1),
            next_step_date: "2027-13-01".into(),
            owner_id: "z".into(),
            ..ActivityForm::default()
        };
        let e = f.validate(1).expect_err("invalid");
        assert_eq!(e.get("account_id"), Some("required"));
        assert_eq!(e.get("opportunity_id"), Some("invalid_number"));
        assert_eq!(e.get("contact_id"), Some("invalid_number"));
        assert_eq!(e.get("kind"), Some("invalid_choice"));
        assert_eq!(e.get("occurred_on"), Some("required"));
        assert_eq!(e.get("next_step"), Some("too_long"));
        assert_eq!(e.get("next_step_date"), Some("invalid_date"));
        assert_eq!(e.get("owner_id"), Some("invalid_number"));
        assert_eq!(e.iter().count(), 8);
        let no_kind = ActivityForm {
            kind: " ".into(),
            ..good_activity()
        };
        assert_eq!(
            no_kind.validate(1).expect_err("invalid").get("kind"),
            Some("required")
        );
    }

    #[test]
    fn a_stored_activity_fills_the_form_and_patches_apply() {
        let at = chrono::DateTime::<chrono::Utc>::default();
        let row = Activity {
            id: 1,
            opportunity_id: Some(12),
            account_id: 7,
            account_name: "华东医院".into(),
            contact_id: None,
            kind: ActivityKind::Visit,
            occurred_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
            participants: String::new(),
            notes: String::new(),
            outcome: String::new(),
            next_step: "下周二汇报方案".into(),
            next_step_date: None,
            owner_id: 4,
            owner_name: "r1".into(),
            team_id: None,
            created_at: at,
            updated_at: at,
            version: 3,
            editable: true,
        };
        let mut f = ActivityForm::from_record(&row);
        assert_eq!(
            (
                f.opportunity_id.as_str(),
                f.contact_id.as_str(),
                f.version.as_str()
            ),
            ("12", "", "3")
        );
        patch_link(&mut f.opportunity_id, LinkPatch::Clear);
        patch_link(&mut f.contact_id, LinkPatch::Set(5));
        patch_link(&mut f.account_id, LinkPatch::Keep);
        patch_id(&mut f.account_id, None);
        patch_text(&mut f.notes, Some("带了样品".into()));
        let a = f.validate(9).expect("valid");
        assert_eq!(
            (a.opportunity_id, a.contact_id, a.account_id, a.owner_id),
            (None, Some(5), 7, 4)
        );
        assert_eq!((a.kind.as_str(), a.notes.as_str()), ("visit", "带了样品"));
        assert_eq!(a.occurred_on, row.occurred_on);
    }
}
