//! Converting a qualified lead (线索) into an account, a contact and optionally an opportunity,
//! shared by the API and the lead's convert page. Everything the lead becomes is owned by the
//! lead's owner and written in one transaction.

use crate::App;
use crate::Error;
use crate::forms::{NAME_MAX, OppForm, check_account, optional_id};
use opportune_core::fields::{FieldErrors, required_text};
use opportune_core::records::{AccountStatus, OppStatus};
use opportune_core::visibility::Viewer;
use opportune_db::accounts::AccountInput;
use opportune_db::contacts::ContactInput;
use opportune_db::leads::{self, Conversion, ConvertAccount, Converted, Lead};
use serde::{Deserialize, Serialize};

/// The conversion as typed. A blank `account_id` creates a new account named `account_name`;
/// `contact` (a checkbox) makes a contact of the lead's person; a blank `opportunity_name`
/// converts without a deal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvertForm {
    pub version: String,
    pub account_id: String,
    pub account_name: String,
    pub contact: Option<String>,
    pub opportunity_name: String,
    pub amount: String,
    pub expected_close_date: String,
    pub process_id: String,
}

impl ConvertForm {
    /// The form as first shown for `lead`: a new account named after its company (or the
    /// person), a contact, and a deal named after the company.
    pub fn for_lead(lead: &Lead) -> ConvertForm {
        let company = if lead.company.trim().is_empty() {
            lead.name.clone()
        } else {
            lead.company.clone()
        };
        ConvertForm {
            version: lead.version.to_string(),
            account_name: company.clone(),
            contact: Some("on".to_owned()),
            opportunity_name: company,
            ..ConvertForm::default()
        }
    }

    /// Whether the form asks for a deal.
    pub fn wants_deal(&self) -> bool {
        !self.opportunity_name.trim().is_empty()
    }
}

/// The deal's problems under the names the convert form uses.
fn deal_field(field: &'static str) -> &'static str {
    match field {
        "name" => "opportunity_name",
        other => other,
    }
}

/// Validates the form against `lead` and converts it in one transaction (`all`: the caller's
/// `'all'` version, for the processes).
pub async fn convert(
    state: &App,
    v: &Viewer,
    all: Option<i64>,
    lead: &Lead,
    f: &ConvertForm,
) -> Result<Converted, Error> {
    if !lead.editable {
        return Err(Error::ReadOnly);
    }
    let mut errors = FieldErrors::new();
    let version = errors
        .take("version", optional_id(&f.version))
        .flatten()
        .unwrap_or(-1);
    let account = match errors
        .take("account_id", optional_id(&f.account_id))
        .flatten()
    {
        Some(id) => {
            check_account(state, v, id, &mut errors).await?;
            Some(ConvertAccount::Existing(id))
        }
        None if errors.get("account_id").is_none() => errors
            .take("account_name", required_text(&f.account_name, NAME_MAX))
            .map(|name| {
                ConvertAccount::New(AccountInput {
                    name,
                    status: AccountStatus::Prospect,
                    owner_id: lead.owner_id,
                    ..AccountInput::default()
                })
            }),
        None => None,
    };
    let contact = f.contact.is_some().then(|| ContactInput {
        account_id: 0,
        name: lead.name.clone(),
        title: lead.title.clone(),
        phone: lead.phone.clone(),
        email: lead.email.clone(),
        owner_id: lead.owner_id,
        ..ContactInput::default()
    });
    let deal = if f.wants_deal() {
        let form = OppForm {
            name: f.opportunity_name.clone(),
            account_id: "0".to_owned(),
            owner_id: lead.owner_id.to_string(),
            amount: f.amount.clone(),
            expected_close_date: f.expected_close_date.clone(),
            process_id: f.process_id.clone(),
            source: lead.source.clone(),
            status: OppStatus::Open.as_str().to_owned(),
            ..OppForm::default()
        };
        let input = match form.validate(lead.owner_id) {
            Ok(input) => Some(input),
            Err(e) => {
                for x in e.iter() {
                    errors.add(deal_field(x.field), x.code);
                }
                None
            }
        };
        let start = crate::deals::process_start(state, all, &f.process_id, &mut errors).await?;
        input.zip(start)
    } else {
        None
    };
    let Some(account) = account.filter(|_| errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let currency = state.org().await.currency.clone();
    let conversion = Conversion {
        account,
        contact,
        deal: deal.map(|(input, start)| (input, start, currency)),
    };
    match leads::convert(&state.db, v, lead.id, version, conversion).await {
        Err(opportune_db::DbError::Stale) => {
            Err(Error::stale(leads::get(&state.db, v, lead.id).await?))
        }
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_form_names_the_account_and_deal_after_the_company() {
        let at = chrono::DateTime::<chrono::Utc>::default();
        let mut lead = Lead {
            id: 3,
            name: "张经理".into(),
            company: "华东药业".into(),
            title: String::new(),
            phone: String::new(),
            email: String::new(),
            source: String::new(),
            status: opportune_core::records::LeadStatus::New,
            notes: String::new(),
            owner_id: 2,
            owner_name: "r".into(),
            team_id: None,
            created_at: at,
            updated_at: at,
            version: 4,
            editable: true,
            converted_at: None,
            converted_account_id: None,
            converted_contact_id: None,
            converted_opportunity_id: None,
        };
        let f = ConvertForm::for_lead(&lead);
        assert_eq!(
            (f.account_name.as_str(), f.version.as_str(), f.wants_deal()),
            ("华东药业", "4", true)
        );
        assert!(f.contact.is_some());
        lead.company = " ".into();
        assert_eq!(ConvertForm::for_lead(&lead).account_name, "张经理");
        assert_eq!(deal_field("name"), "opportunity_name");
        assert_eq!(deal_field("amount"), "amount");
    }
}
