//! `msys.db` (spec §4.3) against the embedded store, the only datasource (`nil`, `""` or
//! `"default"` name it): `query(cache, sql, params, opts)` returns a row iterator or
//! `nil, err`; `fetch_row(...)` returns the first row (raising on error unless
//! `{raise_error = false}`); `execute(...)` returns `true` or `false, err`. Rows are arrays
//! (`row[1]`), parameters are positional (`?`). Plus `msys.kv` (Impetus): string buckets
//! `get/put/delete/keys`.

use std::cell::Cell;

use mlua::{Lua, Table, Value};

use crate::host::host_of;

/// Builds `msys.db`.
pub fn db_table(lua: &Lua) -> mlua::Result<Table> {
    let db = lua.create_table()?;
    db.set(
        "query",
        lua.create_function(
            |lua, (cache, sql, params, _opts): (Value, String, Option<Table>, Option<Table>)| {
                match rows(lua, &cache, &sql, params) {
                    Ok(rows) => {
                        let next = Cell::new(0usize);
                        let iterator = lua.create_function(move |lua, ()| {
                            let index = next.get();
                            next.set(index + 1);
                            rows.get(index).map(|row| row_table(lua, row)).transpose()
                        })?;
                        Ok((Some(iterator), None))
                    }
                    Err(e) => Ok((None, Some(e))),
                }
            },
        )?,
    )?;
    db.set(
        "fetch_row",
        lua.create_function(
            |lua, (cache, sql, params, opts): (Value, String, Option<Table>, Option<Table>)| {
                let raise = opts
                    .map(|o| o.get::<Option<bool>>("raise_error"))
                    .transpose()?
                    .flatten()
                    .unwrap_or(true);
                match rows(lua, &cache, &sql, params) {
                    Ok(rows) => Ok((rows.first().map(|r| row_table(lua, r)).transpose()?, None)),
                    Err(e) if raise => Err(mlua::Error::runtime(e)),
                    Err(e) => Ok((None, Some(e))),
                }
            },
        )?,
    )?;
    db.set(
        "execute",
        lua.create_function(
            |lua, (cache, sql, params, _opts): (Value, String, Option<Table>, Option<Table>)| {
                let outcome = store_for(lua, &cache).and_then(|store| {
                    let params = strings(params)?;
                    let refs: Vec<&str> = params.iter().map(String::as_str).collect();
                    store.sql_execute(&sql, &refs).map_err(|e| e.to_string())
                });
                Ok(match outcome {
                    Ok(_) => (true, None),
                    Err(e) => (false, Some(e)),
                })
            },
        )?,
    )?;
    Ok(db)
}

/// Builds `msys.kv`.
pub fn kv_table(lua: &Lua) -> mlua::Result<Table> {
    let kv = lua.create_table()?;
    kv.set(
        "get",
        lua.create_function(|lua, (bucket, key): (String, String)| {
            host_of(lua)?
                .store
                .kv_get(&bucket, &key)
                .map_err(mlua::Error::external)
        })?,
    )?;
    kv.set(
        "put",
        lua.create_function(|lua, (bucket, key, value): (String, String, String)| {
            host_of(lua)?
                .store
                .kv_put(&bucket, &key, &value)
                .map_err(mlua::Error::external)?;
            Ok(true)
        })?,
    )?;
    kv.set(
        "delete",
        lua.create_function(|lua, (bucket, key): (String, String)| {
            host_of(lua)?
                .store
                .kv_delete(&bucket, &key)
                .map_err(mlua::Error::external)
        })?,
    )?;
    kv.set(
        "keys",
        lua.create_function(|lua, bucket: String| {
            host_of(lua)?
                .store
                .kv_keys(&bucket)
                .map_err(mlua::Error::external)
        })?,
    )?;
    Ok(kv)
}

fn store_for(
    lua: &Lua,
    cache: &Value,
) -> Result<std::sync::Arc<dyn impetus_storage::Store>, String> {
    match cache {
        Value::Nil => {}
        Value::String(name) if matches!(name.to_string_lossy().as_str(), "" | "default") => {}
        other => {
            return Err(format!(
                "unknown datasource {} (only the embedded \"default\" store exists)",
                other.to_string().unwrap_or_default()
            ));
        }
    }
    host_of(lua)
        .map(|h| h.store.clone())
        .map_err(|e| e.to_string())
}

fn rows(
    lua: &Lua,
    cache: &Value,
    sql: &str,
    params: Option<Table>,
) -> Result<Vec<Vec<Option<String>>>, String> {
    let store = store_for(lua, cache)?;
    let params = strings(params)?;
    let refs: Vec<&str> = params.iter().map(String::as_str).collect();
    store.sql_query(sql, &refs).map_err(|e| e.to_string())
}

/// Positional parameters as text (numbers and booleans converted).
fn strings(params: Option<Table>) -> Result<Vec<String>, String> {
    let Some(params) = params else {
        return Ok(Vec::new());
    };
    params
        .sequence_values::<Value>()
        .map(|value| match value.map_err(|e| e.to_string())? {
            Value::String(s) => Ok(s.to_string_lossy()),
            Value::Integer(n) => Ok(n.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Boolean(b) => Ok(if b { "1" } else { "0" }.to_owned()),
            other => Err(format!(
                "cannot bind a {} as an SQL parameter",
                other.type_name()
            )),
        })
        .collect()
}

fn row_table(lua: &Lua, row: &[Option<String>]) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    for (index, cell) in row.iter().enumerate() {
        if let Some(cell) = cell {
            table.raw_set(index + 1, cell.as_str())?;
        }
    }
    Ok(table)
}
