//! The add and edit forms of an upstream key: what was typed, the checks (the same as the
//! CLI's, with a sentence next to each field), and what is stored.

use serde::Deserialize;
use store::upstream_keys::{self, Provider, UpstreamKey};

use super::presets::{self, Preset};
use crate::upstreams::{self, BaseUrlError, SecretError, UpstreamEdit, UpstreamInput};
use crate::web::i18n::t;

/// The form as posted. The secret is only read here: pages are rendered from [`Fields`],
/// which has none, so a typed secret is never sent back to the browser.
#[derive(Debug, Default, Deserialize)]
pub struct Submission {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub base_url: String,
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub weight: String,
    /// A checkbox: present when ticked.
    pub enabled: Option<String>,
}

/// What the form shows in its fields.
#[derive(Debug, Clone)]
pub struct Fields {
    pub name: String,
    pub preset: String,
    pub base_url: String,
    pub priority: String,
    pub weight: String,
    pub enabled: bool,
}

impl Fields {
    /// A blank add form, started from `preset` when one is named.
    pub fn blank(preset: Option<&Preset>) -> Fields {
        Fields {
            name: preset.map_or("", |p| p.suggested_name()).to_owned(),
            preset: preset.map_or(presets::DEFAULT, |p| p.id).to_owned(),
            base_url: preset.map_or("", |p| p.base_url).to_owned(),
            priority: "50".to_owned(),
            weight: "1".to_owned(),
            enabled: true,
        }
    }

    /// The edit form of a stored key.
    pub fn of(key: &UpstreamKey) -> Fields {
        Fields {
            name: key.name.clone(),
            preset: presets::of_key(key.provider, &key.base_url).id.to_owned(),
            base_url: key.base_url.clone(),
            priority: key.priority.to_string(),
            weight: key.weight.to_string(),
            enabled: key.enabled,
        }
    }
}

impl Submission {
    pub fn fields(&self) -> Fields {
        Fields {
            name: self.name.trim().to_owned(),
            preset: self.preset.clone(),
            base_url: self.base_url.trim().to_owned(),
            priority: self.priority.trim().to_owned(),
            weight: self.weight.trim().to_owned(),
            enabled: self.enabled.is_some(),
        }
    }
}

/// A sentence next to each field that was refused.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    pub name: Option<&'static str>,
    pub preset: Option<&'static str>,
    pub base_url: Option<&'static str>,
    pub secret: Option<&'static str>,
    pub priority: Option<&'static str>,
    pub weight: Option<&'static str>,
}

impl FieldErrors {
    pub fn any(&self) -> bool {
        [
            &self.name,
            &self.preset,
            &self.base_url,
            &self.secret,
            &self.priority,
            &self.weight,
        ]
        .iter()
        .any(|e| e.is_some())
    }

    /// The name is taken by another of the user's keys.
    pub fn duplicate_name() -> FieldErrors {
        FieldErrors {
            name: Some(t("You already have an upstream key with this name.")),
            ..FieldErrors::default()
        }
    }
}

/// A form that passed every check.
pub struct Checked {
    name: String,
    provider: Provider,
    base_url: String,
    /// `None`: keep the stored secret (edit with the field left empty).
    secret: Option<String>,
    priority: i32,
    weight: i32,
    enabled: bool,
}

impl Checked {
    pub fn input(self) -> UpstreamInput {
        UpstreamInput {
            name: self.name,
            provider: self.provider,
            base_url: self.base_url,
            secret: self.secret.unwrap_or_default(),
            priority: self.priority,
            weight: self.weight,
            enabled: self.enabled,
        }
    }

    pub fn edit(self) -> UpstreamEdit {
        UpstreamEdit {
            name: Some(self.name),
            provider: Some(self.provider),
            base_url: Some(self.base_url),
            secret: self.secret,
            priority: Some(self.priority),
            weight: Some(self.weight),
            enabled: Some(self.enabled),
        }
    }
}

/// Checks the form; `new` requires a secret (an edit keeps the stored one when empty).
pub fn check(form: &Submission, new: bool) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = form.name.trim();
    if upstream_keys::validate_settings(Some(name), None, None).is_err() {
        errors.name = Some(t("A name has 1 to 64 characters."));
    }
    let preset = presets::find(&form.preset);
    if preset.is_none() {
        errors.preset = Some(t("Choose a provider from the list."));
    }
    let typed = form.base_url.trim();
    let base_url = match (typed, preset) {
        ("", Some(preset)) if preset.is_custom() => {
            errors.base_url = Some(t("Enter the base URL of this API."));
            None
        }
        ("", Some(preset)) => Some(preset.base_url.to_owned()),
        ("", None) => None,
        (typed, _) => match upstreams::check_base_url(typed) {
            Ok(url) => Some(url),
            Err(err) => {
                errors.base_url = Some(base_url_message(err));
                None
            }
        },
    };
    let secret = match (form.secret.trim(), new) {
        ("", false) => None,
        (secret, _) => match upstreams::check_secret(secret) {
            Ok(secret) => Some(secret.to_owned()),
            Err(SecretError::Empty) => {
                errors.secret = Some(t("Paste the API key from your provider."));
                None
            }
            Err(SecretError::Whitespace) => {
                errors.secret = Some(t("An API key has no spaces or line breaks; copy it again."));
                None
            }
        },
    };
    let priority = form
        .priority
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|p| upstream_keys::validate_settings(None, Some(*p), None).is_ok());
    if priority.is_none() {
        errors.priority = Some(t("Priority is a whole number from 0 to 100."));
    }
    let weight = form
        .weight
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|w| upstream_keys::validate_settings(None, None, Some(*w)).is_ok());
    if weight.is_none() {
        errors.weight = Some(t("Weight is a whole number from 1 to 100."));
    }
    match (preset, base_url, priority, weight) {
        (Some(preset), Some(base_url), Some(priority), Some(weight)) if !errors.any() => {
            Ok(Checked {
                name: name.to_owned(),
                provider: preset.provider,
                base_url,
                secret,
                priority,
                weight,
                enabled: form.enabled.is_some(),
            })
        }
        _ => Err(errors),
    }
}

fn base_url_message(err: BaseUrlError) -> &'static str {
    match err {
        BaseUrlError::NotAUrl | BaseUrlError::NoHost => {
            t("Enter a full URL, such as https://api.openai.com/v1.")
        }
        BaseUrlError::Scheme => t("The URL must start with https:// (or http://)."),
        BaseUrlError::Credentials => {
            t("Leave the key out of the URL; paste it in the API key field.")
        }
        BaseUrlError::Query => t("The URL must not have a ? query or a # part."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Submission {
        let mut form = Submission {
            name: "main".into(),
            preset: "deepseek".into(),
            secret: "sk-0123456789abcdef".into(),
            priority: "50".into(),
            weight: "1".into(),
            enabled: Some("on".into()),
            ..Submission::default()
        };
        for (field, value) in pairs {
            let value = (*value).to_owned();
            match *field {
                "name" => form.name = value,
                "preset" => form.preset = value,
                "base_url" => form.base_url = value,
                "secret" => form.secret = value,
                "priority" => form.priority = value,
                "weight" => form.weight = value,
                _ => panic!("no field {field}"),
            }
        }
        form
    }

    #[test]
    fn a_preset_fills_kind_and_base_url() {
        let checked = check(&form(&[]), true).expect("valid").input();
        assert_eq!(checked.provider, Provider::Openai);
        assert_eq!(checked.base_url, "https://api.deepseek.com");
        let checked = check(
            &form(&[
                ("preset", "anthropic"),
                ("base_url", "https://relay.example/"),
            ]),
            true,
        )
        .expect("valid")
        .input();
        assert_eq!(checked.provider, Provider::Anthropic);
        assert_eq!(checked.base_url, "https://relay.example");
    }

    #[test]
    fn each_bad_field_gets_its_sentence() {
        type Case = (
            &'static [(&'static str, &'static str)],
            fn(&FieldErrors) -> bool,
        );
        let cases: [Case; 8] = [
            (&[("name", " ")], |e| e.name.is_some()),
            (&[("preset", "azure")], |e| e.preset.is_some()),
            (&[("preset", "custom-openai")], |e| e.base_url.is_some()),
            (&[("base_url", "ftp://x.y")], |e| e.base_url.is_some()),
            (&[("secret", "")], |e| e.secret.is_some()),
            (&[("secret", "sk-a b")], |e| e.secret.is_some()),
            (&[("priority", "101")], |e| e.priority.is_some()),
            (&[("weight", "zero")], |e| e.weight.is_some()),
        ];
        for (pairs, flagged) in cases {
            let errors = check(&form(pairs), true).err().expect("refused");
            assert!(flagged(&errors), "{pairs:?}: {errors:?}");
        }
    }

    #[test]
    fn an_edit_may_keep_the_secret() {
        let checked = check(&form(&[("secret", "  ")]), false).expect("valid");
        assert!(checked.edit().secret.is_none());
        assert!(check(&form(&[("secret", "  ")]), true).is_err());
    }
}
