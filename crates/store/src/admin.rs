//! Operations on the database server itself rather than on examreg's data: creating and
//! dropping PostgreSQL databases (test isolation, provisioning) and reading the schema
//! (migration parity checks).

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::{Backend, Store, StoreError};

/// PostgreSQL identifiers we create: lowercase letters, digits and `_` only, so they
/// never need quoting or escaping.
fn check_identifier(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidUrl(format!(
            "invalid database name {name:?}"
        )))
    }
}

/// Creates database `name` on the server that `admin_url` points to.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    check_identifier(name)?;
    let db = Database::connect(admin_url).await?;
    db.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        format!("CREATE DATABASE {name}"),
    ))
    .await?;
    db.close().await?;
    Ok(())
}

/// Drops database `name`, ending any connections still open to it.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    check_identifier(name)?;
    let db = Database::connect(admin_url).await?;
    db.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    ))
    .await?;
    db.close().await?;
    Ok(())
}

/// `postgres://user@host:port/other` for `postgres://user@host:port/db?opts`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Store {
    /// Every `(table, column)` of examreg's schema, sorted, excluding the migration
    /// bookkeeping table: the same list on every backend after the same migrations.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name <> 'seaql_migrations'"
            }
            Backend::Postgres => {
                "SELECT table_name::text AS table_name, column_name::text AS column_name \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name <> 'seaql_migrations'"
            }
        };
        let backend = self.conn().get_database_backend();
        let rows = self
            .conn()
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        let mut columns = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<String>("", "table_name")?,
                    row.try_get::<String>("", "column_name")?,
                ))
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        columns.sort();
        Ok(columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_keeping_options() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(check_identifier("examreg_test_1").is_ok());
        for bad in ["", "Robert", "x; DROP", "a-b", &"a".repeat(64)] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
    }
}
