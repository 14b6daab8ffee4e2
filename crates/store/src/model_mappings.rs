//! The `model_mappings` table: a user's choice between the system mapping and their own.

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MappingMode {
    /// The operator's system mapping.
    Default,
    /// The user's own targets, falling back to the system slot where one is empty.
    Custom,
}

/// A user's mapping as stored; no row reads as default mode with no targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelMapping {
    pub mode: MappingMode,
    pub haiku: Option<String>,
    pub sonnet: Option<String>,
    pub opus: Option<String>,
    pub other: Option<String>,
}

impl Default for ModelMapping {
    fn default() -> Self {
        Self {
            mode: MappingMode::Default,
            haiku: None,
            sonnet: None,
            opus: None,
            other: None,
        }
    }
}

/// Targets to set; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct MappingTargets {
    pub haiku: Option<String>,
    pub sonnet: Option<String>,
    pub opus: Option<String>,
    pub other: Option<String>,
}

pub async fn get(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<ModelMapping> {
    let row = sqlx::query!(
        "select mode, haiku, sonnet, opus, other from model_mappings where user_id = $1",
        user_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(ModelMapping::default, |r| ModelMapping {
        mode: if r.mode == "custom" {
            MappingMode::Custom
        } else {
            MappingMode::Default
        },
        haiku: r.haiku,
        sonnet: r.sonnet,
        opus: r.opus,
        other: r.other,
    }))
}

/// Switches the user to custom mode, setting the given targets and keeping the others.
/// An empty string clears a slot (it then falls back to the system mapping).
pub async fn set_custom(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    targets: &MappingTargets,
) -> Result<()> {
    sqlx::query!(
        r#"insert into model_mappings (user_id, mode, haiku, sonnet, opus, other)
           values ($1, 'custom', nullif($2, ''), nullif($3, ''), nullif($4, ''), nullif($5, ''))
           on conflict (user_id) do update set
               mode = 'custom',
               haiku = case when $2 is null then model_mappings.haiku else nullif($2, '') end,
               sonnet = case when $3 is null then model_mappings.sonnet else nullif($3, '') end,
               opus = case when $4 is null then model_mappings.opus else nullif($4, '') end,
               other = case when $5 is null then model_mappings.other else nullif($5, '') end"#,
        user_id,
        targets.haiku,
        targets.sonnet,
        targets.opus,
        targets.other,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Back to the system mapping; the user's custom targets are forgotten.
pub async fn reset(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<()> {
    sqlx::query!("delete from model_mappings where user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(())
}
